"""Open Badges 3.0 credentials in the microcred profile: build them, and read them back.

The profile (other parts rely on it):

- ``@context`` = VC 2.0 then OB 3.0.3; ``type`` = VerifiableCredential, OpenBadgeCredential.
- ``issuer`` is a ``Profile``; the achievement is a ``MicroCredential`` whose competencies
  are ``ResultDescription``\\s (``resultType`` Status) aligned to skill frameworks.
- ``credentialSubject`` carries the freelancer's DID (when known), the display name as a
  plain ``name`` IdentityObject and the email as a salted SHA-256 ``emailAddress`` one,
  and one ``Result`` (status Completed) per demonstrated competency.
- ``evidence`` (on the credential) has one entry per gig project; its narrative lists
  the competencies the project backs (see :func:`evidence_narrative`).
"""

from credentials.ob3._build import (
    CONTEXT,
    CREDENTIAL_TYPE,
    EVIDENCE_GENRE,
    build_credential,
    competency_ids,
    override_evidence,
)
from credentials.ob3._identity import (
    hash_email,
    identifier_matches,
    identity_hash,
    new_salt,
    normalise_email,
)
from credentials.ob3._narrative import (
    EVIDENCE_HEADER,
    OVERRIDE_GENRE,
    evidence_competencies,
    evidence_narrative,
)
from credentials.ob3._summary import (
    AchievementSummary,
    AlignmentSummary,
    CompetencySummary,
    CredentialSummary,
    EvidenceSummary,
    summarize,
)
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

__all__ = [
    "CONTEXT",
    "CREDENTIAL_TYPE",
    "EVIDENCE_GENRE",
    "EVIDENCE_HEADER",
    "OVERRIDE_GENRE",
    "Achievement",
    "AchievementSummary",
    "Alignment",
    "AlignmentSummary",
    "Competency",
    "CompetencySummary",
    "CredentialSummary",
    "EvidenceSummary",
    "GigEvidence",
    "Image",
    "Profile",
    "Recipient",
    "build_credential",
    "competency_ids",
    "evidence_competencies",
    "evidence_narrative",
    "format_datetime",
    "hash_email",
    "identifier_matches",
    "identity_hash",
    "new_salt",
    "normalise_email",
    "override_evidence",
    "summarize",
]
