"""Read side: what a page, a PDF or the CLI shows about a credential.

:func:`summarize` accepts anything — our credentials, other issuers' OB 3.0 and VC 2.0
credentials, invalid or truncated ones — and never raises: whatever is missing or
malformed becomes None or an empty tuple. It is for *display*; whether the credential
is valid is for verification to say. Strings are returned as issued: escaping is the
renderer's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credentials.ob3._narrative import OVERRIDE_GENRE, split_narrative
from credentials.validation import parse_datetime_stamp


@dataclass(frozen=True, slots=True, kw_only=True)
class AlignmentSummary:
    name: str | None
    url: str | None
    framework: str | None = None
    code: str | None = None
    description: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceSummary:
    id: str | None  # the project's URL when it has one
    name: str | None
    description: str | None
    narrative: str | None  # as issued
    narrative_details: str | None  # the free text after the competency list
    genre: str | None
    competencies: tuple[str, ...]

    @property
    def url(self) -> str | None:
        return self.id


@dataclass(frozen=True, slots=True, kw_only=True)
class CompetencySummary:
    id: str | None
    name: str | None
    description: str | None
    alignments: tuple[AlignmentSummary, ...]
    demonstrated: bool
    evidence: tuple[EvidenceSummary, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AchievementSummary:
    id: str | None
    name: str | None
    description: str | None
    criteria: str | None  # the criteria narrative (Markdown)
    criteria_url: str | None
    type: str | None  # achievementType
    image_url: str | None
    alignments: tuple[AlignmentSummary, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialSummary:
    id: str | None
    name: str | None
    description: str | None
    image_url: str | None
    recipient_name: str | None
    recipient_did: str | None
    issuer_id: str | None
    issuer_name: str | None
    issuer_url: str | None
    issuer_image_url: str | None
    achievement: AchievementSummary
    competencies: tuple[CompetencySummary, ...]
    evidence: tuple[EvidenceSummary, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    awarded_date: datetime | None
    status: tuple[dict[str, Any], ...]  # credentialStatus entries, as issued
    #: Set when the issuer awarded it by override: the reason, as the credential states it.
    override_reason: str | None = None


def summarize(credential: object) -> CredentialSummary:
    """Everything worth displaying about ``credential``; never raises."""
    doc = _object(credential)
    subject = _first_object(doc.get("credentialSubject"))
    achievement = _object(subject.get("achievement"))
    issuer = doc.get("issuer")
    issuer_profile = _object(issuer)
    all_evidence = tuple(_evidence(e) for e in _objects(doc.get("evidence")))
    # The override entry is a statement about the award, not a piece of gig-project work.
    override = next((e for e in all_evidence if e.genre == OVERRIDE_GENRE), None)
    evidence = tuple(e for e in all_evidence if e is not override)
    return CredentialSummary(
        id=_str(doc.get("id")),
        name=_text(doc.get("name")),
        description=_text(doc.get("description")),
        image_url=_image_url(doc.get("image")),
        recipient_name=_recipient_name(subject),
        recipient_did=_str(subject.get("id")),
        issuer_id=_str(issuer) or _str(issuer_profile.get("id")),
        issuer_name=_text(issuer_profile.get("name")),
        issuer_url=_str(issuer_profile.get("url")),
        issuer_image_url=_image_url(issuer_profile.get("image")),
        achievement=_achievement(achievement),
        competencies=_competencies(achievement, subject, evidence),
        evidence=evidence,
        # VC 1.1 credentials (OB 3.0.0-3.0.2) date themselves with issuanceDate/expirationDate.
        valid_from=_datetime(doc.get("validFrom", doc.get("issuanceDate"))),
        valid_until=_datetime(doc.get("validUntil", doc.get("expirationDate"))),
        awarded_date=_datetime(doc.get("awardedDate")),
        status=tuple(dict(s) for s in _objects(doc.get("credentialStatus"))),
        override_reason=(override.narrative or override.description or "no reason given")
        if override is not None
        else None,
    )


# --- tolerant accessors ---------------------------------------------------------------------

_EMPTY: Mapping[str, Any] = {}


def _object(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else _EMPTY


def _objects(value: object) -> list[Mapping[str, Any]]:
    """The objects in a JSON-LD set written as one value or a list; others are skipped."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def _first_object(value: object) -> Mapping[str, Any]:
    objects = _objects(value)
    return objects[0] if objects else _EMPTY


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: object) -> str | None:
    """A string, or the first value of VC 2.0 language value objects."""
    if isinstance(value, str):
        return value
    for item in _objects(value):
        if isinstance(item.get("@value"), str):
            return str(item["@value"])
    return None


def _datetime(value: object) -> datetime | None:
    return parse_datetime_stamp(value)


def _image_url(value: object) -> str | None:
    return _str(value) or _str(_object(value).get("id"))


# --- parts ----------------------------------------------------------------------------------


def _recipient_name(subject: Mapping[str, Any]) -> str | None:
    for identifier in _objects(subject.get("identifier")):
        # "ext:name" is how OB 3.0's implementation guide wrote it before "name" was added.
        if identifier.get("identityType") in ("name", "ext:name") and not identifier.get("hashed"):
            name = _str(identifier.get("identityHash"))
            if name is not None:
                return name
    # A subject's own "name" (schema:name in the VC 2.0 context), as DCC wallets' credentials
    # name their recipient; the verifier warns to check it against the person.
    return _str(subject.get("name"))


def _alignments(owner: Mapping[str, Any]) -> tuple[AlignmentSummary, ...]:
    return tuple(
        AlignmentSummary(
            name=_str(a.get("targetName")),
            url=_str(a.get("targetUrl")),
            framework=_str(a.get("targetFramework")),
            code=_str(a.get("targetCode")),
            description=_str(a.get("targetDescription")),
            type=_str(a.get("targetType")),
        )
        for a in _objects(owner.get("alignment"))
    )


def _achievement(achievement: Mapping[str, Any]) -> AchievementSummary:
    criteria = achievement.get("criteria")
    return AchievementSummary(
        id=_str(achievement.get("id")),
        name=_text(achievement.get("name")),
        description=_text(achievement.get("description")),
        criteria=_str(_object(criteria).get("narrative")),
        criteria_url=_str(criteria) or _str(_object(criteria).get("id")),
        type=_str(achievement.get("achievementType")),
        image_url=_image_url(achievement.get("image")),
        alignments=_alignments(achievement),
    )


def _evidence(evidence: Mapping[str, Any]) -> EvidenceSummary:
    names, details = split_narrative(evidence.get("narrative"))
    return EvidenceSummary(
        id=_str(evidence.get("id")),
        name=_text(evidence.get("name")),
        description=_text(evidence.get("description")),
        narrative=_str(evidence.get("narrative")),
        narrative_details=details,
        genre=_str(evidence.get("genre")),
        competencies=tuple(names),
    )


def _demonstrated_ids(subject: Mapping[str, Any]) -> set[str]:
    """ResultDescription ids with a result that is Completed (OB 3.0: also when no
    status is given, Completed being the default)."""
    found: set[str] = set()
    for result in _objects(subject.get("result")):
        reference = result.get("resultDescription")
        if isinstance(reference, str) and result.get("status", "Completed") == "Completed":
            found.add(reference)
    return found


def _competencies(
    achievement: Mapping[str, Any],
    subject: Mapping[str, Any],
    evidence: tuple[EvidenceSummary, ...],
) -> tuple[CompetencySummary, ...]:
    demonstrated = _demonstrated_ids(subject)
    out: list[CompetencySummary] = []
    for description in _objects(achievement.get("resultDescription")):
        identifier, name = _str(description.get("id")), _text(description.get("name"))
        out.append(
            CompetencySummary(
                id=identifier,
                name=name,
                description=_text(description.get("description")),
                alignments=_alignments(description),
                demonstrated=identifier is not None and identifier in demonstrated,
                evidence=tuple(e for e in evidence if name is not None and name in e.competencies),
            )
        )
    return tuple(out)
