"""The evidence narrative convention that links gig projects to competencies.

An evidence entry's ``narrative`` (Markdown) starts with a fixed header and one bullet
per competency the project demonstrates, optionally followed by a blank line and free
text::

    Demonstrates competencies:
    - Responsive web layout
    - Accessibility review

    Rebuilt the client's storefront...

Open Badges has no property linking evidence to a result, so the link lives in text
that every displayer shows sensibly; the parser tolerates anyone else's narratives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from credentials.errors import CredentialValidationError, Problem

EVIDENCE_HEADER = "Demonstrates competencies:\n"
#: The ``genre`` of the evidence entry that records an award by override (OB 3.0 Evidence
#: has ``genre``): its narrative is the issuer's reason.
OVERRIDE_GENRE = "Issuer override"
_BULLET = "- "


def is_single_line(name: object) -> bool:
    """A non-blank string with no line break of any kind (so it fits one bullet)."""
    return isinstance(name, str) and bool(name.strip()) and name.splitlines() == [name]


def evidence_narrative(competencies: Sequence[str], details: str | None = None) -> str:
    """The narrative for a project demonstrating ``competencies``, then ``details``."""
    problems = [
        Problem(f"competencies[{index}]", "must be a non-empty name on a single line")
        for index, name in enumerate(() if isinstance(competencies, str) else competencies)
        if not is_single_line(name)
    ]
    if isinstance(competencies, str) or not competencies:
        problems.insert(0, Problem("competencies", "must list at least one competency name"))
    if problems:
        raise CredentialValidationError(problems)
    text = EVIDENCE_HEADER + "\n".join(_BULLET + name for name in competencies)
    return text + "\n\n" + details if details else text


def split_narrative(narrative: object) -> tuple[list[str], str | None]:
    """(competency names, free text) of a narrative; ``([], narrative)`` for other formats."""
    if not isinstance(narrative, str):
        return [], None
    text = narrative.replace("\r\n", "\n")
    if not text.startswith(EVIDENCE_HEADER):
        return [], narrative or None
    lines = text[len(EVIDENCE_HEADER) :].split("\n")
    names: list[str] = []
    while lines and lines[0].startswith(_BULLET):
        name = lines.pop(0)[len(_BULLET) :]
        if name.strip():
            names.append(name)
    rest = "\n".join(lines).strip("\n")
    return names, rest or None


def evidence_competencies(evidence: Mapping[str, object] | object) -> list[str]:
    """The competency names an evidence entry's narrative lists; [] when it follows no
    such convention (evidence written by other issuers) or is not an object at all."""
    if not isinstance(evidence, Mapping):
        return []
    return split_narrative(evidence.get("narrative"))[0]
