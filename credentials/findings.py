"""What a verification found, as reasons a client can act on: a stable code, a severity and
a sentence in plain words saying what it means for the person relying on the credential.

Two severities (issue 15, item 1):

- **error**: the check bears on authenticity or currency (signature, key binding, status,
  validity dates, unparseable data, the VC Data Model's own MUSTs). An error fails the
  verdict.
- **warning**: a structural rule of a vocabulary (Open Badges 3.0) that says nothing about
  whether the credential is genuine. A warning is shown on a verified result; it never
  fails it. Our own issuer still refuses to *issue* a credential that breaks such a rule
  (``credentials.validation.validate_or_raise`` treats every problem as fatal).

A code not in :data:`CATALOGUE` is an error: an unknown finding never passes silently.
docs/VERIFYING.md lists every code; ``tests/credentials/test_findings.py`` keeps the two
in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


E, W = Severity.ERROR, Severity.WARNING

#: Every code with its severity and what it means for a client, in plain words.
CATALOGUE: Final[Mapping[str, tuple[Severity, str]]] = {
    # --- the VC Data Model and parsing: errors ---------------------------------------------
    "vc.malformed": (
        E,
        "It breaks a rule of the W3C Verifiable Credentials data model, so it is not a "
        "well-formed credential and its claims cannot be relied on.",
    ),
    "ob3.context_missing": (
        E,
        "It calls itself an Open Badge but does not use the Open Badges vocabulary, so its "
        "claims have no defined meaning.",
    ),
    # --- Open Badges 3.0 data quality: warnings --------------------------------------------
    "ob3.subject_without_identifier": (
        W,
        "This credential does not identify its recipient by an identifier; check the name "
        "against the person.",
    ),
    "ob3.achievement_type_unknown": (
        W,
        "The kind of achievement it names is not one Open Badges 3.0 defines; read the "
        "achievement's name and description rather than relying on its type.",
    ),
    "ob3.credential_id_missing": (
        W,
        "It has no identifier of its own, so it cannot be referred to or looked up later; "
        "keep a copy of the file you checked.",
    ),
    "ob3.valid_from_missing": (
        W,
        "It does not say from when it is valid; the issue date shown may be missing.",
    ),
    "ob3.awarded_date_malformed": (
        W,
        "Its award date is not a well-formed date, so the date shown may be missing.",
    ),
    "ob3.multiple_subjects": (
        W,
        "It names more than one recipient; only the first is shown. Check which person it "
        "is about.",
    ),
    "ob3.subject_type_missing": (
        W,
        "Its recipient is not marked as an Open Badges achievement subject; the details "
        "shown may be incomplete.",
    ),
    "ob3.identifier_malformed": (
        W,
        "An identifier of the recipient is incomplete or malformed, so it cannot be used "
        "to match the person; check the name against the person.",
    ),
    "ob3.achievement_missing": (
        W,
        "It does not describe the achievement, so it does not say what was achieved.",
    ),
    "ob3.achievement_incomplete": (
        W,
        "Its description of the achievement is incomplete (a name, description, criteria "
        "or identifier is missing or malformed); read what it does say with care.",
    ),
    "ob3.profile_incomplete": (
        W,
        "The issuer's or creator's profile in it is incomplete; this does not affect who "
        "signed it (see “Who issued it”).",
    ),
    "ob3.evidence_incomplete": (
        W,
        "Some of its evidence is not described as Open Badges requires; the evidence shown "
        "may be incomplete.",
    ),
    "ob3.alignment_malformed": (
        W,
        "A link from the achievement to a skills framework is incomplete; the alignment "
        "may not be shown.",
    ),
    "ob3.result_malformed": (
        W,
        "A result or grade in it is incomplete or does not match the achievement's result "
        "descriptions; do not rely on the grade alone.",
    ),
    "ob3.image_malformed": (
        W,
        "An image reference in it is malformed; the picture may not be shown.",
    ),
    # --- signature and key binding: errors -------------------------------------------------
    "signature.invalid": (
        E,
        "Its content does not match the issuer's digital signature: it was changed after "
        "it was issued, or it is forged.",
    ),
    "signature.missing": (
        E,
        "It carries no digital signature, so anyone could have written it.",
    ),
    "signature.resolution_failed": (
        E,
        "The issuer's signing key could not be looked up, so the signature cannot be checked.",
    ),
    "signature.key_not_authorized": (
        E,
        "It was signed with a key that the issuer does not (or no longer) list for issuing "
        "credentials.",
    ),
    "signature.unknown_cryptosuite": (
        E,
        "It is signed with a method this service does not support, so it cannot be checked.",
    ),
    "signature.unsupported_proof_type": (
        E,
        "It is signed with a method this service does not support, so it cannot be checked.",
    ),
    "signature.timeout": (
        E,
        "It could not be checked in time: a server it depends on did not answer soon "
        "enough. This says nothing about the credential itself; try again later.",
    ),
    "key.issuer_mismatch": (
        E,
        "It was signed by someone other than the issuer it names.",
    ),
    "issuer.missing": (E, "It names no issuer, so nobody vouches for it."),
    # --- validity period: errors -----------------------------------------------------------
    "validity.expired": (E, "It has expired: it no longer certifies anything."),
    "validity.not_yet_valid": (E, "It is not valid yet: do not rely on it before its start date."),
    "validity.malformed": (E, "Its validity dates are malformed, so it cannot be dated."),
    # --- status: errors --------------------------------------------------------------------
    "status.revoked": (
        E,
        "The issuer has withdrawn it. It was genuinely issued, but it no longer certifies "
        "anything.",
    ),
    "status.suspended": (
        E,
        "The issuer has suspended it for now; do not rely on it unless the issuer lifts "
        "the suspension.",
    ),
    "status.timeout": (
        E,
        "Its revocation list could not be checked in time, so it cannot be ruled out that "
        "it was revoked. Try again later.",
    ),
    # --- v-status: status lists that cannot be trusted or read (every status list kind) ---
    "status.status_unverifiable": (
        E,
        "Its revocation list could not be retrieved or could not be trusted (not signed by "
        "the issuer, altered or malformed), so it cannot be ruled out that it was "
        "revoked.",
    ),
    "status.malformed_status": (
        E,
        "Its pointer to a revocation list is malformed, so it cannot be ruled out that it was "
        "revoked.",
    ),
    "status.unsupported_status": (
        E,
        "It uses a kind of revocation list this service cannot read, so it cannot be ruled "
        "out that it was revoked.",
    ),
    "status.list_short": (
        W,
        "The issuer's revocation list is shorter than the standard asks (131,072 entries), "
        "so fetching it tells the issuer more about which credential is being checked. It "
        "was read, and what it says about this credential stands.",
    ),
    # --- end v-status ---
    # --- linked resources: errors ----------------------------------------------------------
    "related_resource.digest_mismatch": (
        E,
        "A resource it pins by a digest (such as a linked file or context) is not the one "
        "the issuer pinned: it changed, or was replaced.",
    ),
    "related_resource.timeout": (
        E,
        "A resource it pins by a digest could not be checked in time. This says nothing "
        "about the credential itself; try again later.",
    ),
    # --- v-jwt: credentials secured as JWTs (credentials.jwtvc): errors ---
    "jose.malformed": (
        E,
        "It looks like a JWT but cannot be decoded, so nothing in it can be checked.",
    ),
    "jose.bad_signature": (
        E,
        "Its content does not match the issuer's digital signature: it was changed after "
        "it was issued, or it is forged.",
    ),
    "jose.alg_not_allowed": (
        E,
        "It is signed with a method that is not allowed (no signature, a shared secret, or "
        "an algorithm this service does not accept), so anyone could have written it.",
    ),
    "jose.alg_key_mismatch": (
        E,
        "Its signature method does not fit the issuer's key, so the signature cannot be trusted.",
    ),
    "jose.crit_unsupported": (
        E,
        "It demands processing rules this service does not know, so it cannot be checked.",
    ),
    "jose.typ_mismatch": (
        E,
        "It is a JWT of another kind (not a credential), so it is not checked as one.",
    ),
    "jose.kid_missing": (
        E,
        "It does not say which key signed it, so the signature cannot be checked.",
    ),
    "jose.kid_not_did": (
        E,
        "Its signing key is not given as a DID this service can look up, so the signature "
        "cannot be checked.",
    ),
    "jose.kid_not_issuer": (
        E,
        "It was signed by someone other than the issuer it names.",
    ),
    "jose.key_not_found": (
        E,
        "The signing key it names could not be found with the issuer, so the signature "
        "cannot be checked.",
    ),
    "jose.key_not_authorized": (
        E,
        "It was signed with a key that the issuer does not (or no longer) list for issuing "
        "credentials.",
    ),
    "jose.key_unsupported": (
        E,
        "The issuer's key is of a kind this service cannot read, so the signature cannot "
        "be checked.",
    ),
    "jose.resolution_failed": (
        E,
        "The issuer's signing key could not be looked up, so the signature cannot be checked.",
    ),
    "jose.claims_mismatch": (
        E,
        "The signed JWT and the credential inside it disagree about who issued it, who it "
        "is about or which credential it is, so it cannot be relied on.",
    ),
    "jose.claims_malformed": (
        E,
        "A date in the signed JWT is malformed, so the credential cannot be dated.",
    ),
    # --- end v-jwt ---
    # --- formats (input refused before any check) ------------------------------------------
    "format.unsupported": (
        E,
        "This is a kind of credential this service cannot verify yet; it was not checked, "
        "so this says nothing about whether it is genuine.",
    ),
    "format.no_credential": (
        E,
        "This file holds no credential at all: there is nothing to verify.",
    ),
}

#: The plain-words fallback for a code of a check the catalogue does not name.
_BY_PREFIX: Final = {
    "signature": "Its digital signature is damaged or cannot be checked.",
    "key": "The signing key could not be tied to the issuer it names.",
    "status": "The issuer's revocation list could not be retrieved or verified, so it "
    "cannot be ruled out that the credential was revoked.",
    "related_resource": "A resource it pins by a digest could not be retrieved, so it cannot "
    "be confirmed unchanged.",
    "validity": "Its validity period could not be confirmed.",
    "ob3": "It does not follow a rule of the Open Badges 3.0 data model.",
}
#: Check names and codes whose stable finding code reads differently (``credentials.results``).
_CHECK_PREFIX: Final = {
    "proof": "signature",
    "issuer": "key",
    "relatedResource": "related_resource",
}
_RENAMED: Final = {
    ("proof", "bad_signature"): "signature.invalid",
    ("proof", "no_proof"): "signature.missing",
    ("issuer", "no_issuer"): "issuer.missing",
}


def severity_of(code: str) -> Severity:
    """The code's severity; an unknown code is an error (fail closed)."""
    entry = CATALOGUE.get(code)
    return entry[0] if entry is not None else Severity.ERROR


def meaning_of(code: str) -> str:
    """What ``code`` means for a client, in plain words."""
    entry = CATALOGUE.get(code)
    if entry is not None:
        return entry[1]
    return _BY_PREFIX.get(code.partition(".")[0], "One of the checks failed.")


def check_code(name: str, code: str) -> str:
    """The stable finding code of a failed check ``name`` with its own ``code``."""
    if code.startswith("jose."):  # v-jwt: JOSE checks carry their finding code itself
        return code
    renamed = _RENAMED.get((name, code))
    if renamed is not None:
        return renamed
    return f"{_CHECK_PREFIX.get(name, name)}.{code}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One error or warning: ``code`` is stable (clients match on it), ``message`` the
    technical detail, ``meaning`` what it means for the client."""

    code: str
    severity: Severity
    message: str
    meaning: str
    field: str | None = None

    @classmethod
    def of(cls, code: str, message: str, field: str | None = None) -> Finding:
        return cls(code, severity_of(code), message, meaning_of(code), field or None)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "meaning": self.meaning,
        }
        if self.field is not None:
            out["field"] = self.field
        return out
