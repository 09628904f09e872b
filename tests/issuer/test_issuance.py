"""Issuing a micro-certification: the credential's content, verification, refusals,
overrides, idempotent retries, one transaction, the audit log and the demo."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.serving import make_server

from credentials.ob3 import hash_email, summarize
from credentials.proofs import JCS, RDFC
from issuer.models import (
    AuditEvent,
    CredentialEvidence,
    Freelancer,
    IssuedCredential,
    SigningKey,
    StatusAllocation,
    StatusList,
)
from issuer.services import credentials, issuers
from microcred.cli import cli
from microcred.platform.extensions import db
from tests.conftest import CliRun
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import (
    Ready,
    check_outcomes,
    issue,
    local_verifier,
    public_verifier,
    ready,
)

URL = "/api/v1/credentials"
ALL_PASSED = {
    "structure": ["passed"],
    "proof": ["passed"],
    "issuer": ["passed"],
    "validity": ["passed"],
    "status": ["passed", "passed"],
}


def _count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def world(make: Factory) -> Ready:
    return ready(make)


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_issued_credential_passes_every_check(
    app: Flask, client: FlaskClient, make: Factory, world: Ready, suite: str
) -> None:
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id, suite=suite)

    assert check_outcomes(local_verifier(app), issued.document) == ALL_PASSED
    assert check_outcomes(public_verifier(app, client), issued.document) == ALL_PASSED
    assert local_verifier(app).verify(issued.document).verified
    assert issued.json["proof"]["cryptosuite"] == suite


def test_credential_content(app: Flask, make: Factory, world: Ready) -> None:
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    doc = issued.json
    base = "https://microcred.example"
    slug, cert = world.provider.slug, world.certification.id

    assert doc["id"] == f"urn:uuid:{issued.id}"
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["issuer"]["id"] == world.provider.did
    assert doc["issuer"]["name"] == f"Provider {slug}"
    assert doc["proof"]["verificationMethod"] == f"{world.provider.did}#key-1"
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{base}/issuers/{slug}/certifications/{cert}"
    assert achievement["image"]["id"] == f"{base}/issuers/{slug}/certifications/{cert}/image.png"
    assert [r["name"] for r in achievement["resultDescription"]] == [
        "Python",
        "API design",
        "Testing",
    ]
    results = doc["credentialSubject"]["result"]
    assert [r["status"] for r in results] == ["Completed"] * 3
    # The recipient: no DID, so a hashed email salted with the freelancer's own salt.
    with app.app_context():
        freelancer = db.session.get(Freelancer, world.freelancer_id)
        expected_hash = hash_email(freelancer.email, freelancer.identity_salt)
        name = freelancer.name
    identifiers = doc["credentialSubject"]["identifier"]
    assert {"identityType": "name", "identityHash": name}.items() <= identifiers[0].items()
    assert identifiers[1]["identityHash"] == expected_hash
    assert "id" not in doc["credentialSubject"]
    # One evidence entry per backing project, oldest first, with the summary line.
    evidence = doc["evidence"]
    assert [e["id"] for e in evidence] == ["https://gigs.example/0", "https://gigs.example/1"]
    assert evidence[0]["description"] == "Upwork · Brightline · 2025-02-03 – 2025-03-14"
    assert evidence[0]["narrative"].startswith(
        "Demonstrates competencies:\n- Python\n- API design\n- Testing\n\n"
    )
    assert "Deliverable 0" in evidence[0]["narrative"]
    assert "Great work 0" in evidence[0]["narrative"]
    # Validity: now → now + validityDays; awarded now.
    start = datetime.fromisoformat(doc["validFrom"].replace("Z", "+00:00"))
    assert abs(start - datetime.now(UTC)) < timedelta(minutes=1)
    end = datetime.fromisoformat(doc["validUntil"].replace("Z", "+00:00"))
    assert end - start == timedelta(days=365)
    assert doc["awardedDate"] == doc["validFrom"]
    # One revocation and one suspension entry, in the provider's lists.
    purposes = {e["statusPurpose"]: e for e in doc["credentialStatus"]}
    assert set(purposes) == {"revocation", "suspension"}
    for purpose, entry in purposes.items():
        assert entry["statusListCredential"] == f"{base}/issuers/{slug}/status/{purpose}/1"
    with app.app_context():
        rows = db.session.execute(
            select(StatusList.purpose, StatusAllocation.index)
            .join(StatusList)
            .where(StatusAllocation.credential_id == issued.id)
        ).all()
        evidence_rows = db.session.scalars(
            select(CredentialEvidence.project_id).where(
                CredentialEvidence.credential_id == issued.id
            )
        ).all()
    assert {p: str(i) for p, i in rows} == {p: e["statusListIndex"] for p, e in purposes.items()}
    assert sorted(evidence_rows) == sorted(world.project_ids)


def test_recipient_with_a_did_is_named_by_it(make: Factory) -> None:
    world = ready(make)
    freelancer = make.freelancer(
        world.provider, did="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    )
    issued = issue(
        make, world.provider, freelancer, world.certification.id, override_reason="Known to us"
    )
    assert issued.json["credentialSubject"]["id"].startswith("did:key:z6Mkha")
    # Issued by override with no accepted projects: no gig-project evidence and no results
    # claimed; the credential itself says it was an override, and why (issue 11).
    assert issued.json["evidence"] == [
        {
            "type": ["Evidence"],
            "name": "Awarded by the issuer's decision",
            "genre": "Issuer override",
            "description": "Awarded without all of the gig-project evidence the certification's "
            "rule asks for.",
            "narrative": "Known to us",
        }
    ]
    assert "result" not in issued.json["credentialSubject"]
    assert summarize(issued.json).override_reason == "Known to us"
    assert summarize(issued.json).evidence == ()


def test_api_issues_and_returns_the_stored_bytes(
    app: Flask, client: FlaskClient, world: Ready
) -> None:
    response = client.post(
        URL,
        json={"freelancerId": world.freelancer_id, "certificationId": world.certification.id},
        headers=world.provider.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "valid"
    assert body["credentialId"] == f"urn:uuid:{body['id']}"
    assert body["verificationUrl"] == f"https://microcred.example/v/{body['shortCode']}"
    assert response.headers["Location"].endswith(f"{URL}/{body['id']}")
    assert body["override"] is None
    with app.app_context():
        stored = db.session.get(IssuedCredential, body["id"]).document
    assert json.loads(stored) == body["document"]
    assert len(body["shortCode"]) == 12


def test_refusal_names_what_is_missing_per_competency(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    world = ready(make)
    # A second freelancer with one accepted project for the first competency only.
    newcomer = make.freelancer(world.provider)
    project = make.project(world.provider, newcomer)
    first, second, third = world.certification.competency_ids
    make.assess(world.provider, project, {first: "accepted", second: "rejected"})

    response = client.post(
        URL,
        json={"freelancerId": newcomer, "certificationId": world.certification.id},
        headers=world.provider.headers,
    )

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "evidence_rule_not_met"
    assert body["errors"] == {
        f"competencies.{first}": ["Python: 1 more accepted gig project needed (has 1 of 2)"],
        f"competencies.{second}": ["API design: 2 more accepted gig projects needed (has 0 of 2)"],
        f"competencies.{third}": ["Testing: 2 more accepted gig projects needed (has 0 of 2)"],
    }
    assert "override" in body["description"]
    # Nothing was written: no credential, no status list, no audit event.
    assert _count(app, IssuedCredential) == 0
    assert _count(app, StatusList) == 0
    assert _count(app, AuditEvent, AuditEvent.action == "credential.issue") == 0


def test_override_is_recorded_with_who_and_why(
    app: Flask, client: FlaskClient, make: Factory, world: Ready
) -> None:
    newcomer = make.freelancer(world.provider)
    response = client.post(
        URL,
        json={
            "freelancerId": newcomer,
            "certificationId": world.certification.id,
            "override": {"reason": "  Assessed in person at the bootcamp  "},
        },
        headers=world.provider.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    actor = f"api-key:mc_{world.provider.token.split('_')[1]}"
    assert body["override"] == {"reason": "Assessed in person at the bootcamp", "by": actor}
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.issue"))
    assert event.actor == actor
    assert event.target_id == body["id"]
    assert event.details["override"] == "Assessed in person at the bootcamp"
    assert event.details["certification"] == world.certification.id


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_an_override_needs_a_reason(client: FlaskClient, world: Ready, reason: str) -> None:
    response = client.post(
        URL,
        json={
            "freelancerId": world.freelancer_id,
            "certificationId": world.certification.id,
            "override": {"reason": reason},
        },
        headers=world.provider.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "override.reason"


def test_retired_certification_is_refused(client: FlaskClient, world: Ready) -> None:
    headers = world.provider.headers
    cert = world.certification.id
    retired = client.post(f"/api/v1/micro-certifications/{cert}/retire", headers=headers)
    assert retired.status_code == 200
    response = client.post(
        URL, json={"freelancerId": world.freelancer_id, "certificationId": cert}, headers=headers
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "certification_retired"


def test_a_valid_credential_is_not_issued_twice_but_can_be_renewed(
    app: Flask, client: FlaskClient, make: Factory, world: Ready
) -> None:
    first = issue(make, world.provider, world.freelancer_id, world.certification.id)
    body = {"freelancerId": world.freelancer_id, "certificationId": world.certification.id}
    again = client.post(URL, json=body, headers=world.provider.headers)
    assert again.status_code == 409
    assert again.get_json()["error"] == "already_issued"
    assert first.id in again.get_json()["description"]
    # Once it has expired, the freelancer can be issued a new one.
    with app.app_context():
        db.session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.id == first.id)
            .values(valid_until=datetime.now(UTC) - timedelta(days=1))
        )
        db.session.commit()
    renewed = client.post(URL, json=body, headers=world.provider.headers)
    assert renewed.status_code == 201


def test_retry_with_the_same_idempotency_key_returns_the_same_credential(
    app: Flask, client: FlaskClient, world: Ready
) -> None:
    headers = {**world.provider.headers, "Idempotency-Key": "issue-amara-1"}
    body = {"freelancerId": world.freelancer_id, "certificationId": world.certification.id}
    first = client.post(URL, json=body, headers=headers)
    second = client.post(URL, json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.data == first.data
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count(app, IssuedCredential) == 1
    with app.app_context():
        stored = db.session.scalar(select(IssuedCredential.document))
    assert json.loads(stored) == first.get_json()["document"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"certificationId": "cert_x"}, 422, "freelancerId"),
        ({"freelancerId": "frl_x", "certificationId": "cert_x", "bogus": 1}, 422, "bogus"),
        ({"freelancerId": "frl_x", "certificationId": "cert_x", "suite": "rsa"}, 422, "suite"),
        ({"freelancerId": 5, "certificationId": "cert_x"}, 422, "freelancerId"),
    ],
)
def test_malformed_requests_name_the_field(
    client: FlaskClient, world: Ready, body: dict[str, object], status: int, field: str
) -> None:
    response = client.post(URL, json=body, headers=world.provider.headers)
    assert response.status_code == status
    assert response.get_json()["field"] == field


def test_unknown_and_other_providers_ids_are_404(
    client: FlaskClient, make: Factory, world: Ready
) -> None:
    other = ready(make)
    for body in (
        {"freelancerId": other.freelancer_id, "certificationId": world.certification.id},
        {"freelancerId": world.freelancer_id, "certificationId": other.certification.id},
        {"freelancerId": "frl_nope", "certificationId": world.certification.id},
    ):
        response = client.post(URL, json=body, headers=world.provider.headers)
        assert response.status_code == 404, body
        assert response.get_json()["error"] == "not_found"


def test_without_an_active_signing_key_nothing_is_written(
    app: Flask, client: FlaskClient, world: Ready
) -> None:
    with app.app_context():
        db.session.execute(update(SigningKey).values(is_active=False))
        db.session.commit()
    response = client.post(
        URL,
        json={"freelancerId": world.freelancer_id, "certificationId": world.certification.id},
        headers=world.provider.headers,
    )
    assert response.status_code == 409
    assert "no active signing key" in response.get_json()["description"]
    # The status lists the attempt created went with the rolled-back transaction.
    assert _count(app, StatusList) == 0
    assert _count(app, IssuedCredential) == 0


def test_a_taken_unique_value_leaves_nothing_half_written(
    app: Flask, client: FlaskClient, make: Factory, world: Ready, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A unique value that is already taken (here every short code is the same) must end
    in a clear 409 and a rolled-back transaction: on SQLite at the first failure (no
    savepoint), on PostgreSQL after the savepoint retries run out."""
    from issuer.services import issuance

    monkeypatch.setattr(issuance, "new_short_code", lambda: "SAMECODE1234")
    first = issue(make, world.provider, world.freelancer_id, world.certification.id)
    second = ready(make, provider=world.provider)
    before = {m: _count(app, m) for m in (IssuedCredential, StatusAllocation, AuditEvent)}
    response = client.post(
        URL,
        json={"freelancerId": second.freelancer_id, "certificationId": second.certification.id},
        headers=world.provider.headers,
    )
    assert response.status_code == 409
    assert "retry" in response.get_json()["description"]
    assert {m: _count(app, m) for m in before} == before
    with app.app_context():
        assert db.session.scalar(select(IssuedCredential.id)) == first.id


def test_the_already_holds_check_reads_only_the_freelancers_credentials(app: Flask) -> None:
    """Every issuance asks whether the freelancer already holds the certification; SQLite
    must answer from the (freelancer, certification) index, not by reading every
    credential of the certification (migration 0003)."""
    from issuer.services.issuance_records import HELD

    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL plans from statistics; the index exists on both")
        compiled = HELD.compile(dialect=connection.dialect)
        params = compiled.construct_params(
            {"freelancer_id": "frl_x", "certification_id": "cert_x", "now": datetime.now(UTC)}
        )
        values = [params[name] for name in compiled.positiontup or ()]
        values = [v.isoformat(" ") if isinstance(v, datetime) else v for v in values]
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(values)).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "ix_issued_credentials_holder (freelancer_id=? AND certification_id=?)" in details


def test_demo_ends_with_one_verifiable_credential(runner: CliRun, app: Flask) -> None:
    for _ in range(2):
        result = runner("demo")
        assert result.exit_code == 0, result.output
    assert _count(app, IssuedCredential) == 1
    with app.app_context():
        document = db.session.scalar(select(IssuedCredential.document))
    assert check_outcomes(local_verifier(app), document) == ALL_PASSED
    evidence = json.loads(document)["evidence"]
    assert [e["name"] for e in evidence] == [
        "Payments webhook API for a Shopify store",
        "Inventory sync REST API with a pytest suite",
        "Rate-limited public API for a logistics startup",
    ]


def test_microcred_verify_accepts_a_fresh_credential_and_refuses_a_revoked_one(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    # A live server on loopback, as `make run` gives: did:web and the status lists resolve
    # over plain http in development mode.
    server = make_server("127.0.0.1", 0, _not_yet, threaded=True)
    app = make_app(MICROCRED_BASE_URL=f"http://127.0.0.1:{server.server_port}")
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        make = Factory(app)
        world = ready(make)
        issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
        path = tmp_path / "credential.json"
        path.write_text(issued.document)
        development = {"MICROCRED_ALLOW_PRIVATE_FETCH": "1"}

        fresh = CliRunner().invoke(cli, ["verify", str(path)], env=development)
        assert fresh.exit_code == 0, fresh.output

        with make.transaction():
            credentials.revoke(
                issuers.get_issuer(world.provider.slug), issued.id, reason="test", actor="t"
            )
        revoked = CliRunner().invoke(cli, ["verify", str(path)], env=development)
        assert revoked.exit_code == 1, revoked.output
        assert "REVOKED" in revoked.output
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _not_yet(environ: object, start_response: Callable[..., object]) -> list[bytes]:
    start_response("503 Service Unavailable", [])
    return []
