"""Versions of a micro-certification: an edit after credentials were issued makes the next
edition; the credentials already out keep what they state (and verify), the next ones name
the new edition; archiving stops issuing and leaves what was issued verifiable."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from issuer.models import AuditEvent, IssuedCredential
from microcred.platform.extensions import db
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import Ready, issue, local_verifier, ready

CERTS = "/api/v1/micro-certifications"


def _patch(client: FlaskClient, world: Ready, body: dict[str, object]) -> dict[str, object]:
    response = client.patch(
        f"{CERTS}/{world.certification.id}", json=body, headers=world.provider.headers
    )
    assert response.status_code == 200, response.get_json()
    answer: dict[str, object] = response.get_json()
    return answer


def _second_freelancer(make: Factory, world: Ready) -> str:
    freelancer = make.freelancer(world.provider)
    for _ in range(2):
        project = make.project(world.provider, freelancer)
        make.assess(
            world.provider, project, dict.fromkeys(world.certification.competency_ids, "accepted")
        )
    return freelancer


def test_an_edit_before_any_issuance_keeps_the_version(client: FlaskClient, make: Factory) -> None:
    world = ready(make)
    assert _patch(client, world, {"name": "Renamed"})["version"] == 1


def test_an_edit_after_issuance_makes_the_next_version(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = ready(make)
    first = issue(make, world.provider, world.freelancer_id, world.certification.id)
    achievement_before = first.json["credentialSubject"]["achievement"]
    assert "version" not in achievement_before  # edition 1 states none, as before versions

    changed = _patch(client, world, {"name": "Python API Developer, 2027 edition"})
    assert changed["version"] == 2
    # A second edit with nothing issued under version 2 stays version 2.
    assert _patch(client, world, {"description": "Reworded."})["version"] == 2

    second = issue(make, world.provider, _second_freelancer(make, world), world.certification.id)
    achievement_after = second.json["credentialSubject"]["achievement"]
    assert achievement_after["version"] == "2"
    assert achievement_after["id"] == achievement_before["id"]  # one achievement, two editions
    assert achievement_after["name"] == "Python API Developer, 2027 edition"
    assert achievement_before["name"] != achievement_after["name"]
    with app.app_context():
        versions = dict(
            db.session.execute(
                select(IssuedCredential.id, IssuedCredential.certification_version)
            ).all()
        )
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "certification.update")
            .order_by(AuditEvent.id)
        )
    assert versions == {first.id: 1, second.id: 2}
    assert event is not None
    assert (event.details["version"], event.details["previous_version"]) == (2, 1)
    # The credential issued under version 1 still verifies: its bytes never changed.
    assert local_verifier(app).verify(first.document).verified
    assert local_verifier(app).verify(second.document).verified


def test_archiving_stops_issuing_and_keeps_credentials_verifiable(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    retired = client.post(
        f"{CERTS}/{world.certification.id}/retire", headers=world.provider.headers
    )
    assert retired.status_code == 200, retired.get_json()
    refused = client.post(
        "/api/v1/credentials",
        json={
            "freelancerId": _second_freelancer(make, world),
            "certificationId": world.certification.id,
        },
        headers=world.provider.headers,
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"] == "certification_retired"
    assert local_verifier(app).verify(issued.document).verified
