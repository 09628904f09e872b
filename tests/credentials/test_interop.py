"""Credentials made by other implementations verify here ("theirs verify in ours").

Source: the Digital Credentials Consortium's VerifierPlus, expiration-date help page,
"working example[s] that you can copy and paste into VerifierPlus" — two Open Badges
3.0 credentials signed by DCC's issuer (digitalbazaar jsonld-signatures,
Ed25519Signature2020) with did:key, one on VC 1.1 + OB 3.0.2 and one on VC 2.0 +
OB 3.0.3. Both are expired by design; every context they use is bundled.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from credentials.errors import UnknownCryptosuiteError
from credentials.proofs import get_suite
from credentials.results import Outcome, Verdict
from credentials.verify import Verifier

# ruff: noqa: E501
DCC_VC1_OB302: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ],
    "id": "urn:uuid:2fe53dc9-b2ec-4939-9b2c-0d00f6663b6c",
    "issuanceDate": "2025-01-09T15:06:31Z",
    "expirationDate": "2025-01-09T16:23:24Z",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "DCC Test Credential",
    "issuer": {
        "type": ["Profile"],
        "id": "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q",
        "name": "Digital Credentials Consortium Test Issuer",
        "url": "https://dcconsortium.org",
        "image": "https://user-images.githubusercontent.com/752326/230469660-8f80d264-eccf-4edd-8e50-ea634d407778.png",
    },
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "urn:uuid:bd6d9316-f7ae-4073-a1e5-2f7f5bd22922",
            "type": ["Achievement"],
            "achievementType": "Diploma",
            "name": "Badge",
            "description": "This is a sample credential issued by "
            "the Digital Credentials Consortium to "
            "demonstrate the functionality of "
            "Verifiable Credentials for wallets and "
            "verifiers.",
            "criteria": {
                "type": "Criteria",
                "narrative": "This credential was issued "
                "to a student that "
                "demonstrated proficiency in "
                "the Python programming "
                "language that occurred from "
                "**February 17, 2023** to "
                "**June 12, 2023**.",
            },
            "image": {
                "id": "https://user-images.githubusercontent.com/752326/214947713-15826a3a-b5ac-4fba-8d4a-884b60cb7157.png",
                "type": "Image",
            },
        },
        "name": "Jane Doe",
    },
    "proof": {
        "type": "Ed25519Signature2020",
        "created": "2025-01-09T17:56:21Z",
        "verificationMethod": "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q#z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q",
        "proofPurpose": "assertionMethod",
        "proofValue": "z44bwcZ2bQftiyUGKY6L7Gmg7iYfi9k6Va15osdm3KaKVnSW2DscpAMJVSs4UBf9riYReQ8VbZRf2qCY8W1rq2k3z",
    },
}

DCC_VC2_OB303: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/suites/ed25519-2020/v1",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q",
        "type": ["Profile"],
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "validUntil": "2011-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated "
                "for this badge by their "
                "peers and recognized upon "
                "review by Example Corp "
                "management."
            },
            "description": "This badge recognizes the development "
            "of the capacity to collaborate within a "
            "group environment.",
            "name": "Teamwork",
        },
    },
    "proof": {
        "type": "Ed25519Signature2020",
        "created": "2025-01-07T22:14:25Z",
        "verificationMethod": "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q#z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q",
        "proofPurpose": "assertionMethod",
        "proofValue": "z2B4R2hwrcgR8ag39SZEgm2hAJSPnoWae7zdRr8RUTkcbMPNHu7tedk1x3D29J3CmiU5Wb1e7zew82nQAKYCQuRBo",
    },
}


def outcomes(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    result = Verifier.offline().verify(doc)
    return {c.name: (c.outcome.value, c.code) for c in result.checks}


@pytest.mark.parametrize("doc", [DCC_VC1_OB302, DCC_VC2_OB303], ids=["vc1.1", "vc2.0"])
def test_dcc_signatures_verify(doc: dict[str, Any]) -> None:
    checks = outcomes(doc)
    assert checks["proof"] == ("passed", "ok")
    assert checks["issuer"] == ("passed", "ok")
    assert checks["validity"] == ("failed", "expired")  # both examples expired on purpose


def test_dcc_vc2_verdict_is_expired() -> None:
    result = Verifier.offline().verify(DCC_VC2_OB303)
    assert result.verdict is Verdict.EXPIRED
    assert result.checks_named("structure")[0].outcome is Outcome.PASSED


def test_dcc_vc1_subject_without_identifier_is_a_warning() -> None:
    # OB 3.0 AchievementSubject: "either id or at least one identifier MUST be supplied".
    # A data-quality rule, not a sign of forgery (issue 15): a named warning, not a failure.
    result = Verifier.offline().verify(DCC_VC1_OB302)
    (structure,) = result.checks_named("structure")
    assert structure.outcome is Outcome.PASSED
    assert [w.code for w in result.warnings] == ["ob3.subject_without_identifier"]
    assert result.warnings[0].field == "credentialSubject"
    assert result.verdict is Verdict.EXPIRED  # only the dates fail it (expired on purpose)


@pytest.mark.parametrize("doc", [DCC_VC1_OB302, DCC_VC2_OB303], ids=["vc1.1", "vc2.0"])
def test_dcc_tampered_fails(doc: dict[str, Any]) -> None:
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Badge"
    assert outcomes(tampered)["proof"] == ("failed", "bad_signature")


def test_ed25519signature2020_is_verify_only() -> None:
    with pytest.raises(UnknownCryptosuiteError):
        get_suite("Ed25519Signature2020")
