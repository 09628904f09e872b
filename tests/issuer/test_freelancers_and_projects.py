"""Freelancers, their gig projects and the provider's assessments, through the API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from issuer.models import CredentialEvidence, IssuedCredential, SigningKey
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.factories import Factory, Provider, freelancer_payload, project_payload


def _freelancer(client: FlaskClient, provider: Provider, **overrides: object) -> dict:
    response = client.post(
        "/api/v1/freelancers", json=freelancer_payload(**overrides), headers=provider.headers
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- freelancers --------------------------------------------------------------------------


def test_create_freelancer_normalises_email_and_shows_profile_url(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    body = _freelancer(
        client,
        provider,
        email="Amara@Example.COM",
        handle="amara-okafor",
        profilePublic=True,
        did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    )
    assert body["id"].startswith("frl_")
    assert body["email"] == "amara@example.com"
    assert body["profileUrl"] == "https://microcred.example/p/amara-okafor"


def test_private_profile_has_no_url(client: FlaskClient, make: Factory) -> None:
    body = _freelancer(client, make.provider(), handle="quiet-one")
    assert body["profilePublic"] is False
    assert body["profileUrl"] is None


def test_freelancer_fields_are_validated(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    response = client.post(
        "/api/v1/freelancers",
        json={"name": "", "email": "not-an-email", "did": "did:nope", "handle": "No Spaces"},
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"name", "email", "did", "handle"}


def test_duplicate_email_within_a_provider_is_a_conflict(
    client: FlaskClient, make: Factory
) -> None:
    provider, other = make.provider(), make.provider()
    _freelancer(client, provider, email="same@example.com")
    _freelancer(client, other, email="same@example.com")  # another provider: fine
    response = client.post(
        "/api/v1/freelancers",
        json=freelancer_payload(email="SAME@example.com"),
        headers=provider.headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "duplicate_email"


def test_handles_are_unique_across_providers(client: FlaskClient, make: Factory) -> None:
    first, second = make.provider(), make.provider()
    _freelancer(client, first, handle="taken-handle")
    response = client.post(
        "/api/v1/freelancers",
        json=freelancer_payload(handle="taken-handle"),
        headers=second.headers,
    )
    assert response.status_code == 409
    assert response.get_json()["field"] == "handle"


def test_patch_freelancer(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    created = _freelancer(client, provider)
    response = client.patch(
        f"/api/v1/freelancers/{created['id']}",
        json={"handle": "amara", "profilePublic": True, "did": None},
        headers=provider.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["handle"], body["profilePublic"], body["name"]) == ("amara", True, "Amara Okafor")


def test_list_freelancers_is_scoped(client: FlaskClient, make: Factory) -> None:
    provider, other = make.provider(), make.provider()
    mine = _freelancer(client, provider)
    _freelancer(client, other)
    items = client.get("/api/v1/freelancers", headers=provider.headers).get_json()["items"]
    assert [f["id"] for f in items] == [mine["id"]]


# --- gig projects -------------------------------------------------------------------------


def test_create_and_read_project(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    freelancer = make.freelancer(provider)
    response = client.post(
        f"/api/v1/freelancers/{freelancer}/projects",
        json=project_payload(clientRating=4.86, deliverables="Flask API"),
        headers=provider.headers,
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/projects/{body['id']}"
    assert body["freelancerId"] == freelancer
    assert body["clientRating"] == 4.9
    assert body["startedOn"] == "2025-02-03"
    assert body["assessments"] == []
    assert client.get(response.headers["Location"], headers=provider.headers).get_json() == body
    listed = client.get(f"/api/v1/freelancers/{freelancer}/projects", headers=provider.headers)
    assert [p["id"] for p in listed.get_json()["items"]] == [body["id"]]


def test_project_validation(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    freelancer = make.freelancer(provider)
    response = client.post(
        f"/api/v1/freelancers/{freelancer}/projects",
        json=project_payload(
            platform="MySpace",
            url="ftp://example.com/gig",
            clientRating=5.5,
            startedOn="2025-03-01",
            finishedOn="2025-02-01",
        ),
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"platform", "url", "clientRating", "finishedOn"}


def test_patch_cannot_put_finish_before_start(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    project = make.project(provider, make.freelancer(provider))
    response = client.patch(
        f"/api/v1/projects/{project}", json={"finishedOn": "2020-01-01"}, headers=provider.headers
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "finishedOn"


def test_project_of_unknown_freelancer_is_404(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    response = client.post(
        "/api/v1/freelancers/frl_doesnotexist00/projects",
        json=project_payload(),
        headers=provider.headers,
    )
    assert response.status_code == 404


def test_delete_project(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    project = make.project(provider, make.freelancer(provider))
    assert client.delete(f"/api/v1/projects/{project}", headers=provider.headers).status_code == 204
    gone = client.get(f"/api/v1/projects/{project}", headers=provider.headers)
    assert gone.status_code == 404


def _credential_backed_by(app: Flask, provider: Provider, freelancer: str, project: str) -> None:
    """A stored credential row naming ``project`` as evidence (issuance itself comes later)."""
    cert = Factory(app).certification(provider)
    with app.app_context(), write_transaction(db.session):
        key = db.session.scalar(db.select(SigningKey).filter_by(issuer_id=provider.id))
        credential = IssuedCredential(
            issuer_id=provider.id,
            freelancer_id=freelancer,
            certification_id=cert.id,
            signing_key_id=key.id,
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            short_code="abc123",
            suite="eddsa-rdfc-2022",
            document="{}",
            valid_from=datetime.now(UTC),
            issued_by="test",
        )
        db.session.add(credential)
        db.session.flush()
        db.session.add(CredentialEvidence(credential_id=credential.id, project_id=project))


def test_project_backing_a_credential_cannot_be_deleted(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    freelancer = make.freelancer(provider)
    project = make.project(provider, freelancer)
    _credential_backed_by(app, provider, freelancer, project)
    response = client.delete(f"/api/v1/projects/{project}", headers=provider.headers)
    assert response.status_code == 409
    assert response.get_json()["error"] == "project_backs_credential"
    assert client.get(f"/api/v1/projects/{project}", headers=provider.headers).status_code == 200


# --- assessments --------------------------------------------------------------------------


def test_put_assessments_replaces_the_set(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    cert = make.certification(provider)
    project = make.project(provider, make.freelancer(provider))
    first = [
        {"competencyId": cert.competency_ids[0], "outcome": "accepted", "note": "Clean code"},
        {"competencyId": cert.competency_ids[1], "outcome": "rejected"},
    ]
    url = f"/api/v1/projects/{project}/assessments"
    response = client.put(url, json=first, headers=provider.headers)
    assert response.status_code == 200
    assessments = response.get_json()["assessments"]
    assert [(a["competencyId"], a["outcome"]) for a in assessments] == [
        (cert.competency_ids[0], "accepted"),
        (cert.competency_ids[1], "rejected"),
    ]
    assert assessments[0]["certificationId"] == cert.id
    assert assessments[0]["reviewer"] == "default"  # the API key's name
    assert assessments[0]["note"] == "Clean code"
    second = [{"competencyId": cert.competency_ids[2], "outcome": "accepted", "reviewer": "Lena"}]
    after = client.put(url, json=second, headers=provider.headers).get_json()["assessments"]
    assert [(a["competencyId"], a["reviewer"]) for a in after] == [(cert.competency_ids[2], "Lena")]


def test_unchanged_assessment_keeps_its_time(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    cert = make.certification(provider)
    project = make.project(provider, make.freelancer(provider))
    url = f"/api/v1/projects/{project}/assessments"
    body = [{"competencyId": cert.competency_ids[0], "outcome": "accepted"}]
    first = client.put(url, json=body, headers=provider.headers).get_json()["assessments"]
    again = client.put(url, json=body, headers=provider.headers).get_json()["assessments"]
    assert first[0]["assessedAt"] == again[0]["assessedAt"]


def test_assessment_of_another_providers_competency_is_refused(
    client: FlaskClient, make: Factory
) -> None:
    provider, other = make.provider(), make.provider()
    foreign = make.certification(other)
    project = make.project(provider, make.freelancer(provider))
    response = client.put(
        f"/api/v1/projects/{project}/assessments",
        json=[{"competencyId": foreign.competency_ids[0], "outcome": "accepted"}],
        headers=provider.headers,
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "[0].competencyId"
    assert foreign.competency_ids[0] in body["description"]


def test_assessment_body_is_validated(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    cert = make.certification(provider)
    project = make.project(provider, make.freelancer(provider))
    url = f"/api/v1/projects/{project}/assessments"
    duplicate = [{"competencyId": cert.competency_ids[0], "outcome": "accepted"}] * 2
    assert client.put(url, json=duplicate, headers=provider.headers).status_code == 422
    wrong = [{"competencyId": cert.competency_ids[0], "outcome": "maybe", "extra": 1}]
    response = client.put(url, json=wrong, headers=provider.headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"[0].outcome", "[0].extra"}
    not_a_list = client.put(url, json={"competencyId": "x"}, headers=provider.headers)
    assert not_a_list.status_code == 422
