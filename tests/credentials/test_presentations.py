"""Verifying presentations (VC DM 2.0 §4.13, VC Data Integrity §4.4): the holder's
``authentication`` proof, the holder binding and every embedded credential."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from credentials.proofs import AUTHENTICATION, JCS, RDFC, add_proof
from credentials.results import Outcome
from credentials.validation import validate_presentation
from tests.credentials import factories as f
from tests.credentials.test_verify import verifier

V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "u2IxWJHq-challenge"
DOMAIN = "verifier.example"


def presentation(*credentials: dict[str, Any], **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"@context": [V2], "type": ["VerifiablePresentation"]}
    if credentials:
        doc["verifiableCredential"] = list(credentials)
    doc.update(extra)
    return doc


def signed_vp(
    doc: dict[str, Any], *, key: Any = f.ISSUER_KEY, vm: str = f.ISSUER_VM, suite: str = RDFC
) -> dict[str, Any]:
    return add_proof(
        doc,
        key,
        verification_method=vm,
        cryptosuite=suite,
        created=f.NOW,
        purpose=AUTHENTICATION,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )


def names(result: Any) -> list[tuple[str, str]]:
    return [(c.name, c.outcome.value) for c in result.checks]


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_presentation_with_a_credential_verifies(suite: str) -> None:
    vp = signed_vp(presentation(f.signed(), holder=f.ISSUER_DID), suite=suite)
    result = verifier().verify_presentation(vp)
    assert result.verified, [c.as_dict() for c in result.checks]
    assert names(result) == [("structure", "passed"), ("proof", "passed"), ("holder", "passed")]
    assert [r is not None and r.verified for r in result.credentials] == [True]
    assert vp["proof"]["challenge"] == CHALLENGE


def test_presentation_without_credentials_or_holder_verifies() -> None:
    result = verifier().verify_presentation(signed_vp(presentation()))
    assert result.verified
    assert result.credentials == ()


def test_assertion_proof_does_not_authenticate_a_presentation() -> None:
    vp = add_proof(presentation(), f.ISSUER_KEY, verification_method=f.ISSUER_VM)
    result = verifier().verify_presentation(vp)
    assert not result.verified
    proof = next(c for c in result.checks if c.name == "proof")
    assert (proof.outcome, proof.code) == (Outcome.FAILED, "wrong_proof_purpose")


def test_unsigned_presentation_is_refused() -> None:
    result = verifier().verify_presentation(presentation(f.signed()))
    assert ("proof", "failed") in names(result)


def test_tampered_presentation_is_refused() -> None:
    vp = signed_vp(presentation(f.signed()))
    vp["verifiableCredential"].append(f.signed())
    assert not verifier().verify_presentation(vp).verified


def test_holder_must_be_the_signer() -> None:
    vp = signed_vp(presentation(holder=f.OTHER_DID))
    result = verifier().verify_presentation(vp)
    assert ("holder", "failed") in names(result)
    assert not result.verified


def test_a_bad_embedded_credential_fails_the_presentation() -> None:
    credential = f.signed()
    credential["name"] = "Something else"
    result = verifier().verify_presentation(signed_vp(presentation(credential)))
    assert not result.verified
    assert all(c.outcome is not Outcome.FAILED for c in result.checks)
    assert result.credentials[0] is not None
    assert not result.credentials[0].verified


def test_enveloped_credential_is_not_verified() -> None:
    envelope = {
        "@context": V2,
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt,e30",
    }
    result = verifier().verify_presentation(signed_vp(presentation(envelope)))
    assert not result.verified
    assert ("credential", "failed") in names(result)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda vp: vp.pop("@context"), "@context"),
        (lambda vp: vp.update({"@context": ["https://example.org/c", V2]}), "@context"),
        (lambda vp: vp.update({"@context": [V2, 123]}), "@context[1]"),
        (lambda vp: vp.pop("type"), "type"),
        (lambda vp: vp.update({"type": ["VerifiableCredential"]}), "type"),
        (lambda vp: vp.update({"id": "not a url"}), "id"),
        (
            lambda vp: vp.update({"holder": "z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj"}),
            "holder",
        ),
        (lambda vp: vp.update({"holder": {"name": "Acme"}}), "holder.id"),
        (
            lambda vp: vp.update({"verifiableCredential": ["https://example.org/vc/1"]}),
            "verifiableCredential[0]",
        ),
    ],
)
def test_malformed_presentations_name_the_field(change: Any, field: str) -> None:
    vp = presentation(holder="did:example:holder")
    change(vp)
    assert field in [p.field for p in validate_presentation(vp)]


def test_vc_api_conformance_document_without_context_is_refused() -> None:
    # vc-data-model-2.0-test-suite 1.03: {"type": ["NonconformingDocument"]}
    doc = {"type": ["NonconformingDocument"]}
    result = verifier().verify_presentation(copy.deepcopy(doc))
    assert not result.verified
