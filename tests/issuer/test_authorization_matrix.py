"""Every /api/v1 endpoint × every kind of caller.

To cover a new endpoint, add one ``Route`` to ``ROUTES``: ``test_route_table_covers_api``
fails until every rule of the app is listed here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.issuer.factories import (
    Factory,
    World,
    certification_payload,
    freelancer_payload,
    project_payload,
)


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    success: int
    body: Callable[[World], Any] | None = None
    query: Callable[[World], str] = field(default=lambda world: "")

    @property
    def has_ids(self) -> bool:
        return "<" in self.rule

    def url(self, world: World) -> str:
        url = (
            self.rule.replace("<certification_id>", world.certification.id)
            .replace("<freelancer_id>", world.freelancer_id)
            .replace("<project_id>", world.project_id)
        )
        query = self.query(world)
        return f"{url}?{query}" if query else url

    def call(self, client: FlaskClient, world: World, headers: dict[str, str]) -> TestResponse:
        kwargs: dict[str, Any] = {"headers": headers}
        if self.body is not None:
            kwargs["json"] = self.body(world)
        return client.open(self.url(world), method=self.method, **kwargs)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


ROUTES = [
    Route("GET", "/api/v1/issuer", 200),
    Route("PATCH", "/api/v1/issuer", 200, body=lambda w: {"description": "Updated."}),
    Route("GET", "/api/v1/audit-events", 200),
    Route("POST", "/api/v1/micro-certifications", 201, body=lambda w: certification_payload()),
    Route("GET", "/api/v1/micro-certifications", 200),
    Route("GET", "/api/v1/micro-certifications/<certification_id>", 200),
    Route(
        "PATCH",
        "/api/v1/micro-certifications/<certification_id>",
        200,
        body=lambda w: {"name": "R"},
    ),
    Route("POST", "/api/v1/micro-certifications/<certification_id>/retire", 200),
    Route(
        "POST",
        "/api/v1/freelancers",
        201,
        body=lambda w: freelancer_payload(email="new@example.com"),
    ),
    Route("GET", "/api/v1/freelancers", 200),
    Route("GET", "/api/v1/freelancers/<freelancer_id>", 200),
    Route("PATCH", "/api/v1/freelancers/<freelancer_id>", 200, body=lambda w: {"name": "R"}),
    Route(
        "POST",
        "/api/v1/freelancers/<freelancer_id>/projects",
        201,
        body=lambda w: project_payload(),
    ),
    Route("GET", "/api/v1/freelancers/<freelancer_id>/projects", 200),
    Route(
        "GET",
        "/api/v1/freelancers/<freelancer_id>/progress",
        200,
        query=lambda w: f"certification={w.certification.id}",
    ),
    Route("GET", "/api/v1/projects/<project_id>", 200),
    Route("PATCH", "/api/v1/projects/<project_id>", 200, body=lambda w: {"title": "Renamed"}),
    Route("DELETE", "/api/v1/projects/<project_id>", 204),
    Route(
        "PUT",
        "/api/v1/projects/<project_id>/assessments",
        200,
        body=lambda w: [{"competencyId": w.certification.competency_ids[0], "outcome": "accepted"}],
    ),
    # --- fl-privacy ---
    Route("DELETE", "/api/v1/freelancers/<freelancer_id>", 204),
    Route("GET", "/api/v1/freelancers/<freelancer_id>/export", 200),
    Route("GET", "/api/v1/issuer/recipient-identity", 200),
    Route(
        "PUT", "/api/v1/issuer/recipient-identity", 200, body=lambda w: {"recipientEmail": "plain"}
    ),
    # --- end fl-privacy ---
]

#: Served without authentication on purpose.
PUBLIC_API_RULES = {
    "/api/v1/openapi.json",
    "/api/v1/docs",
    "/api/v1/verify",  # public verification (verifier.web.api): no API key by design
}


def test_route_table_covers_api(app: Flask) -> None:
    served = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1") and rule.rule not in PUBLIC_API_RULES
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    listed = {(route.method, route.rule) for route in ROUTES}
    assert served == listed, f"add these to ROUTES: {sorted(served - listed)}"


def _assert_401(response: TestResponse, error: str) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="microcred"')
    body = response.get_json()
    assert body["code"] == 401
    assert body["error"] == error
    assert body["description"]


@pytest.fixture
def world(make: Factory) -> World:
    return make.world("owner")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_key_is_401(client: FlaskClient, world: World, route: Route) -> None:
    response = route.call(client, world, {})
    _assert_401(response, "authentication_required")
    assert "error=" not in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize(
    ("header", "error"),
    [
        ("Token abc", "malformed_authorization"),
        ("Bearer", "malformed_authorization"),
        ("Bearer not-an-api-key", "malformed_api_key"),
        ("Bearer mc_aaaaaaaa_" + "b" * 43, "unknown_api_key"),
    ],
    ids=["other-scheme", "no-token", "not-a-key", "unknown-key"],
)
def test_bad_authorization_is_401(
    client: FlaskClient, world: World, route: Route, header: str, error: str
) -> None:
    _assert_401(route.call(client, world, {"Authorization": header}), error)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_revoked_key_is_401(client: FlaskClient, make: Factory, world: World, route: Route) -> None:
    token = make.api_key(world.provider, revoked=True)
    response = route.call(client, world, {"Authorization": f"Bearer {token}"})
    _assert_401(response, "revoked_api_key")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_wrong_secret_for_a_real_prefix_is_401(
    client: FlaskClient, world: World, route: Route
) -> None:
    prefix = world.provider.token.split("_")[1]
    forged = f"mc_{prefix}_{'A' * 43}"
    _assert_401(route.call(client, world, {"Authorization": f"Bearer {forged}"}), "unknown_api_key")


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_another_providers_key_cannot_reach_the_data(
    client: FlaskClient, make: Factory, world: World, route: Route
) -> None:
    other = make.world("intruder")
    response = route.call(client, world, other.provider.headers)
    text = response.get_data(as_text=True)
    if route.has_ids:
        # 404, not 403: the owner's ids must not even be confirmed to exist.
        assert response.status_code == 404, text
        assert response.get_json()["error"] == "not_found"
    else:
        assert response.status_code == route.success, text
    owner_ids = [
        world.provider.did,
        world.certification.id,
        world.freelancer_id,
        world.project_id,
        *world.certification.competency_ids,
    ]
    # An error may repeat the id the caller sent; nothing else of the owner's may show.
    sent = route.url(world) + json.dumps(route.body(world) if route.body else None)
    assert not [i for i in owner_ids if i in text and i not in sent]
    # Nothing the intruder did touched the owner's records.
    check = client.get(f"/api/v1/projects/{world.project_id}", headers=world.provider.headers)
    assert check.status_code == 200


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_right_key_succeeds(client: FlaskClient, world: World, route: Route) -> None:
    response = route.call(client, world, world.provider.headers)
    assert response.status_code == route.success, response.get_data(as_text=True)
    if route.success != 204:
        assert isinstance(json.loads(response.get_data(as_text=True)), dict)


# --- issued credentials and bulk issuance (issuer.api.credentials, issuer.api.bulk) -------


def _owner_credential(client: FlaskClient, world: World, *, suspended: bool = False) -> str:
    """The owner's credential (issued once per test: the Idempotency-Key replays it)."""
    headers = {**world.provider.headers, "Idempotency-Key": "matrix-credential"}
    response = client.post("/api/v1/credentials", json=_issue_body(world), headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    credential_id: str = response.get_json()["id"]
    if suspended:
        headers = {**world.provider.headers, "Idempotency-Key": "matrix-suspend"}
        path = f"/api/v1/credentials/{credential_id}/suspend"
        assert client.post(path, headers=headers).status_code == 200
    return credential_id


def _owner_job(client: FlaskClient, world: World) -> str:
    headers = {**world.provider.headers, "Idempotency-Key": "matrix-bulk"}
    response = client.post("/api/v1/bulk-issuances", json=_bulk_body(world), headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)  # queued
    job_id: str = response.get_json()["id"]
    return job_id


def _issue_body(world: World) -> dict[str, Any]:
    return {
        "freelancerId": world.freelancer_id,
        "certificationId": world.certification.id,
        "override": {"reason": "authorization matrix"},
    }


def _bulk_body(world: World) -> dict[str, Any]:
    return {
        "rows": [
            {
                "freelancerId": world.freelancer_id,
                "certificationId": world.certification.id,
                "overrideReason": "matrix",
            }
        ]
    }


@dataclass(frozen=True)
class OwnedRoute(Route):
    """A route about something the owner issued, which ``call`` creates first with the
    owner's key; or (``names_owner_ids``) whose body names the owner's records, so that
    another provider must get a 404 for it."""

    names_owner_ids: bool = False
    suspended: bool = False

    @property
    def has_ids(self) -> bool:
        return "<" in self.rule or self.names_owner_ids

    def call(self, client: FlaskClient, world: World, headers: dict[str, str]) -> TestResponse:
        url = self.url(world)
        if "<credential_id>" in url:
            credential_id = _owner_credential(client, world, suspended=self.suspended)
            url = url.replace("<credential_id>", credential_id)
        if "<job_id>" in url:
            url = url.replace("<job_id>", _owner_job(client, world))
        kwargs: dict[str, Any] = {"headers": headers}
        if self.body is not None:
            kwargs["json"] = self.body(world)
        return client.open(url, method=self.method, **kwargs)


ROUTES.extend(
    [
        OwnedRoute("POST", "/api/v1/credentials", 201, body=_issue_body, names_owner_ids=True),
        OwnedRoute("GET", "/api/v1/credentials", 200),
        OwnedRoute("GET", "/api/v1/credentials/<credential_id>", 200),
        OwnedRoute(
            "POST",
            "/api/v1/credentials/<credential_id>/revoke",
            200,
            body=lambda w: {"reason": "authorization matrix"},
        ),
        OwnedRoute("POST", "/api/v1/credentials/<credential_id>/suspend", 200),
        OwnedRoute("POST", "/api/v1/credentials/<credential_id>/unsuspend", 200, suspended=True),
        OwnedRoute("POST", "/api/v1/bulk-issuances", 202, body=_bulk_body),
        OwnedRoute("GET", "/api/v1/bulk-issuances/<job_id>", 200),
    ]
)


# --- fl-webhooks: webhook endpoints (issuer.api.webhooks) -------------------------------------

#: A public address as an IP literal: registration vets it without a DNS lookup.
WEBHOOK_URL = "https://93.184.215.14/hooks/matrix"


def _owner_webhook(client: FlaskClient, world: World) -> tuple[str, str]:
    """The owner's endpoint and one logged message of it (no delivery is made here)."""
    from issuer.models import WebhookMessage
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    body = {"url": WEBHOOK_URL, "events": ["credential.issued"]}
    response = client.post("/api/v1/webhooks", json=body, headers=world.provider.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    webhook_id: str = response.get_json()["id"]
    message_id = f"msg_{webhook_id.removeprefix('wh_')}"
    with client.application.app_context(), write_transaction(db.session):
        db.session.add(
            WebhookMessage(
                id=message_id,
                endpoint_id=webhook_id,
                event_type="credential.issued",
                payload="{}",
                state="failed",
                attempt_count=1,
            )
        )
    return webhook_id, message_id


@dataclass(frozen=True)
class WebhookRoute(Route):
    """A route about the owner's webhook endpoint, which ``call`` registers first."""

    def call(self, client: FlaskClient, world: World, headers: dict[str, str]) -> TestResponse:
        url = self.url(world)
        if "<webhook_id>" in url:
            webhook_id, message_id = _owner_webhook(client, world)
            url = url.replace("<webhook_id>", webhook_id).replace("<delivery_id>", message_id)
        kwargs: dict[str, Any] = {"headers": headers}
        if self.body is not None:
            kwargs["json"] = self.body(world)
        return client.open(url, method=self.method, **kwargs)


ROUTES.extend(
    [
        WebhookRoute("GET", "/api/v1/webhooks", 200),
        WebhookRoute(
            "POST",
            "/api/v1/webhooks",
            201,
            body=lambda w: {"url": WEBHOOK_URL, "events": ["credential.revoked"]},
        ),
        WebhookRoute("GET", "/api/v1/webhooks/<webhook_id>", 200),
        WebhookRoute(
            "PATCH", "/api/v1/webhooks/<webhook_id>", 200, body=lambda w: {"description": "R"}
        ),
        WebhookRoute("DELETE", "/api/v1/webhooks/<webhook_id>", 204),
        WebhookRoute("POST", "/api/v1/webhooks/<webhook_id>/rotate-secret", 200),
        WebhookRoute("GET", "/api/v1/webhooks/<webhook_id>/deliveries", 200),
        WebhookRoute("POST", "/api/v1/webhooks/<webhook_id>/deliveries/<delivery_id>/replay", 202),
    ]
)
# --- end fl-webhooks ---
