"""The verdict of a result: its precedence, and the JSON answer agreeing with the properties."""

from __future__ import annotations

import itertools

import pytest

from credentials.results import Check, Outcome, Verdict, VerificationResult

PASSED = {
    name: Check(name, Outcome.PASSED, f"{name} ok")
    for name in ("structure", "proof", "issuer", "validity", "status")
}


def failed(name: str, code: str) -> Check:
    return Check(name, Outcome.FAILED, f"{name} failed: {code}", code=code)


def result(*replacing: Check, extra: tuple[Check, ...] = ()) -> VerificationResult:
    checks = dict(PASSED)
    for check in replacing:
        checks[check.name] = check
    return VerificationResult(credential={"id": "urn:x:1"}, checks=(*checks.values(), *extra))


@pytest.mark.parametrize(
    ("checks", "verdict"),
    [
        ((), Verdict.VALID),
        ((failed("proof", "bad_signature"), failed("status", "revoked")), Verdict.INVALID),
        ((failed("structure", "malformed"), failed("validity", "expired")), Verdict.INVALID),
        ((failed("issuer", "issuer_mismatch"),), Verdict.INVALID),
        ((failed("status", "revoked"), failed("validity", "expired")), Verdict.REVOKED),
        ((failed("status", "suspended"), failed("validity", "expired")), Verdict.SUSPENDED),
        ((failed("validity", "expired"),), Verdict.EXPIRED),
        ((failed("validity", "not_yet_valid"),), Verdict.NOT_YET_VALID),
        ((failed("status", "status_unverifiable"),), Verdict.INVALID),
        ((failed("validity", "malformed"),), Verdict.INVALID),
    ],
)
def test_verdict_precedence(checks: tuple[Check, ...], verdict: Verdict) -> None:
    assert result(*checks).verdict is verdict


def test_revoked_wins_over_suspended_in_another_entry() -> None:
    suspended = failed("status", "suspended")
    assert result(failed("status", "revoked"), extra=(suspended,)).verdict is Verdict.REVOKED


def test_skipped_checks_do_not_make_a_result_fail() -> None:
    skipped = Check("status", Outcome.SKIPPED, "not checked", code="not_checked")
    outcome = result(skipped)
    assert outcome.verified
    assert outcome.verdict is Verdict.VALID
    assert outcome.summary == "Valid: every check passed."


def test_summary_is_the_verdict_and_the_first_failure() -> None:
    outcome = result(failed("validity", "expired"), failed("status", "status_unverifiable"))
    # An unverifiable status list fails the result; the expiry still sets the verdict.
    assert outcome.verdict is Verdict.EXPIRED
    assert outcome.summary == "Expired: validity failed: expired"
    assert result(failed("validity", "not_yet_valid")).summary == (
        "Not yet valid: validity failed: not_yet_valid"
    )
    # The reason is the first failed check in order, whichever decided the verdict.
    revoked = result(failed("validity", "expired"), failed("status", "revoked"))
    assert revoked.summary == "Revoked: validity failed: expired"


FAILURES = [
    failed("structure", "malformed"),
    failed("proof", "bad_signature"),
    failed("issuer", "issuer_mismatch"),
    failed("validity", "expired"),
    failed("validity", "not_yet_valid"),
    failed("status", "revoked"),
    failed("status", "suspended"),
]


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_json_answer_agrees_with_the_properties(count: int) -> None:
    for combination in itertools.combinations(FAILURES, count):
        outcome = result(*combination)
        body = outcome.as_dict()
        assert body["verified"] is outcome.verified
        assert body["verdict"] == outcome.verdict.value
        assert body["summary"] == outcome.summary
        assert body["credentialId"] == "urn:x:1"
        assert [c["check"] for c in body["checks"]] == [c.name for c in outcome.checks]
