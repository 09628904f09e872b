"""Open Badges 3.0 rules (Appendix B data models), on top of the VC 2.0 rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from credentials.errors import CredentialValidationError, Problem
from credentials.validation._values import is_url, types_of
from credentials.validation._vc import VC2_CONTEXT, VcChecker, validity_keys
from credentials.validation._walker import at, entries, rule

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
# OB 3.0 IdentityHash: algorithm, "$", hex digest (either case).
_IDENTITY_HASH_RE: Final = re.compile(r"^(?:sha256\$[0-9a-fA-F]{64}|md5\$[0-9a-fA-F]{32})$")


class OpenBadgeChecker(VcChecker):
    """The Open Badges 3.0 checks, for a credential whose type names an Open Badge.

    Each rule names its code (``credentials.findings``): the ``@rule`` of the method that
    adds a problem, or the code passed to ``add``. Verification reports every code but
    ``ob3.context_missing`` as a warning; issuance refuses them all. docs/VERIFYING.md
    says why each is what it is."""

    def open_badge(self, doc: Mapping[str, Any]) -> None:
        context = doc.get("@context")
        items = context if isinstance(context, list) else [context]
        if not any(isinstance(i, str) and _OB3_CONTEXT_RE.match(i) for i in items[1:]):
            self.add(
                "@context",
                f"must include {OB3_CONTEXT!r} after {VC2_CONTEXT!r}",
                "ob3.context_missing",
            )
        if "id" not in doc:
            self.add("id", "is required", "ob3.credential_id_missing")
        start = validity_keys(doc)[0]
        if start == "validFrom" and start not in doc:  # VC 1.1's issuanceDate: a VC rule
            self.add(start, "is required", "ob3.valid_from_missing")
        self.awarded_date(doc)
        # OB 3.0 ProfileRef: a URI or a Profile (name optional); both must verify here.
        if isinstance(doc.get("issuer"), Mapping):
            self.profile(doc["issuer"], "issuer", name_required=False)
        self.image(doc, "image", "")
        subjects = doc.get("credentialSubject")
        if isinstance(subjects, list) and len(subjects) > 1:
            self.add(
                "credentialSubject",
                "an OpenBadgeCredential has one AchievementSubject",
                "ob3.multiple_subjects",
            )
        for path, subject in entries(subjects, "credentialSubject"):
            if isinstance(subject, Mapping) and subject:
                self.achievement_subject(subject, path)
        self.evidence(doc)

    @rule("ob3.awarded_date_malformed")
    def awarded_date(self, doc: Mapping[str, Any]) -> None:
        self.timestamp(doc, "awardedDate", "")

    @rule("ob3.evidence_incomplete")
    def evidence(self, doc: Mapping[str, Any]) -> None:
        for path, evidence in entries(doc.get("evidence", []), "evidence"):
            if isinstance(evidence, Mapping):
                self.includes(evidence, path, "Evidence")
                for key in ("name", "description", "narrative", "genre", "audience"):
                    self.text(evidence, key, path)

    @rule("ob3.profile_incomplete")
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

    @rule("ob3.subject_type_missing")
    def achievement_subject(self, subject: Mapping[str, Any], path: str) -> None:
        self.type_(subject, path, include="AchievementSubject")
        identifiers = self.identity_objects(subject, path)
        if "id" not in subject and not identifiers:
            self.add(
                path,
                "needs an id or at least one identifier (OB 3.0 AchievementSubject)",
                "ob3.subject_without_identifier",
            )
        descriptions = self.achievement(subject, path)
        self.results(subject, path, descriptions)
        self.image(subject, "image", path)

    @rule("ob3.identifier_malformed")
    def identity_objects(self, subject: Mapping[str, Any], path: str) -> int:
        found = self.objects(subject, "identifier", path)
        for entry_path, entry in found:
            self.type_(entry, entry_path, include="IdentityObject")
            hashed = entry.get("hashed")
            if not isinstance(hashed, bool):
                self.add(at(entry_path, "hashed"), "is required and must be true or false")
            value = entry.get("identityHash")
            if not isinstance(value, str):
                self.add(at(entry_path, "identityHash"), "is required and must be a string")
            elif hashed is True and _IDENTITY_HASH_RE.match(value) is None:
                self.add(
                    at(entry_path, "identityHash"),
                    "a hashed identity must be 'sha256$' + 64 or 'md5$' + 32 hex digits",
                )
            self.enum(entry, "identityType", entry_path, IDENTIFIER_TYPES, required=True)
            self.text(entry, "salt", entry_path)
        return len(found)

    @rule("ob3.achievement_incomplete")
    def achievement(self, subject: Mapping[str, Any], path: str) -> dict[str, object]:
        """Check the achievement; return its result descriptions' ids and resultTypes."""
        path = at(path, "achievement")
        achievement = subject.get("achievement")
        if "achievement" not in subject:
            self.add(path, "is required", "ob3.achievement_missing")
            return {}
        if not isinstance(achievement, Mapping):
            self.add(path, "must be an Achievement object", "ob3.achievement_missing")
            return {}
        self.url(achievement, "id", path, required=True)
        self.type_(achievement, path, include="Achievement")
        self.text(achievement, "name", path, required=True)
        self.text(achievement, "description", path, required=True)
        self.criteria(achievement, path)
        self.achievement_type(achievement, path)
        self.alignments(achievement, path)
        self.image(achievement, "image", path)
        if "creator" in achievement:
            self.profile(achievement["creator"], at(path, "creator"), name_required=False)
        return self.result_descriptions(achievement, path)

    @rule("ob3.achievement_type_unknown")
    def achievement_type(self, achievement: Mapping[str, Any], path: str) -> None:
        self.enum(achievement, "achievementType", path, ACHIEVEMENT_TYPES)

    def criteria(self, achievement: Mapping[str, Any], path: str) -> None:
        path = at(path, "criteria")
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

    @rule("ob3.result_malformed")
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
                    self.add(at(entry_path, "id"), "repeats another resultDescription's id")
                found[identifier] = entry.get("resultType")
        return found

    @rule("ob3.result_malformed")
    def results(
        self, subject: Mapping[str, Any], path: str, descriptions: Mapping[str, object]
    ) -> None:
        for entry_path, entry in self.objects(subject, "result", path):
            self.type_(entry, entry_path, include="Result")
            reference = entry.get("resultDescription")
            reference_path = at(entry_path, "resultDescription")
            if "resultDescription" in entry and not is_url(reference):
                self.add(reference_path, "must be the id (URL) of a resultDescription")
            elif reference is not None and descriptions and reference not in descriptions:
                self.add(reference_path, "names no resultDescription of the achievement")
            self.enum(entry, "status", entry_path, RESULT_STATUSES, extensible=False)
            if descriptions.get(str(reference)) == "Status" and "status" not in entry:
                self.add(at(entry_path, "status"), "is required for a result of type Status")
            self.alignments(entry, entry_path)

    @rule("ob3.alignment_malformed")
    def alignments(self, owner: Mapping[str, Any], path: str) -> None:
        for entry_path, entry in self.objects(owner, "alignment", path):
            self.type_(entry, entry_path, include="Alignment")
            self.text(entry, "targetName", entry_path, required=True)
            self.url(entry, "targetUrl", entry_path, required=True)
            for key in ("targetCode", "targetDescription", "targetFramework"):
                self.text(entry, key, entry_path)
            self.enum(entry, "targetType", entry_path, ALIGNMENT_TARGET_TYPES)

    @rule("ob3.image_malformed")
    def image(self, owner: Mapping[str, Any], key: str, path: str) -> None:
        if key not in owner:
            return
        path, value = at(path, key), owner[key]
        if isinstance(value, Mapping):
            self.url(value, "id", path, required=True)
            self.type_(value, path, include="Image")
            self.text(value, "caption", path)
        elif not is_url(value):
            self.add(path, "must be an Image object or the image's URL")


def validate_credential(doc: object) -> list[Problem]:
    """Every structural problem of ``doc``; an empty list means it is structurally sound.

    VC 2.0 rules always apply; the Open Badges 3.0 rules apply as well when ``type``
    includes ``OpenBadgeCredential`` or ``AchievementCredential``.
    """
    if not isinstance(doc, Mapping):
        return [Problem("", "a credential must be a JSON object")]
    checker = OpenBadgeChecker()
    checker.credential(doc)
    if OB_CREDENTIAL_TYPES.intersection(types_of(doc.get("type")) or ()):
        checker.open_badge(doc)
    return checker.problems


def validate_or_raise(doc: object) -> None:
    """Raise :class:`CredentialValidationError` listing every problem, if there is any."""
    problems = validate_credential(doc)
    if problems:
        raise CredentialValidationError(problems)
