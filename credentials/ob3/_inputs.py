"""Checks on the builder's input, reported all at once with the field each concerns.

Fields are named by where they end up in the credential ("issuer.url",
"achievement.alignment[0].targetUrl", "validFrom"); competencies, the recipient and
the demonstrated list, which have no single place there, by their builder names
("achievement.competencies[1].name", "recipient.email", "demonstrated[0]").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeGuard, TypeVar

from credentials.errors import CredentialValidationError, Problem
from credentials.ob3._narrative import is_single_line
from credentials.ob3._time import format_datetime
from credentials.ob3.model import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Image,
    Profile,
    Recipient,
)
from credentials.validation import ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, is_url

_T = TypeVar("_T")


def _is_term(value: object, terms: frozenset[str]) -> bool:
    """Member of an OB 3.0 extensible enumeration, or an ``ext:`` extension term."""
    if not isinstance(value, str):
        return False
    return value in terms or (value.startswith("ext:") and len(value) > len("ext:"))


def _is_email(value: object) -> bool:
    if not isinstance(value, str):
        return False
    local, at, domain = value.strip().rpartition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in value.strip())


class InputChecker:
    """Collects the problems of one ``build_credential`` call."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message))

    def text(self, value: object, field: str, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.strip():
            self.add(field, "must be a non-empty string")

    def url(self, value: object, field: str, *, optional: bool = False) -> None:
        if value is None and optional:
            return
        if not is_url(value):
            self.add(field, "must be an absolute URL, URN or DID")

    def instance(self, value: object, kind: type[_T], field: str) -> TypeGuard[_T]:
        if isinstance(value, kind):
            return True
        self.add(field, f"must be a {kind.__name__}")
        return False

    def sequence(self, value: object, field: str) -> Sequence[Any] | None:
        """``value`` as a sequence of items; a lone string is not a list of names."""
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):
            return value
        self.add(field, "must be a list")
        return None

    def timestamp(self, value: object, field: str, *, optional: bool = False) -> str | None:
        """``value`` as the profile writes it, or None (with a problem unless optional)."""
        if value is None and optional:
            return None
        if not isinstance(value, datetime):
            self.add(field, "must be a timezone-aware datetime")
            return None
        try:
            return format_datetime(value, field=field)
        except CredentialValidationError as error:
            self.problems.extend(error.problems)
            return None

    # --- parts ------------------------------------------------------------------------------

    def image(self, value: object, field: str) -> None:
        if value is not None and self.instance(value, Image, field):
            self.url(value.id, f"{field}.id")
            self.text(value.caption, f"{field}.caption", optional=True)

    def profile(self, value: object, field: str) -> None:
        if not self.instance(value, Profile, field):
            return
        self.url(value.id, f"{field}.id")
        self.text(value.name, f"{field}.name")
        self.url(value.url, f"{field}.url", optional=True)
        if value.email is not None and not _is_email(value.email):
            self.add(f"{field}.email", "must be an email address")
        self.text(value.description, f"{field}.description", optional=True)
        self.image(value.image, f"{field}.image")

    def alignments(self, values: object, field: str) -> None:
        for index, alignment in enumerate(self.sequence(values, field) or ()):
            path = f"{field}[{index}]"
            if not self.instance(alignment, Alignment, path):
                continue
            self.text(alignment.target_name, f"{path}.targetName")
            self.url(alignment.target_url, f"{path}.targetUrl")
            for attribute, key in (
                ("target_framework", "targetFramework"),
                ("target_code", "targetCode"),
                ("target_description", "targetDescription"),
            ):
                self.text(getattr(alignment, attribute), f"{path}.{key}", optional=True)
            target_type = alignment.target_type
            if target_type is not None and not _is_term(target_type, ALIGNMENT_TARGET_TYPES):
                self.add(f"{path}.targetType", "must be an AlignmentTargetType or an ext: term")

    def achievement(self, value: object) -> list[Competency]:
        """Check the achievement; return its well-formed competencies."""
        if not self.instance(value, Achievement, "achievement"):
            return []
        self.url(value.id, "achievement.id")
        for attribute in ("name", "description"):
            self.text(getattr(value, attribute), f"achievement.{attribute}")
        self.text(value.criteria_narrative, "achievement.criteria.narrative")
        self.url(value.criteria_url, "achievement.criteria.id", optional=True)
        if not _is_term(value.achievement_type, ACHIEVEMENT_TYPES):
            self.add("achievement.achievementType", "must be an AchievementType or an ext: term")
        self.alignments(value.alignments, "achievement.alignment")
        self.image(value.image, "achievement.image")
        return self.competencies(value.competencies)

    def competencies(self, values: object) -> list[Competency]:
        found: list[Competency] = []
        names: set[str] = set()
        ids: set[str] = set()
        for index, competency in enumerate(self.sequence(values, "achievement.competencies") or ()):
            path = f"achievement.competencies[{index}]"
            if not self.instance(competency, Competency, path):
                continue
            found.append(competency)
            if not is_single_line(competency.name):
                self.add(f"{path}.name", "must be a non-empty name on a single line")
            elif competency.name in names:
                self.add(f"{path}.name", "repeats another competency's name")
            else:
                names.add(competency.name)
            self.text(competency.description, f"{path}.description", optional=True)
            self.url(competency.id, f"{path}.id", optional=True)
            if isinstance(competency.id, str):
                if competency.id in ids:
                    self.add(f"{path}.id", "repeats another competency's id")
                ids.add(competency.id)
            self.alignments(competency.alignments, f"{path}.alignment")
        return found

    def recipient(self, value: object) -> None:
        if not self.instance(value, Recipient, "recipient"):
            return
        self.text(value.name, "recipient.name")
        self.url(value.did, "recipient.did", optional=True)
        if value.email is not None and not _is_email(value.email):
            self.add("recipient.email", "must be an email address")
        self.text(value.salt, "recipient.salt", optional=True)
        if value.did is None and value.email is None:
            self.add("recipient", "needs a DID or an email address to identify the subject")

    def demonstrated(self, value: object, known: Sequence[str]) -> list[str]:
        """The demonstrated competency names (all of them when ``value`` is None)."""
        if value is None:
            return list(known)
        names: list[str] = []
        for index, name in enumerate(self.sequence(value, "demonstrated") or ()):
            if name not in known:
                self.add(
                    f"demonstrated[{index}]", f"is not a competency of the achievement: {name!r}"
                )
            elif name in names:
                self.add(f"demonstrated[{index}]", f"repeats {name!r}")
            else:
                names.append(name)
        return names

    def evidence(self, values: object, known: Sequence[str], demonstrated: Sequence[str]) -> None:
        for index, item in enumerate(self.sequence(values, "evidence") or ()):
            path = f"evidence[{index}]"
            if not self.instance(item, GigEvidence, path):
                continue
            self.text(item.name, f"{path}.name")
            self.text(item.description, f"{path}.description")
            self.url(item.url, f"{path}.id", optional=True)
            self.text(item.details, f"{path}.details", optional=True)
            names = self.sequence(item.competencies, f"{path}.competencies")
            if names is None:
                continue
            if not names:
                self.add(
                    f"{path}.competencies", "must list at least one competency it demonstrates"
                )
            for position, name in enumerate(names):
                field = f"{path}.competencies[{position}]"
                if name not in known:
                    self.add(field, f"is not a competency of the achievement: {name!r}")
                elif name not in demonstrated:
                    self.add(field, f"backs {name!r}, which is not among the demonstrated ones")
                elif name in names[:position]:
                    self.add(field, f"repeats {name!r}")

    def validity(self, valid_from: object, valid_until: object, awarded_date: object) -> None:
        start = self.timestamp(valid_from, "validFrom")
        end = self.timestamp(valid_until, "validUntil", optional=True)
        self.timestamp(awarded_date, "awardedDate", optional=True)
        # Same fixed-width UTC form on both sides, so text order is time order.
        if start is not None and end is not None and end < start:
            self.add("validUntil", "must not be earlier than validFrom")

    def credential_status(self, value: object) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            entries: list[tuple[str, object]] = [("credentialStatus", value)]
        else:
            items = self.sequence(value, "credentialStatus") or ()
            entries = [(f"credentialStatus[{i}]", item) for i, item in enumerate(items)]
        for field, entry in entries:
            if not isinstance(entry, Mapping) or "type" not in entry:
                self.add(field, "must be an object with a type")
