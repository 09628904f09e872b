"""POST /credentials/verify (W3C VC API, w3c/vcalm oas.yaml): 200 when verified, 400
"invalid input!" otherwise, with ProblemDetails naming each failed check."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from credentials.proofs import JCS, RDFC
from tests.verifier.web.conftest import ForeignIssuer

URL = "/credentials/verify"
DI = "https://w3id.org/security#"


def _post(client: FlaskClient, credential: Any, **options: Any) -> Any:
    body: dict[str, Any] = {"verifiableCredential": credential}
    if options:
        body["options"] = options
    return client.post(URL, json=body)


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_verified_credential_is_200(
    dev_client: FlaskClient, foreign: ForeignIssuer, suite: str
) -> None:
    credential = foreign.credential(suite=suite)

    response = _post(dev_client, credential, checks=["proof"])  # the test suites' option

    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is True
    assert body["problemDetails"] == []
    results = body["results"]
    assert results["proof"] == [{"verified": True, "input": credential["proof"]}]
    assert results["validFrom"] == {"verified": True, "input": credential["validFrom"]}
    assert results["validUntil"] == {"verified": True, "input": credential["validUntil"]}
    assert [(r["verified"], r["value"]) for r in results["credentialStatus"]] == [
        (True, 0),
        (True, 0),
    ]
    assert "credential" not in body


def test_tampered_credential_is_400_with_a_proof_problem(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    credential["name"] = "Senior Freelance Python API Developer"

    response = _post(dev_client, credential)

    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    (problem,) = body["problemDetails"]
    assert problem["type"] == DI + "PROOF_VERIFICATION_ERROR"
    assert problem["title"] == "PROOF_VERIFICATION_ERROR"
    assert "altered" in problem["detail"]
    assert body["results"]["proof"][0]["verified"] is False


def test_revoked_credential_is_400_with_its_status_value(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    foreign.publish(revoked=True)

    body = _post(dev_client, credential).get_json()

    assert body["verified"] is False
    assert [p["title"] for p in body["problemDetails"]] == ["Credential revoked"]
    assert [(r["verified"], r.get("value")) for r in body["results"]["credentialStatus"]] == [
        (False, 1),
        (True, 0),
    ]


def test_expired_credential_reports_valid_until(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential(
        validFrom="2024-01-01T00:00:00Z", validUntil="2025-01-01T00:00:00Z"
    )

    body = _post(dev_client, credential).get_json()

    assert body["verified"] is False
    assert body["results"]["validUntil"] == {"verified": False, "input": "2025-01-01T00:00:00Z"}
    assert body["results"]["validFrom"]["verified"] is True
    assert body["problemDetails"][0]["title"] == "Credential expired"


def test_broken_proof_value_is_a_malformed_proof(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    credential["proof"]["proofValue"] = "not-multibase"

    body = _post(dev_client, credential).get_json()

    assert body["problemDetails"][0]["type"] == DI + "MALFORMED_PROOF_ERROR"


def test_options_choose_what_is_returned(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    credential = foreign.credential()

    body = _post(
        dev_client,
        credential,
        returnCredential=True,
        returnResults=False,
        returnProblemDetails=False,
    ).get_json()

    assert body == {"verified": True, "credential": credential}


def test_domain_and_challenge_must_match_the_signed_proof(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()  # its proof names no domain and no challenge

    response = _post(dev_client, credential, domain="verifier.example", challenge="c-123")

    assert response.status_code == 400
    titles = [p["title"] for p in response.get_json()["problemDetails"]]
    assert titles == ["INVALID_DOMAIN_ERROR", "INVALID_CHALLENGE_ERROR"]


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        ({}, "verifiableCredential is required"),
        ({"verifiableCredential": "eyJhbGciOi"}, "verifiableCredential is required"),
        ({"verifiableCredential": {}, "options": []}, "options must be a JSON object"),
        (
            {"verifiableCredential": {}, "options": {"returnCredential": "yes"}},
            "returnCredential must be true or false",
        ),
        (
            {
                "verifiableCredential": {
                    "@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": "EnvelopedVerifiableCredential",
                    "id": "data:application/vc+jwt,eyJ",
                }
            },
            "not supported yet (an enveloped credential",
        ),
    ],
    ids=["missing", "not-object", "options-array", "option-type", "enveloped"],
)
def test_invalid_requests_are_400_parsing_errors(
    client: FlaskClient, body: dict[str, Any], phrase: str
) -> None:
    response = client.post(URL, json=body)

    assert response.status_code == 400
    answer = response.get_json()
    assert answer["verified"] is False
    assert answer["problemDetails"][0]["title"] == "PARSING_ERROR"
    assert phrase in answer["problemDetails"][0]["detail"]
    assert phrase in answer["description"]  # the microcred error shape as well


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post(URL, data=b"{", content_type="application/json")

    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["problemDetails"][0]["detail"]


def test_not_json_is_400(client: FlaskClient) -> None:
    response = client.post(URL, data=b"hello", content_type="text/plain")

    assert response.status_code == 400
    assert "application/json" in response.get_json()["description"]
