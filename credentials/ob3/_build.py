"""Assemble an ``OpenBadgeCredential`` (unsigned) in the microcred OB 3.0 profile.

The output is plain JSON data (dicts, lists, strings, booleans) in a fixed key order,
so the same input always serialises to the same bytes; it passes
:func:`credentials.validation.validate_credential` by construction, and is checked
against it once more before it is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from credentials.errors import CredentialValidationError
from credentials.ob3._identity import hash_email, new_salt, normalise_email
from credentials.ob3._inputs import InputChecker
from credentials.ob3._narrative import OVERRIDE_GENRE, evidence_narrative
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
from credentials.validation import OB3_CONTEXT, VC2_CONTEXT, validate_or_raise

CONTEXT: tuple[str, str] = (VC2_CONTEXT, OB3_CONTEXT)
CREDENTIAL_TYPE: tuple[str, str] = ("VerifiableCredential", "OpenBadgeCredential")
EVIDENCE_GENRE = "Gig project"

JSON = dict[str, Any]


def competency_ids(achievement: Achievement) -> list[str]:
    """The ResultDescription id of each competency, in order."""
    return [
        competency.id or f"{achievement.id}#competency-{number}"
        for number, competency in enumerate(achievement.competencies, start=1)
    ]


def build_credential(
    *,
    id: str,
    issuer: Profile,
    achievement: Achievement,
    recipient: Recipient,
    evidence: Sequence[GigEvidence] = (),
    demonstrated: Sequence[str] | None = None,
    valid_from: datetime,
    valid_until: datetime | None = None,
    awarded_date: datetime | None = None,
    credential_status: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    name: str | None = None,
    description: str | None = None,
    image: Image | None = None,
    override_reason: str | None = None,
) -> JSON:
    """The unsigned credential awarding ``achievement`` to ``recipient``.

    ``demonstrated`` names the competencies shown (default: all); each gets a ``Result``.
    ``evidence`` entries must only back demonstrated competencies. ``override_reason``:
    the issuer awarded it without the evidence its rule asks for; the credential says so
    in an evidence entry of genre ``OVERRIDE_GENRE`` whose narrative is the reason, so any
    displayer shows it. Raises :class:`CredentialValidationError` listing every problem
    with the input.
    """
    checker = InputChecker()
    checker.url(id, "id")
    checker.profile(issuer, "issuer")
    competencies = checker.achievement(achievement)
    names = [c.name for c in competencies]
    shown = checker.demonstrated(demonstrated, names)
    checker.recipient(recipient)
    checker.evidence(evidence, names, shown)
    checker.validity(valid_from, valid_until, awarded_date)
    checker.credential_status(credential_status)
    checker.text(name, "name", optional=True)
    checker.text(description, "description", optional=True)
    checker.image(image, "image")
    checker.text(override_reason, "override.reason", optional=True)
    if checker.problems:
        raise CredentialValidationError(checker.problems)

    ids = dict(zip(names, competency_ids(achievement), strict=True))
    credential: JSON = {"@context": list(CONTEXT), "id": id, "type": list(CREDENTIAL_TYPE)}
    credential["name"] = name if name is not None else achievement.name
    _put(credential, "description", description)
    _put(credential, "image", _image(image))
    credential["issuer"] = _profile(issuer)
    credential["validFrom"] = format_datetime(valid_from, field="validFrom")
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until, field="validUntil")
    if awarded_date is not None:
        credential["awardedDate"] = format_datetime(awarded_date, field="awardedDate")
    credential["credentialSubject"] = _subject(
        recipient, _achievement(achievement, ids), ids, shown
    )
    entries = [_evidence(item) for item in evidence]
    if override_reason is not None:
        entries.append(override_evidence(override_reason))
    if entries:
        credential["evidence"] = entries
    if credential_status is not None:
        credential["credentialStatus"] = _plain(credential_status)
    # The checks above should make this unreachable; it guards the two from drifting apart.
    validate_or_raise(credential)
    return credential


OVERRIDE_NAME = "Awarded by the issuer's decision"


def override_evidence(reason: str) -> JSON:
    """The evidence entry saying the award was an override, and why."""
    return {
        "type": ["Evidence"],
        "name": OVERRIDE_NAME,
        "genre": OVERRIDE_GENRE,
        "description": "Awarded without all of the gig-project evidence the certification's "
        "rule asks for.",
        "narrative": reason,
    }


def _put(target: JSON, key: str, value: object) -> None:
    if value is not None and value != []:
        target[key] = value


def _plain(value: object) -> Any:
    """A deep copy as JSON data: mappings to dicts, tuples and other sequences to lists."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(item) for item in value]
    return value


def _image(image: Image | None) -> JSON | None:
    if image is None:
        return None
    out: JSON = {"id": image.id, "type": "Image"}
    _put(out, "caption", image.caption)
    return out


def _profile(profile: Profile) -> JSON:
    out: JSON = {"id": profile.id, "type": ["Profile"], "name": profile.name}
    _put(out, "url", profile.url)
    _put(out, "email", profile.email)
    _put(out, "description", profile.description)
    _put(out, "image", _image(profile.image))
    return out


def _alignment(alignment: Alignment) -> JSON:
    out: JSON = {
        "type": ["Alignment"],
        "targetName": alignment.target_name,
        "targetUrl": alignment.target_url,
    }
    _put(out, "targetFramework", alignment.target_framework)
    _put(out, "targetCode", alignment.target_code)
    _put(out, "targetDescription", alignment.target_description)
    _put(out, "targetType", alignment.target_type)
    return out


def _result_description(competency: Competency, identifier: str) -> JSON:
    out: JSON = {"id": identifier, "type": ["ResultDescription"], "name": competency.name}
    # ResultDescription has no description of its own in OB 3.0; the VC 2.0 context's
    # schema:description term carries it (and keeps it signed).
    _put(out, "description", competency.description)
    out["resultType"] = "Status"
    _put(out, "alignment", [_alignment(a) for a in competency.alignments])
    return out


def _achievement(achievement: Achievement, ids: Mapping[str, str]) -> JSON:
    criteria: JSON = {}
    _put(criteria, "id", achievement.criteria_url)
    criteria["narrative"] = achievement.criteria_narrative
    out: JSON = {
        "id": achievement.id,
        "type": ["Achievement"],
        "achievementType": achievement.achievement_type,
        "name": achievement.name,
        "description": achievement.description,
        "criteria": criteria,
    }
    _put(out, "version", achievement.version)
    _put(out, "image", _image(achievement.image))
    _put(out, "alignment", [_alignment(a) for a in achievement.alignments])
    descriptions = [_result_description(c, ids[c.name]) for c in achievement.competencies]
    _put(out, "resultDescription", descriptions)
    return out


def _identifiers(recipient: Recipient) -> list[JSON]:
    found: list[JSON] = [
        {
            "type": "IdentityObject",
            "identityType": "name",
            "hashed": False,
            "identityHash": recipient.name,
        }
    ]
    if recipient.email is not None and not recipient.email_hashed:
        # The provider's choice: a verifier matches the address without being told it.
        found.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": False,
                "identityHash": normalise_email(recipient.email),
            }
        )
    elif recipient.email is not None:
        salt = recipient.salt if recipient.salt is not None else new_salt()
        found.append(
            {
                "type": "IdentityObject",
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": hash_email(recipient.email, salt),
                "salt": salt,
            }
        )
    return found


def _subject(
    recipient: Recipient, achievement: JSON, ids: Mapping[str, str], shown: Sequence[str]
) -> JSON:
    subject: JSON = {}
    _put(subject, "id", recipient.did)
    subject["type"] = ["AchievementSubject"]
    subject["identifier"] = _identifiers(recipient)
    subject["achievement"] = achievement
    results = [
        {"type": ["Result"], "resultDescription": ids[name], "status": "Completed"}
        for name in shown
    ]
    _put(subject, "result", results)
    return subject


def _evidence(item: GigEvidence) -> JSON:
    out: JSON = {}
    _put(out, "id", item.url)
    out["type"] = ["Evidence"]
    out["name"] = item.name
    out["description"] = item.description
    out["narrative"] = evidence_narrative(list(item.competencies), item.details)
    out["genre"] = EVIDENCE_GENRE
    return out
