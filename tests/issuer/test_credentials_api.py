"""``/api/v1/credentials``: listing with filters, fetching, and the status changes' rules
(revocation is final, suspension is reversible), with their audit events and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from issuer.models import AuditEvent, IssuedCredential
from microcred.platform.extensions import db
from tests.conftest import CliRun
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import Issued, Ready, issue, ready

URL = "/api/v1/credentials"


@pytest.fixture
def world(make: Factory) -> Ready:
    return ready(make)


@pytest.fixture
def issued(make: Factory, world: Ready) -> Issued:
    return issue(make, world.provider, world.freelancer_id, world.certification.id)


def _post(client: FlaskClient, world: Ready, path: str, body: object = None) -> tuple[int, dict]:
    response = client.post(f"{URL}/{path}", json=body, headers=world.provider.headers)
    return response.status_code, response.get_json()


def _ids(client: FlaskClient, world: Ready, query: str = "") -> list[str]:
    response = client.get(f"{URL}?{query}", headers=world.provider.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_list_filters_by_status_freelancer_and_certification(
    app: Flask, client: FlaskClient, make: Factory, world: Ready
) -> None:
    cert = world.certification.id
    others = [make.freelancer(world.provider) for _ in range(3)]
    valid = issue(make, world.provider, world.freelancer_id, cert)
    revoked, suspended, expired = (
        issue(make, world.provider, f, cert, override_reason="test") for f in others
    )
    assert _post(client, world, f"{revoked.id}/revoke", {"reason": "wrong person"})[0] == 200
    assert _post(client, world, f"{suspended.id}/suspend")[0] == 200
    with app.app_context():
        db.session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.id == expired.id)
            .values(valid_until=datetime.now(UTC) - timedelta(days=1))
        )
        db.session.commit()

    assert _ids(client, world, "status=valid") == [valid.id]
    assert _ids(client, world, "status=revoked") == [revoked.id]
    assert _ids(client, world, "status=suspended") == [suspended.id]
    assert _ids(client, world, "status=expired") == [expired.id]
    assert _ids(client, world, f"freelancer={others[0]}") == [revoked.id]
    assert set(_ids(client, world, f"certification={cert}")) == {
        valid.id,
        revoked.id,
        suspended.id,
        expired.id,
    }
    page = client.get(f"{URL}?perPage=3", headers=world.provider.headers).get_json()
    assert page["pagination"] == {"page": 1, "perPage": 3, "total": 4, "pages": 2}
    assert "document" not in page["items"][0]
    statuses = {item["id"]: item["status"] for item in page["items"]}
    assert set(statuses.values()) <= {"valid", "revoked", "suspended", "expired"}


@pytest.mark.parametrize("query", ["status=lost", "bogus=1", "perPage=0"])
def test_bad_list_queries_are_422(client: FlaskClient, world: Ready, query: str) -> None:
    response = client.get(f"{URL}?{query}", headers=world.provider.headers)
    assert response.status_code == 422


def test_get_by_uuid_or_urn(client: FlaskClient, world: Ready, issued: Issued) -> None:
    for ref in (issued.id, f"urn:uuid:{issued.id}"):
        response = client.get(f"{URL}/{ref}", headers=world.provider.headers)
        assert response.status_code == 200
        body = response.get_json()
        assert body["document"] == issued.json
        assert [e["purpose"] for e in body["statusEntries"]] == ["revocation", "suspension"]


def test_unknown_and_other_providers_credentials_are_404(
    client: FlaskClient, make: Factory, world: Ready, issued: Issued
) -> None:
    intruder = make.provider()
    for ref, headers in (
        (issued.id, intruder.headers),
        ("00000000-0000-4000-8000-000000000000", world.provider.headers),
        ("not-a-uuid", world.provider.headers),
    ):
        for method, path in (("GET", ""), ("POST", "/revoke"), ("POST", "/unsuspend")):
            body = {"reason": "x"} if path == "/revoke" else None
            response = client.open(f"{URL}/{ref}{path}", method=method, json=body, headers=headers)
            assert response.status_code == 404, (ref, path)
    assert client.get(f"{URL}/{issued.id}", headers=world.provider.headers).status_code == 200


def test_revocation_is_final(client: FlaskClient, world: Ready, issued: Issued) -> None:
    status, body = _post(client, world, f"{issued.id}/revoke", {"reason": " Fraud "})
    assert status == 200
    assert body["status"] == "revoked"
    assert body["revocationReason"] == "Fraud"
    for path, payload, error in (
        ("revoke", {"reason": "again"}, "already_revoked"),
        ("suspend", None, "credential_revoked"),
        ("unsuspend", None, "credential_revoked"),
    ):
        status, body = _post(client, world, f"{issued.id}/{path}", payload)
        assert (status, body["error"]) == (409, error), path


def test_a_suspended_credential_can_be_revoked(
    client: FlaskClient, world: Ready, issued: Issued
) -> None:
    assert _post(client, world, f"{issued.id}/suspend", {"reason": "review"})[0] == 200
    assert _post(client, world, f"{issued.id}/suspend")[1]["error"] == "already_suspended"
    status, body = _post(client, world, f"{issued.id}/revoke", {"reason": "confirmed"})
    assert (status, body["status"]) == (200, "revoked")


def test_unsuspending_what_is_not_suspended_is_409(
    client: FlaskClient, world: Ready, issued: Issued
) -> None:
    status, body = _post(client, world, f"{issued.id}/unsuspend")
    assert (status, body["error"]) == (409, "not_suspended")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "reason"),
        ({}, "reason"),
        ({"reason": "  "}, "reason"),
        ({"reason": "x", "y": 1}, "y"),
    ],
)
def test_revoking_needs_a_reason(
    client: FlaskClient, world: Ready, issued: Issued, body: object, field: str
) -> None:
    status, problem = _post(client, world, f"{issued.id}/revoke", body)
    assert status == 422
    assert problem["field"] == field


def test_status_changes_are_audited(
    app: Flask, client: FlaskClient, world: Ready, issued: Issued
) -> None:
    _post(client, world, f"{issued.id}/suspend", {"reason": "review"})
    _post(client, world, f"{issued.id}/unsuspend")
    _post(client, world, f"{issued.id}/revoke", {"reason": "fraud"})
    events = client.get("/api/v1/audit-events", headers=world.provider.headers).get_json()
    credential_events = [
        (e["action"], e["details"].get("reason"))
        for e in reversed(events["items"])
        if e["targetId"] == issued.id
    ]
    assert credential_events == [
        ("credential.issue", None),
        ("credential.suspend", "review"),
        ("credential.unsuspend", None),
        ("credential.revoke", "fraud"),
    ]
    with app.app_context():
        actors = set(
            db.session.scalars(
                select(AuditEvent.actor).where(
                    AuditEvent.target_id == issued.id, AuditEvent.action != "credential.issue"
                )
            )
        )
    assert actors == {f"api-key:mc_{world.provider.token.split('_')[1]}"}


def test_cli_lists_and_changes_credentials(runner: CliRun, world: Ready, issued: Issued) -> None:
    slug = world.provider.slug
    listed = runner("credentials", "list", "--issuer", slug, "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["id"], r["status"]) for r in rows] == [(issued.id, "valid")]
    assert rows[0]["verification_url"].endswith(f"/v/{issued.short_code}")

    shown = runner("credentials", "show", "--issuer", slug, issued.id)
    assert shown.output.strip() == issued.document

    for args, status in (
        (("suspend", "--reason", "review"), "suspended"),
        (("unsuspend",), "valid"),
        (("revoke", "--reason", "fraud"), "revoked"),
    ):
        result = runner("credentials", args[0], "--issuer", slug, issued.id, *args[1:])
        assert result.exit_code == 0, result.output
        assert f"is now {status}" in result.output
    again = runner("credentials", "revoke", "--issuer", slug, issued.id, "--reason", "again")
    assert again.exit_code == 1
    assert "already revoked" in again.output
    missing = runner("credentials", "revoke", "--issuer", slug, "nope", "--reason", "x")
    assert missing.exit_code == 2
    revoked = runner("credentials", "list", "--issuer", slug, "--status", "revoked")
    assert issued.id in revoked.output
