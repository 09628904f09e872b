"""Open Badges 2.0 / 1.x verification against the issuers' documents on FixtureWeb."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from credentials.documents.baking import extract_credential
from credentials.ob2.found import Ob2Found
from credentials.ob2.verify import Ob2Verifier
from credentials.results import Verdict, VerificationResult
from tests.verifier.ob2.world import (
    ASSERTION_URL,
    BADGE_URL,
    CORE,
    HOSTS,
    ISSUER_URL,
    RECIPIENT,
    REVOCATIONS_URL,
    Signer,
    bake_png,
    bake_svg,
    load,
    serve_hosted,
    serve_svg_example,
    serve_v1,
    tamper,
)
from tests.verifier.servers import FixtureWeb, fixture_web
from verifier.ob2 import build_ob2_verifier


@pytest.fixture
def web(tmp_path: Path) -> Iterator[FixtureWeb]:
    with fixture_web(tmp_path, HOSTS) as running:
        yield running


@pytest.fixture
def ob2(web: FixtureWeb) -> Ob2Verifier:
    return build_ob2_verifier(fetcher=web.fetcher, deadline=10.0)


def codes(result: VerificationResult) -> dict[str, str]:
    return {c.name: c.code for c in result.checks}


def failed(result: VerificationResult) -> set[str]:
    return {f.code for f in result.errors}


def extracted(data: bytes) -> Any:
    with pytest.raises(Ob2Found) as found:
        extract_credential(data)
    return found.value.source


# --- hosted ---------------------------------------------------------------------------------


def test_hosted_assertion_verifies_from_its_json(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_hosted(web)
    result = ob2.verify(assertion)
    assert result.verified, result.as_dict()
    assert result.verdict is Verdict.VALID
    assert [c.name for c in result.checks] == [
        "structure", "proof", "issuer", "validity", "status", "recipient",
    ]  # fmt: skip
    assert codes(result)["proof"] == "hosted"
    assert all(c.outcome.value == "passed" for c in result.checks[:5])
    assert "only as authentic as the issuer's web server" in result.checks[1].message
    body = result.as_dict()
    assert body["issuer"] == ISSUER_URL
    assert body["credentialId"] == ASSERTION_URL
    assert body["trust"]["outcome"] == "unknown"
    assert web.hits(BADGE_URL) == 1


def test_hosted_assertion_verifies_from_its_url(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    serve_hosted(web)
    assert ob2.verify(ASSERTION_URL).verified


def test_a_changed_copy_is_refused_the_hosted_one_is_the_truth(
    web: FixtureWeb, ob2: Ob2Verifier
) -> None:
    assertion = serve_hosted(web)
    changed = copy.deepcopy(assertion)
    changed["issuedOn"] = "2020-01-01T00:00:00Z"
    result = ob2.verify(changed)
    assert not result.verified
    assert failed(result) == {"ob2.hosted_mismatch"}
    assert result.verdict is Verdict.INVALID


def test_url_answering_another_assertion_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    other = load("2_0_basic_assertion.json") | {"id": "https://example.org/other.json"}
    serve_hosted(web, other)
    assert failed(ob2.verify(ASSERTION_URL)) == {"ob2.hosted_mismatch"}


def test_assertion_hosted_outside_the_issuer_origin_is_refused(
    web: FixtureWeb, ob2: Ob2Verifier
) -> None:
    assertion = serve_hosted(web)
    web.serve(ISSUER_URL, load("2_0_basic_issuer.json") | {"id": "https://a.com/issuer"})
    result = ob2.verify(assertion)
    assert failed(result) == {"ob2.origin_not_allowed"}
    assert result.trust is not None
    assert result.trust.level.value == "unconfirmed"


def test_allowed_origins_and_starts_with_are_the_issuers_rules(
    web: FixtureWeb, ob2: Ob2Verifier
) -> None:
    assertion = serve_hosted(web)
    foreign = load("2_0_basic_issuer.json") | {"id": "https://a.com/issuer"}
    web.serve(ISSUER_URL, foreign | {"verification": {"allowedOrigins": ["example.org"]}})
    assert ob2.verify(assertion).verified
    web.serve(ISSUER_URL, foreign | {"verification": {"startsWith": "https://example.org/b"}})
    assert ob2.verify(assertion).verified
    web.serve(ISSUER_URL, foreign | {"verification": {"startsWith": "https://example.org/x"}})
    assert failed(ob2.verify(assertion)) == {"ob2.origin_not_allowed"}


def test_gone_is_revoked(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_hosted(web)
    web.serve(ASSERTION_URL, {"revoked": True}, status=410)
    result = ob2.verify(assertion)
    assert result.verdict is Verdict.REVOKED
    assert failed(result) == {"status.revoked"}


def test_revoked_flag_is_revoked(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = load("2_0_basic_assertion.json") | {"revoked": True, "revocationReason": "cheat"}
    serve_hosted(web, assertion)
    result = ob2.verify(assertion)
    assert result.verdict is Verdict.REVOKED
    assert "cheat" in result.summary


def test_expired_and_not_yet_valid(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    expired = serve_hosted(
        web, load("2_0_basic_assertion.json") | {"expires": "2017-06-01T00:00:00Z"}
    )
    result = ob2.verify(expired)
    assert result.verdict is Verdict.EXPIRED
    assert failed(result) == {"validity.expired"}
    future = serve_hosted(
        web, load("2_0_basic_assertion.json") | {"issuedOn": "2999-01-01T00:00:00Z"}
    )
    result = ob2.verify(future)
    assert result.verdict is Verdict.NOT_YET_VALID


def test_unreachable_issuer_fails_closed(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = load("2_0_basic_assertion.json")  # nothing served
    result = ob2.verify(assertion)
    assert not result.verified
    assert failed(result) == {"ob2.unreachable"}
    assert all(c.outcome.value == "skipped" for c in result.checks if c.name != "proof")
    assert result.as_dict()["trust"]["outcome"] == "unconfirmed"


def test_badge_class_of_the_wrong_type_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_hosted(web)
    web.serve(BADGE_URL, load("2_0_basic_badgeclass.json") | {"type": "Issuer"})
    assert failed(ob2.verify(assertion)) == {"ob2.wrong_type"}


def test_missing_required_property_is_malformed(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = load("2_0_basic_assertion.json")
    del assertion["recipient"]
    serve_hosted(web, assertion)
    assert failed(ob2.verify(assertion)) == {"ob2.malformed"}


def test_incomplete_badge_class_is_a_warning(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_hosted(web)
    badge = load("2_0_basic_badgeclass.json")
    del badge["criteria"]
    web.serve(BADGE_URL, badge)
    result = ob2.verify(assertion)
    assert result.verified
    assert [w.code for w in result.warnings] == ["ob2.badge_incomplete"]


def test_ob1_hosted_assertion(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_v1(web)
    result = ob2.verify(assertion, recipient="test@example.com")
    assert result.verified, result.as_dict()
    assert [w.code for w in result.warnings] == ["ob2.legacy"]
    assert codes(result)["recipient"] == "match"
    assert ob2.verify("https://a.com/instance").verified


def test_ob1_hosted_elsewhere_than_the_issuer_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_v1(web)
    web.serve("https://a.com/issuer", {"name": "Basic Issuer", "url": "https://example.org/"})
    assert failed(ob2.verify(assertion)) == {"ob2.origin_not_allowed"}


def test_ob11_hosted_assertion(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = load("1_1_basic_assertion.json")
    web.serve(ASSERTION_URL, assertion)
    web.serve(BADGE_URL, load("1_1_basic_badgeclass.json"))
    web.serve(ISSUER_URL, load("1_1_basic_issuer.json"))
    result = ob2.verify(assertion, recipient=RECIPIENT)
    assert result.verified, result.as_dict()


# --- recipient ------------------------------------------------------------------------------


def test_recipient_match_mismatch_and_not_checked(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assertion = serve_hosted(web)
    match = ob2.verify(assertion, recipient="  Nobody@Example.org ")
    assert codes(match)["recipient"] == "match"
    assert match.verified
    other = ob2.verify(assertion, recipient="somebody@example.org")
    assert failed(other) == {"ob2.recipient_mismatch"}
    assert "nobody" not in other.summary.lower()
    unchecked = ob2.verify(assertion)
    assert codes(unchecked)["recipient"] == "not_checked"
    assert unchecked.verified


def test_unhashed_recipient_is_shown_as_it_is(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    svg = serve_svg_example(web)
    source = extracted(svg)
    result = ob2.verify(source, recipient="bob@example.org")
    assert failed(result) == {"ob2.recipient_mismatch"}
    assert "alice@example.org" in result.checks_named("recipient")[0].message
    assert ob2.verify(source, recipient="alice@example.org").verified


# --- signed ---------------------------------------------------------------------------------


def test_signed_assertion_verifies(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    token = signer.sign(signer.assertion())
    result = ob2.verify(token, recipient=RECIPIENT)
    assert result.verified, result.as_dict()
    assert codes(result)["proof"] == "ok"
    assert codes(result)["recipient"] == "match"
    assert all(c.outcome.value == "passed" for c in result.checks)


def test_tampered_signed_assertion_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    token = signer.sign(signer.assertion())
    result = ob2.verify(tamper(token))
    assert not result.verified
    assert failed(result) == {"signature.invalid"}
    garbled = ob2.verify(token[:-1] + "." + "x")  # not a JWS any more
    assert not garbled.verified


def test_signature_by_another_key_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    token = signer.sign(signer.assertion())
    Signer(web)  # a new key published at the same URL
    assert failed(ob2.verify(token)) == {"signature.invalid"}


def test_key_of_someone_else_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    signer.publish(owner="https://a.com/issuer")
    assert failed(ob2.verify(signer.sign(signer.assertion()))) == {"ob2.key_not_owned"}


def test_signed_and_revoked(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    assertion = signer.assertion()
    signer.revoked.append({"id": assertion["id"], "revocationReason": "issued in error"})
    signer.publish()
    result = ob2.verify(signer.sign(assertion))
    assert result.verdict is Verdict.REVOKED
    assert "issued in error" in result.summary


def test_signed_expired(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    token = signer.sign(signer.assertion(expires="2018-01-01T00:00:00Z"))
    assert ob2.verify(token).verdict is Verdict.EXPIRED


def test_unreachable_revocation_list_fails_closed(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    web.serve(REVOCATIONS_URL, {"error": "down"}, status=503)
    result = ob2.verify(signer.sign(signer.assertion()))
    assert failed(result) == {"ob2.revocation_list_unreachable"}


def test_symmetric_or_unsigned_algorithms_are_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    _, payload, _ = signer.sign(signer.assertion()).split(".")
    result = ob2.verify(f"{header}.{payload}.c2ln")
    assert failed(result) == {"signature.unsupported_proof_type"}


def test_signed_assertion_given_as_plain_json_is_refused(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    signer = Signer(web)
    assert failed(ob2.verify(signer.assertion())) == {"ob2.signature_missing"}


# --- baked images -------------------------------------------------------------------------


def test_real_baked_png_from_the_validator(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    source = extracted((CORE / "baked_heart.png").read_bytes())
    assert isinstance(source, dict)
    assert source["id"] == ASSERTION_URL
    serve_hosted(web, source)
    result = ob2.verify(source, recipient=RECIPIENT)
    # Its recipient hash is of another address than the 2.0 basic fixture's.
    assert failed(result) == {"ob2.recipient_mismatch"}
    assert ob2.verify(source).verified


@pytest.mark.parametrize("shape", ["compressed", "legacy-url", "jws"])
def test_png_bakes(web: FixtureWeb, ob2: Ob2Verifier, shape: str) -> None:
    if shape == "jws":
        signer = Signer(web)
        png = bake_png(signer.sign(signer.assertion()))
    elif shape == "compressed":
        import json

        png = bake_png(json.dumps(serve_hosted(web)), compressed=True)
    else:
        serve_hosted(web)
        png = bake_png(ASSERTION_URL, legacy=True)
    assert ob2.verify(extracted(png)).verified


def test_svg_bakes(web: FixtureWeb, ob2: Ob2Verifier) -> None:
    assert ob2.verify(extracted(serve_svg_example(web))).verified
    serve_hosted(web)
    assert ob2.verify(extracted(bake_svg(ASSERTION_URL))).verified
    signer = Signer(web)
    assert ob2.verify(extracted(bake_svg(signer.sign(signer.assertion())))).verified
