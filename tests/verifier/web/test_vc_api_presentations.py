"""POST /presentations/verify (W3C VC API, w3c/vcalm): a holder's presentation with
embedded credentials, checked against the request's challenge and domain."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from credentials.proofs import AUTHENTICATION, add_proof
from tests.verifier.web.conftest import ForeignIssuer

URL = "/presentations/verify"
V2 = "https://www.w3.org/ns/credentials/v2"
CHALLENGE = "uX1e-challenge"
DOMAIN = "verifier.example"


def _vp(foreign: ForeignIssuer, *credentials: dict[str, Any]) -> dict[str, Any]:
    unsigned = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": foreign.did,
        "verifiableCredential": list(credentials),
    }
    return add_proof(
        unsigned,
        foreign.key,
        verification_method=foreign.vm,
        purpose=AUTHENTICATION,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )


def _post(client: FlaskClient, vp: Any, **options: Any) -> Any:
    return client.post(URL, json={"verifiablePresentation": vp, "options": options})


def test_presentation_with_embedded_credential_is_200(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    vp = _vp(foreign, foreign.credential())

    response = _post(dev_client, vp, challenge=CHALLENGE, domain=DOMAIN)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["verified"] is True
    assert body["problemDetails"] == []
    assert body["presentationResult"] == {"verified": True, "problemDetails": []}
    (credential,) = body["credentialResults"]
    assert credential["verified"] is True
    assert credential["results"]["proof"][0]["verified"] is True


def test_wrong_challenge_or_domain_is_400(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    vp = _vp(foreign, foreign.credential())

    response = _post(dev_client, vp, challenge="another", domain="elsewhere.example")

    assert response.status_code == 400
    titles = [p["title"] for p in response.get_json()["problemDetails"]]
    assert titles == ["INVALID_DOMAIN_ERROR", "INVALID_CHALLENGE_ERROR"]


def test_revoked_credential_inside_fails_the_presentation(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    vp = _vp(foreign, foreign.credential())
    foreign.publish(revoked=True)

    body = _post(dev_client, vp, challenge=CHALLENGE).get_json()

    assert body["verified"] is False
    assert body["presentationResult"]["verified"] is True
    assert [p["title"] for p in body["problemDetails"]] == ["Credential revoked"]


def test_tampered_presentation_is_400_with_a_proof_problem(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    vp = _vp(foreign, foreign.credential())
    vp["proof"]["proofValue"] = "z5nmMBw2u9TGKd9NxxHJtyZKgjN2Eh"

    response = _post(dev_client, vp)

    assert response.status_code == 400
    problem = response.get_json()["presentationResult"]["problemDetails"][0]
    assert problem["title"] == "MALFORMED_PROOF_ERROR"


def test_presentation_without_type_or_context_is_400(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    for drop in ("type", "@context"):
        vp = _vp(foreign)
        del vp[drop]
        body = _post(dev_client, vp).get_json()
        assert body["verified"] is False
        assert "MALFORMED_VALUE_ERROR" in [p["title"] for p in body["problemDetails"]]


def test_missing_presentation_is_a_parsing_error(client: FlaskClient) -> None:
    response = client.post(URL, json={"verifiableCredential": {}})

    assert response.status_code == 400
    assert response.get_json()["problemDetails"][0]["title"] == "PARSING_ERROR"
