"""Issue 15, items 1 and 6: a genuine credential that breaks only an Open Badges 3.0
data-quality rule is verified, with a named warning, on the page, ``/api/v1/verify``,
``/credentials/verify`` (VC API) and the CLI; tampered, it is refused with an error code.

The credentials are DCC-shaped (Learner Credential Wallet style: the subject named, with no
``id`` and no ``identifier``; ``achievementType: "Program"``) and signed with our own signer,
bypassing issuance validation, which refuses them (tests/issuer/test_issuance_stays_strict.py).
One is the real DCC test credential of tests/credentials/test_interop.py, checked at a time
inside its validity window.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from microcred.cli import cli
from tests.credentials.test_interop import DCC_VC1_OB302
from tests.verifier.web.conftest import Clock, ForeignIssuer

API = "/api/v1/verify"
VC_API = "/credentials/verify"


def without_identifier(foreign: ForeignIssuer) -> dict[str, Any]:
    """Signed, valid, but the subject has neither an id nor an identifier (DCC style)."""
    doc = foreign.unsigned()
    subject = doc["credentialSubject"]
    subject.pop("id", None)
    subject.pop("identifier", None)
    subject["name"] = "Jane Doe"
    return foreign.sign(doc)


def program(foreign: ForeignIssuer) -> dict[str, Any]:
    doc = foreign.unsigned()
    doc["credentialSubject"]["achievement"]["achievementType"] = "Program"
    return foreign.sign(doc)


CASES = {
    "ob3.subject_without_identifier": without_identifier,
    "ob3.achievement_type_unknown": program,
}


def tampered(credential: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["name"] = "Advanced Badge"
    return changed


@pytest.mark.parametrize("code", list(CASES))
def test_api_verifies_with_a_named_warning(
    dev_client: FlaskClient, foreign: ForeignIssuer, code: str
) -> None:
    response = dev_client.post(API, json=CASES[code](foreign))
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["verdict"] == "valid"
    assert body["errors"] == []
    (warning,) = body["warnings"]
    assert warning["code"] == code
    assert warning["severity"] == "warning"
    assert warning["meaning"]  # plain words for the client
    assert body["summary"].startswith("Valid, with 1 warning")
    structure = next(c for c in body["checks"] if c["check"] == "structure")
    assert structure["outcome"] == "passed"


def test_the_warning_says_what_to_check(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    body = dev_client.post(API, json=without_identifier(foreign)).get_json()
    (warning,) = body["warnings"]
    assert "check the name against the person" in warning["meaning"]
    assert warning["field"] == "credentialSubject"


@pytest.mark.parametrize("code", list(CASES))
def test_tampered_is_an_error_with_its_code(
    dev_client: FlaskClient, foreign: ForeignIssuer, code: str
) -> None:
    body = dev_client.post(API, json=tampered(CASES[code](foreign))).get_json()
    assert body["verified"] is False
    assert body["verdict"] == "invalid"
    assert "signature.invalid" in [e["code"] for e in body["errors"]]
    assert all(e["severity"] == "error" for e in body["errors"])
    # The data-quality warning is still named: both answers are kept apart.
    assert [w["code"] for w in body["warnings"]] == [code]


def test_a_revoked_credential_is_an_error_not_a_warning(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    foreign.publish(revoked=True)
    body = dev_client.post(API, json=program(foreign)).get_json()
    assert body["verdict"] == "revoked"
    assert [e["code"] for e in body["errors"]] == ["status.revoked"]


@pytest.mark.parametrize("code", list(CASES))
def test_vc_api_keeps_verified_true_and_lists_the_warning(
    dev_client: FlaskClient, foreign: ForeignIssuer, code: str
) -> None:
    response = dev_client.post(VC_API, json={"verifiableCredential": CASES[code](foreign)})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    (problem,) = body["problemDetails"]  # VCALM §3.8.1: warnings are ProblemDetails
    assert problem["code"] == code
    assert problem["type"] == f"urn:microcred:finding:{code}"
    assert problem["title"] == code


def test_vc_api_error_problem_carries_its_code(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = tampered(without_identifier(foreign))
    response = dev_client.post(VC_API, json={"verifiableCredential": credential})
    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    codes = [p.get("code") for p in body["problemDetails"]]
    assert "signature.invalid" in codes
    assert "ob3.subject_without_identifier" in codes


@pytest.mark.parametrize("code", list(CASES))
def test_page_shows_the_warning_apart_from_the_verdict(
    dev_client: FlaskClient, foreign: ForeignIssuer, code: str
) -> None:
    data = {"credential": json.dumps(CASES[code](foreign))}
    response = dev_client.post("/verify", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-verdict="valid"' in html
    assert 'class="card warnings"' in html
    assert f'data-code="{code}"' in html
    assert "Worth checking yourself" in html
    if code == "ob3.subject_without_identifier":
        # The subject's own name (DCC style) is what the page shows, to check against.
        assert '<p class="recipient">Jane Doe</p>' in html


def test_page_without_warnings_has_no_warning_section(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    data = {"credential": json.dumps(foreign.credential())}
    html = dev_client.post("/verify", data=data).get_data(as_text=True)
    assert 'data-verdict="valid"' in html
    assert "card warnings" not in html


def test_real_dcc_credential_verifies_with_the_identifier_warning(
    dev_client: FlaskClient, clock: Clock
) -> None:
    # A real DCC test credential (Ed25519Signature2020, did:key), checked inside its window.
    clock.offset = datetime(2025, 1, 9, 16, 0, tzinfo=UTC) - datetime.now(UTC)
    body = dev_client.post(API, json=DCC_VC1_OB302).get_json()
    assert body["verified"] is True, body["summary"]
    assert [w["code"] for w in body["warnings"]] == ["ob3.subject_without_identifier"]
    vc_api = dev_client.post(VC_API, json={"verifiableCredential": DCC_VC1_OB302})
    assert vc_api.status_code == 200
    assert vc_api.get_json()["verified"] is True


@pytest.mark.parametrize("code", list(CASES))
def test_cli_verified_with_warnings_is_success(
    foreign: ForeignIssuer, tmp_path: Path, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROCRED_ALLOW_PRIVATE_FETCH", "1")  # the status lists on loopback
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(CASES[code](foreign)), encoding="utf-8")
    env = {"MICROCRED_KEYS_DIR": str(tmp_path / "keys"), "MICROCRED_ENV": "development"}
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", str(path)], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"[{code}]" in result.output
    assert "VALID" in result.output
    as_json = runner.invoke(cli, ["verify", "--json", str(path)], env=env)
    assert as_json.exit_code == 0
    report = json.loads(as_json.output)["results"][0]
    assert [w["code"] for w in report["warnings"]] == [code]

    path.write_text(json.dumps(tampered(CASES[code](foreign))), encoding="utf-8")
    refused = runner.invoke(cli, ["verify", "--json", str(path)], env=env)
    assert refused.exit_code == 1
    assert "signature.invalid" in [
        e["code"] for e in json.loads(refused.output)["results"][0]["errors"]
    ]


def test_vc_api_presentation_lists_a_credentials_warning_and_stays_verified(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    from tests.verifier.web.test_vc_api_presentations import CHALLENGE, DOMAIN, _post, _vp

    vp = _vp(foreign, program(foreign))
    response = _post(dev_client, vp, challenge=CHALLENGE, domain=DOMAIN)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["verified"] is True
    (credential,) = body["credentialResults"]
    assert credential["verified"] is True
    assert [p["code"] for p in credential["problemDetails"]] == ["ob3.achievement_type_unknown"]
