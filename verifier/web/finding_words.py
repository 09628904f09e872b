# ruff: noqa: E501
"""The findings' plain-words meanings, marked for translation: generated from
credentials.findings by scripts/i18n_finding_words.py (make translations); do not edit.

The core keeps the English (it has no Flask); this table lets ``pybabel extract`` see every
meaning as a message id, so ``verifier.web.words.finding_meaning`` can translate a finding
by its code. tests/verifier/test_i18n.py fails when this table and the core drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from verifier.web.words import N_

#: code -> meaning (credentials.findings.CATALOGUE)
FINDING_MEANINGS: Final[Mapping[str, str]] = {
    "vc.malformed": N_(
        "It breaks a rule of the W3C Verifiable Credentials data model, so it is not a well-formed credential and its claims cannot be relied on."
    ),
    "ob3.context_missing": N_(
        "It calls itself an Open Badge but does not use the Open Badges vocabulary, so its claims have no defined meaning."
    ),
    "ob3.subject_without_identifier": N_(
        "This credential does not identify its recipient by an identifier; check the name against the person."
    ),
    "ob3.achievement_type_unknown": N_(
        "The kind of achievement it names is not one Open Badges 3.0 defines; read the achievement's name and description rather than relying on its type."
    ),
    "ob3.credential_id_missing": N_(
        "It has no identifier of its own, so it cannot be referred to or looked up later; keep a copy of the file you checked."
    ),
    "ob3.valid_from_missing": N_(
        "It does not say from when it is valid; the issue date shown may be missing."
    ),
    "ob3.awarded_date_malformed": N_(
        "Its award date is not a well-formed date, so the date shown may be missing."
    ),
    "ob3.multiple_subjects": N_(
        "It names more than one recipient; only the first is shown. Check which person it is about."
    ),
    "ob3.subject_type_missing": N_(
        "Its recipient is not marked as an Open Badges achievement subject; the details shown may be incomplete."
    ),
    "ob3.identifier_malformed": N_(
        "An identifier of the recipient is incomplete or malformed, so it cannot be used to match the person; check the name against the person."
    ),
    "ob3.achievement_missing": N_(
        "It does not describe the achievement, so it does not say what was achieved."
    ),
    "ob3.achievement_incomplete": N_(
        "Its description of the achievement is incomplete (a name, description, criteria or identifier is missing or malformed); read what it does say with care."
    ),
    "ob3.profile_incomplete": N_(
        "The issuer's or creator's profile in it is incomplete; this does not affect who signed it (see “Who issued it”)."
    ),
    "ob3.evidence_incomplete": N_(
        "Some of its evidence is not described as Open Badges requires; the evidence shown may be incomplete."
    ),
    "ob3.alignment_malformed": N_(
        "A link from the achievement to a skills framework is incomplete; the alignment may not be shown."
    ),
    "ob3.result_malformed": N_(
        "A result or grade in it is incomplete or does not match the achievement's result descriptions; do not rely on the grade alone."
    ),
    "ob3.image_malformed": N_(
        "An image reference in it is malformed; the picture may not be shown."
    ),
    "signature.invalid": N_(
        "Its content does not match the issuer's digital signature: it was changed after it was issued, or it is forged."
    ),
    "signature.missing": N_("It carries no digital signature, so anyone could have written it."),
    "signature.resolution_failed": N_(
        "The issuer's signing key could not be looked up, so the signature cannot be checked."
    ),
    "signature.key_not_authorized": N_(
        "It was signed with a key that the issuer does not (or no longer) list for issuing credentials."
    ),
    "signature.unknown_cryptosuite": N_(
        "It is signed with a method this service does not support, so it cannot be checked."
    ),
    "signature.unsupported_proof_type": N_(
        "It is signed with a method this service does not support, so it cannot be checked."
    ),
    "signature.timeout": N_(
        "It could not be checked in time: a server it depends on did not answer soon enough. This says nothing about the credential itself; try again later."
    ),
    "key.issuer_mismatch": N_("It was signed by someone other than the issuer it names."),
    "issuer.missing": N_("It names no issuer, so nobody vouches for it."),
    "validity.expired": N_("It has expired: it no longer certifies anything."),
    "validity.not_yet_valid": N_("It is not valid yet: do not rely on it before its start date."),
    "validity.malformed": N_("Its validity dates are malformed, so it cannot be dated."),
    "status.revoked": N_(
        "The issuer has withdrawn it. It was genuinely issued, but it no longer certifies anything."
    ),
    "status.suspended": N_(
        "The issuer has suspended it for now; do not rely on it unless the issuer lifts the suspension."
    ),
    "status.timeout": N_(
        "Its revocation list could not be checked in time, so it cannot be ruled out that it was revoked. Try again later."
    ),
    "status.status_unverifiable": N_(
        "Its revocation list could not be retrieved or could not be trusted (not signed by the issuer, altered or malformed), so it cannot be ruled out that it was revoked."
    ),
    "status.malformed_status": N_(
        "Its pointer to a revocation list is malformed, so it cannot be ruled out that it was revoked."
    ),
    "status.unsupported_status": N_(
        "It uses a kind of revocation list this service cannot read, so it cannot be ruled out that it was revoked."
    ),
    "status.list_short": N_(
        "The issuer's revocation list is shorter than the standard asks (131,072 entries), so fetching it tells the issuer more about which credential is being checked. It was read, and what it says about this credential stands."
    ),
    "related_resource.digest_mismatch": N_(
        "A resource it pins by a digest (such as a linked file or context) is not the one the issuer pinned: it changed, or was replaced."
    ),
    "related_resource.timeout": N_(
        "A resource it pins by a digest could not be checked in time. This says nothing about the credential itself; try again later."
    ),
    "jose.malformed": N_(
        "It looks like a JWT but cannot be decoded, so nothing in it can be checked."
    ),
    "jose.bad_signature": N_(
        "Its content does not match the issuer's digital signature: it was changed after it was issued, or it is forged."
    ),
    "jose.alg_not_allowed": N_(
        "It is signed with a method that is not allowed (no signature, a shared secret, or an algorithm this service does not accept), so anyone could have written it."
    ),
    "jose.alg_key_mismatch": N_(
        "Its signature method does not fit the issuer's key, so the signature cannot be trusted."
    ),
    "jose.crit_unsupported": N_(
        "It demands processing rules this service does not know, so it cannot be checked."
    ),
    "jose.typ_mismatch": N_(
        "It is a JWT of another kind (not a credential), so it is not checked as one."
    ),
    "jose.kid_missing": N_(
        "It does not say which key signed it, so the signature cannot be checked."
    ),
    "jose.kid_not_did": N_(
        "Its signing key is not given as a DID this service can look up, so the signature cannot be checked."
    ),
    "jose.kid_not_issuer": N_("It was signed by someone other than the issuer it names."),
    "jose.key_not_found": N_(
        "The signing key it names could not be found with the issuer, so the signature cannot be checked."
    ),
    "jose.key_not_authorized": N_(
        "It was signed with a key that the issuer does not (or no longer) list for issuing credentials."
    ),
    "jose.key_unsupported": N_(
        "The issuer's key is of a kind this service cannot read, so the signature cannot be checked."
    ),
    "jose.resolution_failed": N_(
        "The issuer's signing key could not be looked up, so the signature cannot be checked."
    ),
    "jose.claims_mismatch": N_(
        "The signed JWT and the credential inside it disagree about who issued it, who it is about or which credential it is, so it cannot be relied on."
    ),
    "jose.claims_malformed": N_(
        "A date in the signed JWT is malformed, so the credential cannot be dated."
    ),
    "format.unsupported": N_(
        "This is a kind of credential this service cannot verify yet; it was not checked, so this says nothing about whether it is genuine."
    ),
    "format.no_credential": N_("This file holds no credential at all: there is nothing to verify."),
    "ob2.malformed": N_(
        "It is not a well-formed Open Badges assertion: a property needed to check it is missing or broken, so it cannot be relied on."
    ),
    "ob2.wrong_type": N_(
        "A document of the badge (assertion, badge class or issuer) is not what it claims to be, so the badge cannot be relied on."
    ),
    "ob2.unreachable": N_(
        "The issuer's copy of the badge (or its badge class, issuer profile or key) could not be fetched, so it cannot be confirmed. This may be temporary; try again later."
    ),
    "ob2.hosted_mismatch": N_(
        "This copy of the badge differs from the one its issuer hosts: it was changed after it was issued."
    ),
    "ob2.origin_not_allowed": N_(
        "The badge is hosted at an address its issuer does not vouch for, so anyone could have published it."
    ),
    "ob2.signature_missing": N_(
        "The badge says it is signed but came without its signature, so it cannot be checked: verify the signed badge (the baked image) instead."
    ),
    "ob2.key_not_owned": N_(
        "It was signed with a key that does not belong to the issuer it names."
    ),
    "ob2.revocation_list_unreachable": N_(
        "The issuer's revocation list could not be fetched, so it cannot be ruled out that the badge was revoked. Try again later."
    ),
    "ob2.revocation_list_malformed": N_(
        "The issuer's revocation list is not readable, so it cannot be ruled out that the badge was revoked."
    ),
    "ob2.recipient_mismatch": N_(
        "The badge was not awarded to the person you named: check that you typed the address they were awarded it under, or ask them."
    ),
    "ob2.legacy": N_(
        "This is an old (Open Badges 1.x) badge: it was checked as a hosted badge (its issuer's copy, badge class, issuer, dates and recipient), but the older format says less about its issuer than current badges do."
    ),
    "ob2.badge_incomplete": N_(
        "The badge's description is incomplete (a name, description, image or criteria is missing): ask the holder what it was awarded for."
    ),
}
#: code prefix -> meaning, for codes outside the catalogue
PREFIX_MEANINGS: Final[Mapping[str, str]] = {
    "signature": N_("Its digital signature is damaged or cannot be checked."),
    "key": N_("The signing key could not be tied to the issuer it names."),
    "status": N_(
        "The issuer's revocation list could not be retrieved or verified, so it cannot be ruled out that the credential was revoked."
    ),
    "related_resource": N_(
        "A resource it pins by a digest could not be retrieved, so it cannot be confirmed unchanged."
    ),
    "validity": N_("Its validity period could not be confirmed."),
    "ob3": N_("It does not follow a rule of the Open Badges 3.0 data model."),
}
