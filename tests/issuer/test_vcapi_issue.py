"""``POST /credentials/issue`` (W3C VC API): caller-written VC 2.0 and Open Badges 3.0
credentials signed with the provider's key, stored and revocable; problem bodies for
another issuer, undefined terms and malformed requests."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from credentials.proofs import JCS, RDFC
from issuer.models import AuditEvent, IssuedCredential
from microcred.platform.extensions import db
from tests.issuer.factories import Factory, Provider
from tests.issuer.issuance_helpers import check_outcomes, local_verifier

URL = "/credentials/issue"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

# VC Data Model 2.0, Example 1 style: a credential with a subject and no issuer yet.
VC = {
    "@context": [VC2],
    "type": ["VerifiableCredential"],
    "validFrom": "2026-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "name": "Jayden Doe"},
}


def open_badge(issuer_did: str) -> dict[str, Any]:
    return {
        "@context": [VC2, OB3],
        "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": "Example Provider"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "achievement": {
                "id": "https://example.com/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Works well with others.",
                "criteria": {"narrative": "Team projects were assessed."},
            },
        },
    }


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider()


def _issue(client: FlaskClient, provider: Provider, body: object, **headers: str) -> Any:
    return client.post(URL, json=body, headers={**provider.headers, **headers})


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_issues_a_vc_that_verifies_and_is_stored(
    app: Flask, client: FlaskClient, provider: Provider, suite: str
) -> None:
    response = _issue(client, provider, {"credential": VC, "options": {"cryptosuite": suite}})

    assert response.status_code == 201, response.get_data(as_text=True)
    credential = response.get_json()["verifiableCredential"]
    assert credential["issuer"] == provider.did
    assert credential["id"].startswith("urn:uuid:")
    assert credential["proof"]["cryptosuite"] == suite
    assert credential["proof"]["verificationMethod"] == f"{provider.did}#key-1"
    assert credential["credentialSubject"] == VC["credentialSubject"]
    outcomes = check_outcomes(local_verifier(app), json.dumps(credential))
    assert outcomes["proof"] == outcomes["issuer"] == outcomes["structure"] == ["passed"]
    assert outcomes["status"] == ["skipped"]  # no status entry was asked for

    record_id = credential["id"].removeprefix("urn:uuid:")
    assert response.headers["Location"].endswith(f"/api/v1/credentials/{record_id}")
    listed = client.get("/api/v1/credentials", headers=provider.headers).get_json()["items"]
    assert [(c["id"], c["freelancerId"], c["certificationId"]) for c in listed] == [
        (record_id, None, None)
    ]
    # The response carries the stored document byte for byte.
    with app.app_context():
        stored = db.session.get(IssuedCredential, record_id).document
    assert response.data == b'{"verifiableCredential":' + stored.encode() + b"}"


def test_status_entries_on_request_make_it_revocable(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    options = {
        "credentialStatus": {
            "type": "BitstringStatusListEntry",
            "statusPurpose": ["revocation", "suspension"],
        }
    }
    response = _issue(client, provider, {"credential": VC, "options": options})
    assert response.status_code == 201, response.get_data(as_text=True)
    credential = response.get_json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in credential["credentialStatus"]] == [
        "revocation",
        "suspension",
    ]
    document = json.dumps(credential)
    assert check_outcomes(local_verifier(app), document)["status"] == ["passed", "passed"]

    record_id = credential["id"].removeprefix("urn:uuid:")
    revoked = client.post(
        f"/api/v1/credentials/{record_id}/revoke",
        json={"reason": "issued by mistake"},
        headers=provider.headers,
    )
    assert revoked.status_code == 200
    assert local_verifier(app).verify(document).verdict.value == "revoked"


def test_without_status_entries_revocation_is_refused(
    client: FlaskClient, provider: Provider
) -> None:
    credential = _issue(client, provider, {"credential": VC}).get_json()["verifiableCredential"]
    record_id = credential["id"].removeprefix("urn:uuid:")
    response = client.post(
        f"/api/v1/credentials/{record_id}/revoke", json={"reason": "x"}, headers=provider.headers
    )
    assert response.status_code == 409
    assert response.get_json()["field"] == "credentialStatus"


def test_an_open_badge_naming_the_provider_is_issued_with_its_own_id(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    badge = open_badge(provider.did)
    response = _issue(client, provider, {"credential": badge, "options": {}})
    assert response.status_code == 201, response.get_data(as_text=True)
    credential = response.get_json()["verifiableCredential"]
    assert credential["id"] == badge["id"]
    assert credential["issuer"] == badge["issuer"]
    assert local_verifier(app).verify(json.dumps(credential)).verified
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.issue"))
    assert event.details["via"] == "vc-api"


def test_the_same_client_id_may_be_issued_again(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    # The W3C test suites send one fixture (with its id) many times.
    badge = open_badge(provider.did)
    for _ in range(2):
        assert _issue(client, provider, {"credential": badge}).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedCredential)) == 2


@pytest.mark.parametrize(
    "issuer",
    ["did:example:someone-else", {"id": "did:example:someone-else", "type": ["Profile"]}, 7],
)
def test_another_issuer_is_400(client: FlaskClient, provider: Provider, issuer: object) -> None:
    response = _issue(client, provider, {"credential": {**VC, "issuer": issuer}})
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "credential.issuer"
    assert body["type"] == "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"
    assert provider.did in body["detail"]


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_an_undefined_term_is_refused_not_left_unsigned(
    app: Flask, client: FlaskClient, provider: Provider, suite: str
) -> None:
    credential = copy.deepcopy(VC)
    credential["credentialSubject"]["favouriteColour"] = "green"
    response = _issue(
        client, provider, {"credential": credential, "options": {"cryptosuite": suite}}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "undefined_term"
    assert body["field"] == "favouriteColour"
    assert body["type"] == "https://w3id.org/security#PROOF_GENERATION_ERROR"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedCredential)) == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"options": {}}, 400, "credential"),
        ({"credential": "eyJhbGciOi..."}, 400, "credential"),
        ({"credential": VC, "options": []}, 400, "options"),
        ({"credential": VC, "options": {"format": "jwt"}}, 400, "options.format"),
        ({"credential": VC, "extra": 1}, 400, "extra"),
        ({"credential": VC, "options": {"cryptosuite": "ecdsa-rdfc-2019"}}, 422, "cryptosuite"),
        (
            {"credential": VC, "options": {"mandatoryPointers": ["/issuer"]}},
            400,
            "options.mandatoryPointers",
        ),
        (
            {"credential": VC, "options": {"credentialStatus": {"type": "StatusList2021Entry"}}},
            400,
            "options.credentialStatus.type",
        ),
        ({"credential": {**VC, "proof": {"type": "DataIntegrityProof"}}}, 400, "credential.proof"),
        (
            {"credential": {k: v for k, v in VC.items() if k != "credentialSubject"}},
            422,
            "credentialSubject",
        ),
        ({"credential": {**VC, "@context": ["https://example.com/ctx"]}}, 422, "@context"),
        ({"credential": {**VC, "validFrom": "yesterday"}}, 422, "validFrom"),
    ],
)
def test_malformed_requests_get_a_problem_body(
    client: FlaskClient, provider: Provider, body: object, status: int, field: str
) -> None:
    response = _issue(client, provider, body)
    assert response.status_code == status, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["field"] == field
    assert problem["code"] == status
    assert problem["detail"] == problem["description"]
    assert problem["type"].startswith(
        ("https://www.w3.org/TR/vc-data-model#", "https://w3id.org/security#")
    )


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"credential": {}, "credential": {}}', "application/json", 400),
        (b"[]", "application/json", 400),
        (b"credential=1", "application/x-www-form-urlencoded", 415),
    ],
)
def test_unparseable_bodies(
    client: FlaskClient, provider: Provider, data: bytes, content_type: str, status: int
) -> None:
    response = client.post(URL, data=data, content_type=content_type, headers=provider.headers)
    assert response.status_code == status
    assert response.get_json()["code"] == status


def test_authentication_is_required(client: FlaskClient, make: Factory, provider: Provider) -> None:
    assert client.post(URL, json={"credential": VC}).status_code == 401
    revoked = make.api_key(provider, revoked=True)
    response = client.post(
        URL, json={"credential": VC}, headers={"Authorization": f"Bearer {revoked}"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"] == "revoked_api_key"


def test_idempotent_retry_returns_the_same_credential(
    app: Flask, client: FlaskClient, provider: Provider
) -> None:
    first = _issue(client, provider, {"credential": VC}, **{"Idempotency-Key": "vc-1"})
    second = _issue(client, provider, {"credential": VC}, **{"Idempotency-Key": "vc-1"})
    assert first.status_code == second.status_code == 201
    assert first.data == second.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedCredential)) == 1


def test_openapi_documents_the_endpoint(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/credentials/issue"]["post"]
    assert operation["security"] == [{"bearerAuth": ["issue"]}]
    assert {"201", "400", "401", "403", "422"} <= set(operation["responses"])


@pytest.mark.parametrize(
    ("status", "field"),
    [
        ({"id": "urn:x:1"}, "credentialStatus.type"),
        (
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "-1",
                "statusListCredential": "https://example.org/1",
            },
            "credentialStatus.statusListIndex",
        ),
        (
            {
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": "7",
                "statusListCredential": "not a url",
            },
            "credentialStatus.statusListCredential",
        ),
        (
            [
                {
                    "type": "BitstringStatusListEntry",
                    "statusListIndex": "7",
                    "statusListCredential": "https://example.org/1",
                }
            ],
            "credentialStatus[0].statusPurpose",
        ),
    ],
)
def test_malformed_credential_status_is_400_naming_the_field(
    client: FlaskClient, provider: Provider, status: Any, field: str
) -> None:
    response = _issue(client, provider, {"credential": {**VC, "credentialStatus": status}})
    assert response.status_code == 400
    assert response.get_json()["field"] == field
