"""API keys carry scopes and an expiry, and rotate with a grace period; migration 0005 gives
keys made before it every scope and an expiry."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text, update

from issuer.models import ApiKey
from issuer.scopes import ALL_SCOPES, SCOPES
from issuer.services import api_keys, issuers
from microcred.platform import MIGRATIONS_DIR
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, UnprocessableError
from tests.issuer.factories import Factory, Provider

#: The policy, endpoint by endpoint (issuer/scopes.py). A change here is a change for users.
EXPECTED = {
    ("GET", "/api/v1/issuer"): "read",
    ("PATCH", "/api/v1/issuer"): "manage",
    ("GET", "/api/v1/audit-events"): "read",
    ("POST", "/api/v1/micro-certifications"): "manage",
    ("GET", "/api/v1/micro-certifications"): "read",
    ("GET", "/api/v1/micro-certifications/{certification_id}"): "read",
    ("PATCH", "/api/v1/micro-certifications/{certification_id}"): "manage",
    ("POST", "/api/v1/micro-certifications/{certification_id}/retire"): "manage",
    ("POST", "/api/v1/freelancers"): "issue",
    ("GET", "/api/v1/freelancers"): "read",
    ("GET", "/api/v1/freelancers/{freelancer_id}"): "read",
    ("PATCH", "/api/v1/freelancers/{freelancer_id}"): "issue",
    ("POST", "/api/v1/freelancers/{freelancer_id}/projects"): "issue",
    ("GET", "/api/v1/freelancers/{freelancer_id}/projects"): "read",
    ("GET", "/api/v1/freelancers/{freelancer_id}/progress"): "read",
    ("GET", "/api/v1/projects/{project_id}"): "read",
    ("PATCH", "/api/v1/projects/{project_id}"): "issue",
    ("DELETE", "/api/v1/projects/{project_id}"): "issue",
    ("PUT", "/api/v1/projects/{project_id}/assessments"): "issue",
    ("POST", "/api/v1/credentials"): "issue",
    ("GET", "/api/v1/credentials"): "read",
    ("GET", "/api/v1/credentials/{credential_id}"): "read",
    ("POST", "/api/v1/credentials/{credential_id}/revoke"): "revoke",
    ("POST", "/api/v1/credentials/{credential_id}/suspend"): "revoke",
    ("POST", "/api/v1/credentials/{credential_id}/unsuspend"): "revoke",
    ("POST", "/api/v1/bulk-issuances"): "issue",
    ("GET", "/api/v1/bulk-issuances/{job_id}"): "read",
    ("POST", "/credentials/issue"): "issue",
    # --- fl-privacy ---
    ("DELETE", "/api/v1/freelancers/{freelancer_id}"): "manage",
    ("GET", "/api/v1/freelancers/{freelancer_id}/export"): "read",
    ("GET", "/api/v1/issuer/recipient-identity"): "read",
    ("PUT", "/api/v1/issuer/recipient-identity"): "manage",
    # --- end fl-privacy ---
    # --- fl-webhooks: every webhooks operation, reading included ---
    ("GET", "/api/v1/webhooks"): "webhooks",
    ("POST", "/api/v1/webhooks"): "webhooks",
    ("GET", "/api/v1/webhooks/{webhook_id}"): "webhooks",
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): "webhooks",
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): "webhooks",
    ("POST", "/api/v1/webhooks/{webhook_id}/rotate-secret"): "webhooks",
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): "webhooks",
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): "webhooks",
    # --- end fl-webhooks ---
}


def _key(
    app: Flask,
    provider: Provider,
    *,
    scopes: Iterable[str] | None = None,
    lifetime: timedelta | None = api_keys.CONFIGURED,
) -> str:
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(provider.slug)
        new = api_keys.create_api_key(
            issuer, name="scoped", actor="test", scopes=scopes, lifetime=lifetime
        )
        return new.token


def _row(app: Flask, token: str) -> ApiKey:
    with app.app_context():
        row = db.session.scalar(select(ApiKey).where(ApiKey.prefix == token.split("_")[1]))
        db.session.expunge(row)
        return row


def _expire(app: Flask, token: str) -> datetime:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(ApiKey).where(ApiKey.prefix == token.split("_")[1]).values(expires_at=when)
        )
    return when


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _url(path: str) -> str:
    return path.replace("{", "").replace("}", "")  # ids that do not exist: 404 after the scope


# --- the policy -----------------------------------------------------------------------------


def test_the_openapi_document_names_each_operations_scope(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        (method.upper(), path): op["security"][0]["bearerAuth"][0]
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"} and op.get("security")
    }
    assert documented == EXPECTED


@pytest.mark.parametrize(("method", "path"), sorted(EXPECTED))
def test_a_key_without_the_scope_gets_403_naming_it(
    app: Flask, client: FlaskClient, make: Factory, method: str, path: str
) -> None:
    needed = EXPECTED[method, path]
    provider = make.provider()
    lacking = _key(app, provider, scopes=ALL_SCOPES - {needed})
    response = client.open(_url(path), method=method, headers=_bearer(lacking))
    assert response.status_code == 403, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "insufficient_scope"
    assert f"lacks the {needed!r} scope" in body["description"]
    assert f'scope="{needed}"' in response.headers["WWW-Authenticate"]
    holding = _key(app, provider, scopes=[needed])
    allowed = client.open(_url(path), method=method, headers=_bearer(holding))
    assert allowed.status_code != 403
    assert allowed.status_code < 500


def test_a_read_only_key_reads_and_cannot_write(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    reader = _key(app, provider, scopes=["read"])
    assert client.get("/api/v1/issuer", headers=_bearer(reader)).status_code == 200
    refused = client.post("/api/v1/freelancers", json={}, headers=_bearer(reader))
    assert refused.status_code == 403
    assert "(it has: read)" in refused.get_json()["description"]


def test_a_csv_bulk_request_needs_the_issue_scope(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    reader = _key(app, provider, scopes=["read", "revoke"])
    response = client.post(
        "/api/v1/bulk-issuances",
        data="freelancerEmail,certificationId\n",
        content_type="text/csv",
        headers=_bearer(reader),
    )
    assert response.status_code == 403
    assert response.get_json()["error"] == "insufficient_scope"


@pytest.mark.parametrize(("scopes", "field"), [(["read", "admin"], "'admin'"), ([], "at least")])
def test_unknown_or_no_scopes_are_refused(
    app: Flask, make: Factory, scopes: list[str], field: str
) -> None:
    provider = make.provider()
    with pytest.raises(UnprocessableError, match=field):
        _key(app, provider, scopes=scopes)


# --- expiry ---------------------------------------------------------------------------------


def test_new_keys_get_every_scope_and_expire_after_90_days(app: Flask, make: Factory) -> None:
    provider = make.provider()
    row = _row(app, provider.token)
    assert row.scopes.split() == list(SCOPES)
    assert row.expires_at is not None
    assert abs(row.expires_at - (row.created_at + timedelta(days=90))) < timedelta(seconds=5)


@pytest.mark.parametrize(("days", "lifetime"), [("7", timedelta(days=7)), ("0", None)])
def test_the_lifetime_is_configurable(
    make_app: object, make: Factory, days: str, lifetime: timedelta | None
) -> None:
    app = make_app(MICROCRED_API_KEY_LIFETIME_DAYS=int(days))  # type: ignore[operator]
    provider = Factory(app).provider()
    row = _row(app, provider.token)
    if lifetime is None:
        assert row.expires_at is None
    else:
        assert row.expires_at is not None
        assert abs(row.expires_at - (row.created_at + lifetime)) < timedelta(seconds=5)


def test_an_expired_key_gets_401_api_key_expired(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    when = _expire(app, provider.token)
    response = client.get("/api/v1/issuer", headers=provider.headers)
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] == "api_key_expired"
    assert when.isoformat() in body["description"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_key_made_to_never_expire_does_not(app: Flask, make: Factory) -> None:
    provider = make.provider()
    forever = _key(app, provider, lifetime=None)
    assert _row(app, forever).expires_at is None


# --- rotation -------------------------------------------------------------------------------


def test_rotation_keeps_the_old_key_for_the_grace_period_then_refuses_it(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    old = _key(app, provider, scopes=["read", "revoke"])
    with app.app_context(), write_transaction(db.session):
        new = api_keys.rotate_api_key(
            issuers.get_issuer(provider.slug), old.split("_")[1], actor="test"
        ).token
    assert client.get("/api/v1/issuer", headers=_bearer(old)).status_code == 200
    assert client.get("/api/v1/issuer", headers=_bearer(new)).status_code == 200
    old_row, new_row = _row(app, old), _row(app, new)
    assert new_row.scopes == "read revoke"
    assert old_row.replaced_by == new_row.prefix
    assert old_row.expires_at is not None
    assert old_row.expires_at <= datetime.now(UTC) + timedelta(hours=24)
    assert old_row.expires_at > datetime.now(UTC) + timedelta(hours=23)
    _expire(app, old)  # the grace period is over
    refused = client.get("/api/v1/issuer", headers=_bearer(old))
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "api_key_expired"
    assert client.get("/api/v1/issuer", headers=_bearer(new)).status_code == 200


def test_a_rotated_key_cannot_be_rotated_again(app: Flask, make: Factory) -> None:
    provider = make.provider()
    prefix = provider.token.split("_")[1]
    with app.app_context(), write_transaction(db.session):
        api_keys.rotate_api_key(issuers.get_issuer(provider.slug), prefix, actor="test")
    with (
        app.app_context(),
        write_transaction(db.session),
        pytest.raises(ConflictError, match="already rotated"),
    ):
        api_keys.rotate_api_key(issuers.get_issuer(provider.slug), prefix, actor="test")


def test_rotation_never_extends_a_key_about_to_expire(app: Flask, make: Factory) -> None:
    provider = make.provider()
    soon = _key(app, provider, lifetime=timedelta(hours=1))
    before = _row(app, soon).expires_at
    with app.app_context(), write_transaction(db.session):
        api_keys.rotate_api_key(issuers.get_issuer(provider.slug), soon.split("_")[1], actor="t")
    assert _row(app, soon).expires_at == before


def test_the_grace_period_is_configurable(
    make_app: object, client: FlaskClient, make: Factory
) -> None:
    app = make_app(MICROCRED_API_KEY_ROTATION_GRACE_HOURS=0)  # type: ignore[operator]
    provider = Factory(app).provider()
    with app.app_context(), write_transaction(db.session):
        api_keys.rotate_api_key(
            issuers.get_issuer(provider.slug), provider.token.split("_")[1], actor="test"
        )
    assert _row(app, provider.token).revoked_at is not None
    refused = app.test_client().get("/api/v1/issuer", headers=provider.headers)
    assert refused.get_json()["error"] == "revoked_api_key"


# --- migration 0005 -------------------------------------------------------------------------


def test_migration_0005_gives_old_keys_every_scope_and_an_expiry(
    app: Flask, client: FlaskClient
) -> None:
    secret = "s" * 43
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    with app.app_context():
        flask_migrate.downgrade(directory=str(MIGRATIONS_DIR), revision="0004_issuer_identity")
        try:
            assert "scopes" not in {c["name"] for c in inspect(db.engine).get_columns("api_keys")}
            with db.engine.begin() as connection:
                connection.execute(
                    text(
                        "INSERT INTO issuers (id, slug, name, did, did_method, created_at, "
                        "updated_at) VALUES (1, 'old', 'Old', 'did:web:old.example', 'web', "
                        ":now, :now)"
                    ),
                    {"now": now},
                )
                for id_, prefix, revoked in ((1, "live0001", None), (2, "gone0001", now)):
                    connection.execute(
                        text(
                            "INSERT INTO api_keys (id, issuer_id, name, prefix, secret_hash, "
                            "created_at, created_by, revoked_at) VALUES (:id, 1, 'old', "
                            ":prefix, :hash, :now, 'cli', :revoked)"
                        ),
                        {
                            "id": id_,
                            "prefix": prefix,
                            "hash": hashlib.sha256(secret.encode()).hexdigest(),
                            "now": now,
                            "revoked": revoked,
                        },
                    )
        finally:
            flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        live = db.session.scalar(select(ApiKey).where(ApiKey.prefix == "live0001"))
        gone = db.session.scalar(select(ApiKey).where(ApiKey.prefix == "gone0001"))
        assert live.scopes == gone.scopes == "read issue revoke manage"
        assert live.expires_at is not None
        expected = datetime.now(UTC) + timedelta(days=90)
        assert abs(live.expires_at - expected) < timedelta(minutes=1)
        assert gone.expires_at is None
        db.session.remove()
    response = client.get("/api/v1/issuer", headers=_bearer(f"mc_live0001_{secret}"))
    assert response.status_code == 200
    with app.app_context():
        flask_migrate.downgrade(directory=str(MIGRATIONS_DIR), revision="0004_issuer_identity")
        try:
            columns = {c["name"] for c in inspect(db.engine).get_columns("api_keys")}
            assert not columns & {"scopes", "expires_at", "replaced_by"}
            with db.engine.connect() as connection:
                count = connection.execute(text("SELECT count(*) FROM api_keys")).scalar()
            assert count == 2
        finally:
            flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        db.engine.dispose()
