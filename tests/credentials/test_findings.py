"""The finding codes (credentials.findings): every code the validators use is in the
catalogue, every catalogued code is documented in docs/VERIFYING.md, and an unknown code
fails closed as an error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from credentials.findings import CATALOGUE, Finding, Severity, check_code, meaning_of, severity_of
from credentials.results import Check, Outcome, VerificationResult

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "VERIFYING.md").read_text(encoding="utf-8")
OB3_SOURCE = (ROOT / "credentials" / "validation" / "_ob3.py").read_text(encoding="utf-8")


def test_every_code_the_ob3_rules_use_is_catalogued() -> None:
    used = set(re.findall(r'"(ob3\.[a-z_]+)"', OB3_SOURCE))
    assert used
    assert used <= set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_is_documented(code: str) -> None:
    assert f"`{code}`" in DOCS


def test_only_the_ob3_context_rule_is_an_ob3_error() -> None:
    ob3_errors = [
        c for c, (s, _) in CATALOGUE.items() if c.startswith("ob3.") and s is Severity.ERROR
    ]
    assert ob3_errors == ["ob3.context_missing"]


@pytest.mark.parametrize(
    "code", ["signature.invalid", "status.revoked", "validity.expired", "vc.malformed"]
)
def test_authenticity_and_currency_are_errors(code: str) -> None:
    assert severity_of(code) is Severity.ERROR


def test_an_unknown_code_is_an_error_with_a_meaning() -> None:
    assert severity_of("signature.something_new") is Severity.ERROR
    assert "signature" in meaning_of("signature.something_new")
    assert severity_of("nothing.known") is Severity.ERROR
    assert meaning_of("nothing.known")


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("proof", "bad_signature", "signature.invalid"),
        ("proof", "no_proof", "signature.missing"),
        ("proof", "key_not_authorized", "signature.key_not_authorized"),
        ("issuer", "issuer_mismatch", "key.issuer_mismatch"),
        ("issuer", "no_issuer", "issuer.missing"),
        ("status", "revoked", "status.revoked"),
        ("validity", "expired", "validity.expired"),
        ("relatedResource", "digest_mismatch", "related_resource.digest_mismatch"),
    ],
)
def test_check_codes(name: str, code: str, expected: str) -> None:
    assert check_code(name, code) == expected


def test_a_result_lists_every_error_with_its_code() -> None:
    result = VerificationResult(
        credential={"id": "urn:x"},
        checks=(
            Check("proof", Outcome.FAILED, "signature does not match", code="bad_signature"),
            Check("status", Outcome.FAILED, "revoked", code="revoked"),
        ),
        warnings=(Finding.of("ob3.achievement_type_unknown", "x: not 'Program'", "x"),),
    )
    body = result.as_dict()
    assert [e["code"] for e in body["errors"]] == ["signature.invalid", "status.revoked"]
    assert [w["code"] for w in body["warnings"]] == ["ob3.achievement_type_unknown"]
    assert body["verified"] is False
