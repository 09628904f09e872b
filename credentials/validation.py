"""Structural validation of VC 2.0 credentials and Open Badges 3.0 ``OpenBadgeCredential``\\s.

This checks shape, not meaning: required properties, value types, identifiers that
must be URLs, timestamps, and the cross-references Open Badges defines. It never
looks at JSON-LD term definitions (the canonicaliser refuses undefined terms) nor at
proofs. Every problem is reported at once, located by a JSON path such as
``credentialSubject.achievement.alignment[1].targetUrl``.

Sources: W3C VC Data Model 2.0 §4 (contexts, identifiers, types, names and
descriptions, issuer, credential subject, validity period, status, data schemas,
evidence); Open Badges 3.0 Appendix B (data models) and the ``ext:`` naming rule for
extensible enumerations (§ Extending the Data Model).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from credentials.errors import CredentialValidationError, Problem
from credentials.related import digest_problem

VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
#: VC 1.1 credentials (Open Badges 3.0.0-3.0.2 era) are verified too; they date with
#: issuanceDate/expirationDate instead of validFrom/validUntil.
VC1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"


def validity_keys(doc: Mapping[str, Any]) -> tuple[str, str]:
    """The (start, end) date properties of ``doc``'s data model version."""
    context = doc.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return (
        ("issuanceDate", "expirationDate") if first == VC1_CONTEXT else ("validFrom", "validUntil")
    )


OB3_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The OB 3.0 data model's own pattern for the second @context item (any 3.0.x context).
_OB3_CONTEXT_RE: Final = re.compile(
    r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$"
)
OB_CREDENTIAL_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})


def _terms(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Extensible enumerations (OB 3.0 Appendix B.3); values outside them must start with "ext:".
ACHIEVEMENT_TYPES: Final = _terms(
    "Achievement ApprenticeshipCertificate Assessment Assignment AssociateDegree Award Badge "
    "BachelorDegree Certificate CertificateOfCompletion Certification CommunityService "
    "Competency Course CoCurricular Degree Diploma DoctoralDegree Fieldwork "
    "GeneralEducationDevelopment JourneymanCertificate LearningProgram License Membership "
    "ProfessionalDoctorate QualityAssuranceCredential MasterCertificate MasterDegree "
    "MicroCredential ResearchDoctorate SecondarySchoolDiploma"
)
ALIGNMENT_TARGET_TYPES: Final = _terms(
    "ceasn:Competency ceterms:Credential CFItem CFRubric CFRubricCriterion "
    "CFRubricCriterionLevel CTDL"
)
IDENTIFIER_TYPES: Final = _terms(
    "name sourcedId systemId productId userName accountId emailAddress nationalIdentityNumber "
    "isbn issn lisSourcedId oneRosterSourcedId sisSourcedId ltiContextId ltiDeploymentId "
    "ltiToolId ltiPlatformId ltiUserId identifier"
)
RESULT_TYPES: Final = _terms(
    "GradePointAverage LetterGrade Percent PerformanceLevel PredictedScore RawScore Result "
    "RubricCriterion RubricCriterionLevel RubricScore ScaledScore Status"
)
# ResultStatusType is a closed enumeration (no ext: values).
RESULT_STATUSES: Final = _terms("Completed Enrolled Failed InProgress OnHold Provisional Withdrew")

# An absolute URL/URN/DID: a scheme, a colon, then no whitespace or control characters.
_URL_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+$")
# XML Schema 1.1 dateTimeStamp: a dateTime whose timezone is mandatory.
_DATETIME_STAMP_RE: Final = re.compile(
    r"^-?(?:[1-9][0-9]{3,}|0[0-9]{3})-(?:0[1-9]|1[0-2])"
    r"-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?P<time>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
    r"(?:Z|[+\-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)
_TCHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
#: An RFC 9110 media type (type/subtype and parameters), printable ASCII only.
MEDIA_TYPE_RE: Final = re.compile(
    rf'{_TCHARS}/{_TCHARS}(?:[ \t]*;[ \t]*{_TCHARS}=(?:{_TCHARS}|"[\x20-\x7e]*"))*'
)
# OB 3.0 IdentityHash: algorithm, "$", hex digest (either case).
_IDENTITY_HASH_RE: Final = re.compile(r"^(?:sha256\$[0-9a-fA-F]{64}|md5\$[0-9a-fA-F]{32})$")
_LANGUAGE_VALUE_KEYS: Final = frozenset({"@value", "@language", "@direction"})


def is_url(value: object) -> bool:
    """True for an absolute URL, URN or DID (a scheme followed by a non-blank remainder)."""
    return isinstance(value, str) and _URL_RE.match(value) is not None


def parse_datetime_stamp(value: object) -> datetime | None:
    """Parse an XML Schema ``dateTimeStamp`` into an aware UTC datetime.

    Returns None when the value is not a well-formed dateTimeStamp (including a missing
    timezone) or a date that does not exist. Years outside 1..9999, which XML Schema
    allows but no credential needs, are refused as well.
    """
    if not isinstance(value, str):
        return None
    match = _DATETIME_STAMP_RE.match(value)
    if match is None:
        return None
    text = value.replace("Z", "+00:00")
    midnight_next_day = match["time"].startswith("24:")
    if midnight_next_day:
        # 24:00:00 is the first instant of the next day in XML Schema, unknown to Python.
        text = text.replace("T24:00:00", "T00:00:00", 1)
    try:
        parsed = datetime.fromisoformat(text)
        if midnight_next_day:
            parsed += timedelta(days=1)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # no such day, or an instant before year 1 / after 9999
        return None


def is_datetime_stamp(value: object) -> bool:
    """True when ``value`` is a dateTimeStamp naming a real instant (years 1 to 9999)."""
    return parse_datetime_stamp(value) is not None


def types_of(value: object) -> list[str] | None:
    """The type names of a ``type`` value (string or list of strings), or None if malformed."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(t, str) for t in value):
        return list(value)
    return None


def validate_credential(doc: object) -> list[Problem]:
    """Every structural problem of ``doc``; an empty list means it is structurally sound.

    VC 2.0 rules always apply; the Open Badges 3.0 rules apply as well when ``type``
    includes ``OpenBadgeCredential`` or ``AchievementCredential``.
    """
    if not isinstance(doc, Mapping):
        return [Problem("", "a credential must be a JSON object")]
    checker = _Checker()
    checker.credential(doc)
    if OB_CREDENTIAL_TYPES.intersection(types_of(doc.get("type")) or ()):
        checker.open_badge(doc)
    return checker.problems


def validate_presentation(doc: object) -> list[Problem]:
    """Every structural problem of a verifiable presentation (VC Data Model 2.0 §4.13):
    contexts as for credentials, a ``type`` including ``VerifiablePresentation``, an
    optional URL ``id``, a ``holder`` that is a URL or an object with a URL ``id``, and
    ``verifiableCredential`` values that are objects (never strings, numbers or URLs)."""
    if not isinstance(doc, Mapping):
        return [Problem("", "a presentation must be a JSON object")]
    checker = _Checker()
    checker.context(doc)
    checker.type_(doc, "", include="VerifiablePresentation")
    checker.url(doc, "id", "")
    holder = doc.get("holder")
    if isinstance(holder, Mapping):
        checker.url(holder, "id", "holder", required=True)
    elif "holder" in doc and not is_url(holder):
        checker.add("holder", "must be a URL or an object whose id is a URL")
    checker.objects(doc, "verifiableCredential", "")
    for path, entry in checker.objects(doc, "proof", ""):
        checker.type_(entry, path)
    return checker.problems


def validate_or_raise(doc: object) -> None:
    """Raise :class:`CredentialValidationError` listing every problem, if there is any."""
    problems = validate_credential(doc)
    if problems:
        raise CredentialValidationError(problems)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _entries(value: object, path: str) -> Iterator[tuple[str, object]]:
    """The members of a JSON-LD set written either as one value or as a list."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{path}[{index}]", item
    else:
        yield path, value


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Checker:
    """Collects problems while walking one credential; each method checks one part."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # --- VC 2.0 ---------------------------------------------------------------------------

    def credential(self, doc: Mapping[str, Any]) -> None:
        self.context(doc)
        self.type_(doc, "", include="VerifiableCredential")
        self.url(doc, "id", "")
        self.issuer(doc)
        self.language_text(doc, "name", "")
        self.language_text(doc, "description", "")
        start_key, end_key = validity_keys(doc)
        if start_key == "issuanceDate" and start_key not in doc:
            self.add(start_key, "is required (VC 1.1)")
        start = self.timestamp(doc, start_key, "")
        end = self.timestamp(doc, end_key, "")
        if start is not None and end is not None and end < start:
            self.add(end_key, f"must not be earlier than {start_key}")
        self.subjects(doc)
        # VC 2.0 §4.10-4.12 and §5.5-5.6: these are objects that MUST carry a type.
        for key in ("credentialStatus", "evidence", "credentialSchema", "refreshService"):
            for path, entry in self.objects(doc, key, ""):
                self.type_(entry, path)
                self.url(entry, "id", path, required=key == "credentialSchema")
        for key in ("termsOfUse", "proof"):
            for path, entry in self.objects(doc, key, ""):
                self.type_(entry, path)
        self.related_resources(doc)
        for path, entry in self.objects(doc, "credentialStatus", ""):
            if "BitstringStatusListEntry" in (types_of(entry.get("type")) or ()):
                self.status_entry(entry, path)

    def status_entry(self, entry: Mapping[str, Any], path: str) -> None:
        """Bitstring Status List §2.1: purpose, a decimal index and the list's URL."""
        self.text(entry, "statusPurpose", path, required=True)
        index = entry.get("statusListIndex")
        if not (isinstance(index, str) and index.isascii() and index.isdigit()):
            self.add(
                _at(path, "statusListIndex"), "is required: a non-negative integer as a string"
            )
        self.url(entry, "statusListCredential", path, required=True)

    def related_resources(self, doc: Mapping[str, Any]) -> None:
        """VC 2.0 §5.3: objects with a unique URL ``id`` and a well-formed digest."""
        seen: set[str] = set()
        for path, entry in self.objects(doc, "relatedResource", ""):
            self.url(entry, "id", path, required=True)
            identifier = entry.get("id")
            if isinstance(identifier, str):
                if identifier in seen:
                    self.add(_at(path, "id"), "repeats another relatedResource's id")
                seen.add(identifier)
            problem = digest_problem(entry)
            if problem is not None:
                self.add(_at(path, problem[0]) if problem[0] else path, problem[1])
            media_type = entry.get("mediaType")
            if "mediaType" in entry and not (
                isinstance(media_type, str) and MEDIA_TYPE_RE.fullmatch(media_type)
            ):
                self.add(_at(path, "mediaType"), "must be a media type such as 'image/png'")

    def context(self, doc: Mapping[str, Any]) -> None:
        if "@context" not in doc:
            self.add("@context", "is required")
            return
        value = doc["@context"]
        items = value if isinstance(value, list) else [value]
        if not items or items[0] not in (VC2_CONTEXT, VC1_CONTEXT):
            self.add("@context", f"the first item must be {VC2_CONTEXT!r} (or VC 1.1's)")
        for index, item in enumerate(items[1:], start=1):
            if not (is_url(item) or isinstance(item, Mapping)):
                self.add(f"@context[{index}]", "must be a URL or a context object")

    def issuer(self, doc: Mapping[str, Any]) -> None:
        if "issuer" not in doc:
            self.add("issuer", "is required")
            return
        issuer = doc["issuer"]
        if isinstance(issuer, Mapping):
            self.url(issuer, "id", "issuer", required=True)
            self.language_text(issuer, "name", "issuer")
            self.language_text(issuer, "description", "issuer")
        elif not is_url(issuer):
            self.add("issuer", "must be a URL or an object whose id is a URL")

    def subjects(self, doc: Mapping[str, Any]) -> None:
        if "credentialSubject" not in doc:
            self.add("credentialSubject", "is required")
            return
        value = doc["credentialSubject"]
        if value == []:
            self.add("credentialSubject", "must be an object or a non-empty list of objects")
        for path, subject in _entries(value, "credentialSubject"):
            if not isinstance(subject, Mapping):
                self.add(path, "must be an object")
            elif not subject:
                self.add(path, "must make at least one claim about the subject")
            else:
                self.url(subject, "id", path)

    # --- Open Badges 3.0 ------------------------------------------------------------------

    def open_badge(self, doc: Mapping[str, Any]) -> None:
        context = doc.get("@context")
        items = context if isinstance(context, list) else [context]
        if not any(isinstance(i, str) and _OB3_CONTEXT_RE.match(i) for i in items[1:]):
            self.add("@context", f"must include {OB3_CONTEXT!r} after {VC2_CONTEXT!r}")
        for key in ("id", validity_keys(doc)[0]):
            if key not in doc:
                self.add(key, "is required")
        self.timestamp(doc, "awardedDate", "")
        # OB 3.0 ProfileRef: a URI or a Profile (name optional); both must verify here.
        if isinstance(doc.get("issuer"), Mapping):
            self.profile(doc["issuer"], "issuer", name_required=False)
        self.image(doc, "image", "")
        subjects = doc.get("credentialSubject")
        if isinstance(subjects, list) and len(subjects) > 1:
            self.add("credentialSubject", "an OpenBadgeCredential has one AchievementSubject")
        for path, subject in _entries(subjects, "credentialSubject"):
            if isinstance(subject, Mapping) and subject:
                self.achievement_subject(subject, path)
        for path, evidence in _entries(doc.get("evidence", []), "evidence"):
            if isinstance(evidence, Mapping):
                self.includes(evidence, path, "Evidence")
                for key in ("name", "description", "narrative", "genre", "audience"):
                    self.text(evidence, key, path)

    def profile(self, value: object, path: str, *, name_required: bool) -> None:
        if not isinstance(value, Mapping):
            self.add(path, "must be a Profile object with id, type and name")
            return
        self.url(value, "id", path, required=True)
        self.type_(value, path, include="Profile")
        self.text(value, "name", path, required=name_required)
        self.url(value, "url", path)
        self.text(value, "email", path)
        self.image(value, "image", path)

    def achievement_subject(self, subject: Mapping[str, Any], path: str) -> None:
        self.type_(subject, path, include="AchievementSubject")
        identifiers = self.identity_objects(subject, path)
        if "id" not in subject and not identifiers:
            self.add(path, "needs an id or at least one identifier (OB 3.0 AchievementSubject)")
        descriptions = self.achievement(subject, path)
        self.results(subject, path, descriptions)
        self.image(subject, "image", path)

    def identity_objects(self, subject: Mapping[str, Any], path: str) -> int:
        entries = self.objects(subject, "identifier", path)
        for entry_path, entry in entries:
            self.type_(entry, entry_path, include="IdentityObject")
            hashed = entry.get("hashed")
            if not isinstance(hashed, bool):
                self.add(_at(entry_path, "hashed"), "is required and must be true or false")
            value = entry.get("identityHash")
            if not isinstance(value, str):
                self.add(_at(entry_path, "identityHash"), "is required and must be a string")
            elif hashed is True and _IDENTITY_HASH_RE.match(value) is None:
                self.add(
                    _at(entry_path, "identityHash"),
                    "a hashed identity must be 'sha256$' + 64 or 'md5$' + 32 hex digits",
                )
            self.enum(entry, "identityType", entry_path, IDENTIFIER_TYPES, required=True)
            self.text(entry, "salt", entry_path)
        return len(entries)

    def achievement(self, subject: Mapping[str, Any], path: str) -> dict[str, object]:
        """Check the achievement; return its result descriptions' ids and resultTypes."""
        path = _at(path, "achievement")
        achievement = subject.get("achievement")
        if "achievement" not in subject:
            self.add(path, "is required")
            return {}
        if not isinstance(achievement, Mapping):
            self.add(path, "must be an Achievement object")
            return {}
        self.url(achievement, "id", path, required=True)
        self.type_(achievement, path, include="Achievement")
        self.text(achievement, "name", path, required=True)
        self.text(achievement, "description", path, required=True)
        self.criteria(achievement, path)
        self.enum(achievement, "achievementType", path, ACHIEVEMENT_TYPES)
        self.alignments(achievement, path)
        self.image(achievement, "image", path)
        if "creator" in achievement:
            self.profile(achievement["creator"], _at(path, "creator"), name_required=False)
        return self.result_descriptions(achievement, path)

    def criteria(self, achievement: Mapping[str, Any], path: str) -> None:
        path = _at(path, "criteria")
        criteria = achievement.get("criteria")
        if "criteria" not in achievement:
            self.add(path, "is required")
        elif not isinstance(criteria, Mapping):
            self.add(path, "must be an object with an id or a narrative")
        else:
            self.url(criteria, "id", path)
            self.text(criteria, "narrative", path)
            if "id" not in criteria and "narrative" not in criteria:
                self.add(path, "needs an id (URL) or a narrative")

    def result_descriptions(self, achievement: Mapping[str, Any], path: str) -> dict[str, object]:
        found: dict[str, object] = {}
        for entry_path, entry in self.objects(achievement, "resultDescription", path):
            self.url(entry, "id", entry_path, required=True)
            self.type_(entry, entry_path, include="ResultDescription")
            self.text(entry, "name", entry_path, required=True)
            self.enum(entry, "resultType", entry_path, RESULT_TYPES, required=True)
            self.alignments(entry, entry_path)
            identifier = entry.get("id")
            if isinstance(identifier, str):
                if identifier in found:
                    self.add(_at(entry_path, "id"), "repeats another resultDescription's id")
                found[identifier] = entry.get("resultType")
        return found

    def results(
        self, subject: Mapping[str, Any], path: str, descriptions: Mapping[str, object]
    ) -> None:
        for entry_path, entry in self.objects(subject, "result", path):
            self.type_(entry, entry_path, include="Result")
            reference = entry.get("resultDescription")
            reference_path = _at(entry_path, "resultDescription")
            if "resultDescription" in entry and not is_url(reference):
                self.add(reference_path, "must be the id (URL) of a resultDescription")
            elif reference is not None and descriptions and reference not in descriptions:
                self.add(reference_path, "names no resultDescription of the achievement")
            self.enum(entry, "status", entry_path, RESULT_STATUSES, extensible=False)
            if descriptions.get(str(reference)) == "Status" and "status" not in entry:
                self.add(_at(entry_path, "status"), "is required for a result of type Status")
            self.alignments(entry, entry_path)

    def alignments(self, owner: Mapping[str, Any], path: str) -> None:
        for entry_path, entry in self.objects(owner, "alignment", path):
            self.type_(entry, entry_path, include="Alignment")
            self.text(entry, "targetName", entry_path, required=True)
            self.url(entry, "targetUrl", entry_path, required=True)
            for key in ("targetCode", "targetDescription", "targetFramework"):
                self.text(entry, key, entry_path)
            self.enum(entry, "targetType", entry_path, ALIGNMENT_TARGET_TYPES)

    def image(self, owner: Mapping[str, Any], key: str, path: str) -> None:
        if key not in owner:
            return
        path, value = _at(path, key), owner[key]
        if isinstance(value, Mapping):
            self.url(value, "id", path, required=True)
            self.type_(value, path, include="Image")
            self.text(value, "caption", path)
        elif not is_url(value):
            self.add(path, "must be an Image object or the image's URL")

    # --- primitives -------------------------------------------------------------------------

    def objects(
        self, owner: Mapping[str, Any], key: str, path: str
    ) -> list[tuple[str, Mapping[str, Any]]]:
        """The object members of ``owner[key]`` (one object or a list); reports the others."""
        found: list[tuple[str, Mapping[str, Any]]] = []
        if key not in owner:
            return found
        for entry_path, entry in _entries(owner[key], _at(path, key)):
            if isinstance(entry, Mapping):
                found.append((entry_path, entry))
            else:
                self.add(entry_path, "must be an object")
        return found

    def type_(self, owner: Mapping[str, Any], path: str, *, include: str | None = None) -> None:
        if "type" not in owner:
            self.add(_at(path, "type"), "is required")
            return
        types = types_of(owner["type"])
        if types is None:
            self.add(_at(path, "type"), "must be a string or a non-empty list of strings")
        elif include is not None and include not in types:
            self.add(_at(path, "type"), f"must include {include!r}")

    def includes(self, owner: Mapping[str, Any], path: str, name: str) -> None:
        types = types_of(owner.get("type"))
        if types is not None and name not in types:
            self.add(_at(path, "type"), f"must include {name!r}")

    def url(self, owner: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> None:
        if key not in owner:
            if required:
                self.add(_at(path, key), "is required")
        elif not is_url(owner[key]):
            self.add(_at(path, key), "must be a single absolute URL (or URN or DID)")

    def text(
        self, owner: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> None:
        if key not in owner:
            if required:
                self.add(_at(path, key), "is required")
        elif not isinstance(owner[key], str):
            self.add(_at(path, key), "must be a string")
        elif required and not owner[key].strip():
            self.add(_at(path, key), "must not be empty")

    def language_text(self, owner: Mapping[str, Any], key: str, path: str) -> None:
        """VC 2.0 §11.1: a string, a language value object, or a list of those."""
        if key not in owner:
            return
        value = owner[key]
        for _, item in _entries(value if value != [] else None, key):
            if not (isinstance(item, str) or _is_language_value(item)):
                self.add(_at(path, key), "must be a string or language value object(s)")
                return

    def enum(
        self,
        owner: Mapping[str, Any],
        key: str,
        path: str,
        allowed: frozenset[str],
        *,
        extensible: bool = True,
        required: bool = False,
    ) -> None:
        if key not in owner:
            if required:
                self.add(_at(path, key), "is required")
            return
        value = owner[key]
        if isinstance(value, str) and (
            value in allowed or (extensible and value.startswith("ext:") and len(value) > 4)
        ):
            return
        extension = " or an extension term starting with 'ext:'" if extensible else ""
        self.add(_at(path, key), f"must be a defined value{extension}, not {_show(value)}")

    def timestamp(self, owner: Mapping[str, Any], key: str, path: str) -> datetime | None:
        if key not in owner:
            return None
        parsed = parse_datetime_stamp(owner[key])
        if parsed is None:
            self.add(
                _at(path, key), "must be a dateTimeStamp with a timezone (2025-01-31T12:00:00Z)"
            )
        return parsed


def _is_language_value(item: object) -> bool:
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("@value"), str)
        and set(item) <= _LANGUAGE_VALUE_KEYS
        and all(isinstance(v, str) for v in item.values())
    )
