"""Webhooks end to end: an event becomes a signed POST that a real HTTPS receiver on
loopback gets and checks with the ``standardwebhooks`` reference library (an independent
implementation of the signature); failures are retried with exponential backoff from the
queue; 410 and repeated failure turn the endpoint off; the SSRF guard refuses private
addresses at registration and at delivery; replay; a rolled-back issuance sends nothing;
only the provider's own keys with the ``webhooks`` scope reach its endpoints."""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from issuer.models import AuditEvent, WebhookEndpoint
from issuer.services import api_keys, credentials, issuers, webhooks
from issuer.services.issuance import issue_credential
from microcred.platform.extensions import db
from microcred.platform.queue import TaskQueue, task_queue
from microcred.platform.refusals import UnprocessableError
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider
from tests.issuer.issuance_helpers import issue, ready
from tests.issuer.webhook_receiver import HOST, Receiver

SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


@pytest.fixture
def app(make_app: Callable[..., Flask], receiver: Receiver) -> Flask:
    """The app with the test allowance: its webhook client reaches the receiver on
    loopback (``hooks.example`` is mapped there, the test CA trusted)."""
    return make_app(MICROCRED_WEBHOOK_FETCHER=receiver.fetcher())


def register(
    client: FlaskClient,
    provider: Provider,
    events: list[str],
    *,
    url: str | None = None,
    token: str | None = None,
) -> Any:
    response = client.post(
        "/api/v1/webhooks",
        json={"url": url or f"https://{HOST}/hooks/microcred", "events": events},
        headers={"Authorization": f"Bearer {token or provider.token}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def deliveries(client: FlaskClient, provider: Provider, hook_id: str) -> list[Any]:
    response = client.get(f"/api/v1/webhooks/{hook_id}/deliveries", headers=provider.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    items: list[Any] = response.get_json()["items"]
    return items


def run_retries(queue: TaskQueue) -> list[float]:
    """Run every scheduled retry at its due time, as the consumer's scheduler would, and
    return how long each waited after the try before it."""
    waits = []
    now = datetime.now(UTC).replace(tzinfo=None)
    while scheduled := queue.huey.scheduled():
        due = min(task.eta for task in scheduled)
        waits.append((due - now).total_seconds())
        now = due
        for task in queue.huey.read_schedule(due):
            queue.huey.execute(task, timestamp=task.eta)
    return waits


def _email_of(app: Flask, freelancer_id: str) -> str:
    from issuer.models import Freelancer

    with app.app_context():
        freelancer = db.session.get(Freelancer, freelancer_id)
        assert freelancer is not None
        return freelancer.email


def _key(make: Factory, provider: Provider, scopes: list[str]) -> str:
    with make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        return api_keys.create_api_key(issuer, name="k", actor="t", scopes=scopes).token


# --- the happy path ------------------------------------------------------------------------


def test_an_issued_credential_reaches_the_receiver_signed(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued", "credential.revoked"])
    assert SECRET.fullmatch(hook["secret"])
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert task_queue(app).run_pending() == 2  # the fan-out, then the delivery

    (got,) = receiver.received
    assert got.path == "/hooks/microcred"
    assert got.headers["host"] == HOST
    assert got.headers["content-type"] == "application/json"
    payload = Webhook(hook["secret"]).verify(got.body, got.headers)  # the reference check
    assert payload["type"] == "credential.issued"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", payload["timestamp"])
    data = payload["data"]
    assert data["credentialId"] == issued.id
    assert data["credentialUri"] == issued.json["id"]
    assert data["verifyUrl"] == f"{app.config['MICROCRED_BASE_URL']}/v/{issued.short_code}"
    assert data["certification"]["id"] == world.certification.id
    assert data["status"] == "valid"
    assert data["reason"] is None
    email = _email_of(app, world.freelancer_id)
    assert email not in got.body.decode()  # the freelancer's e-mail, nowhere
    assert "@" not in got.body.decode()
    assert got.headers["webhook-id"].startswith("msg_")
    # Tampered, or checked with another secret: the reference library refuses it.
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(got.body.replace(b"valid", b"VALID"), got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(got.body, got.headers)

    (logged,) = deliveries(client, world.provider, hook["id"])
    assert logged["id"] == got.headers["webhook-id"]
    assert logged["state"] == "delivered"
    assert logged["payload"].encode() == got.body
    (tried,) = logged["attempts"]
    assert tried["statusCode"] == 200
    assert tried["response"] == '{"received": true}'
    assert tried["durationMs"] >= 0
    assert not tried["replay"]

    # Suspension is not subscribed: nothing. Revocation is, with its reason.
    with make.transaction():
        provider = issuers.get_issuer(world.provider.slug)
        credentials.suspend(provider, issued.id, reason="checking", actor="t")
    task_queue(app).run_pending()
    assert len(receiver.received) == 1
    with make.transaction():
        provider = issuers.get_issuer(world.provider.slug)
        credentials.revoke(provider, issued.id, reason="plagiarism", actor="t")
    task_queue(app).run_pending()
    revoked = Webhook(hook["secret"]).verify(
        receiver.received[1].body, receiver.received[1].headers
    )
    assert revoked["type"] == "credential.revoked"
    assert revoked["data"]["status"] == "revoked"
    assert revoked["data"]["reason"] == "plagiarism"


def test_no_task_is_queued_for_a_provider_without_an_endpoint_switched_on(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    """Interest is asked inside the event's transaction: a provider without endpoints (or
    with its endpoints off) costs one query per event, not a queued task."""
    world = ready(make)
    others = [make.freelancer(world.provider) for _ in range(2)]
    cert = world.certification.id
    issue(make, world.provider, world.freelancer_id, cert)
    assert task_queue(app).run_pending() == 0
    hook = register(client, world.provider, ["credential.revoked"])
    off = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"enabled": False}, headers=world.provider.headers
    )
    assert off.status_code == 200
    issue(make, world.provider, others[0], cert, override_reason="test")
    assert task_queue(app).run_pending() == 0
    on = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"enabled": True}, headers=world.provider.headers
    )
    assert on.status_code == 200
    # On again: the fan-out runs (and finds no endpoint for credential.issued: no message).
    issue(make, world.provider, others[1], cert, override_reason="test")
    assert task_queue(app).run_pending() == 1
    assert receiver.received == []


def test_the_secret_is_stored_sealed_and_rotates(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    with app.app_context():
        row = db.session.get(WebhookEndpoint, hook["id"])
        assert row is not None
        assert hook["secret"] not in row.secret
        assert hook["secret"].removeprefix("whsec_") not in row.secret
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.provider.headers)
    assert "secret" not in shown.get_json()

    rotated = client.post(
        f"/api/v1/webhooks/{hook['id']}/rotate-secret", headers=world.provider.headers
    )
    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert SECRET.fullmatch(new_secret)
    assert new_secret != hook["secret"]
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    task_queue(app).run_pending()
    (got,) = receiver.received
    Webhook(new_secret).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["secret"]).verify(got.body, got.headers)


# --- failures: retries with backoff, 410, turning off ---------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_then_delivered(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    receiver.answers = [500, 503, 429, 502]
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    queue = task_queue(app)
    with caplog.at_level(logging.CRITICAL, logger="huey"):
        queue.run_pending()
        waits = run_retries(queue)
    # Huey's schedule for RETRY_DELAY 30 s, RETRY_BACKOFF 2: 30 s, 30 s, then doubling.
    assert [round(w) for w in waits] == [30, 30, 60, 120]
    assert len(receiver.received) == 5
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # one message
    for got in receiver.received:
        Webhook(hook["secret"]).verify(got.body, got.headers)
    (logged,) = deliveries(client, world.provider, hook["id"])
    assert logged["state"] == "delivered"
    assert [a["statusCode"] for a in logged["attempts"]] == [500, 503, 429, 502, 200]
    assert logged["attempts"][0]["response"].startswith("not now: ")
    assert len(logged["attempts"][0]["response"]) <= webhooks.SNIPPET_BYTES
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.provider.headers)
    assert shown.get_json()["consecutiveFailures"] == 0


def test_repeated_failure_turns_the_endpoint_off_with_the_reason(
    make_app: Callable[..., Flask], receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        MICROCRED_WEBHOOK_FETCHER=receiver.fetcher(),
        MICROCRED_WEBHOOK_RETRIES=1,
        MICROCRED_WEBHOOK_DISABLE_AFTER=2,
    )
    client, make = app.test_client(), Factory(app)
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued", "credential.revoked"])
    receiver.answers = [500] * 10
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    with make.transaction():
        provider = issuers.get_issuer(world.provider.slug)
        credentials.revoke(provider, issued.id, reason="error", actor="t")
    queue = task_queue(app)
    with caplog.at_level(logging.CRITICAL, logger="huey"):
        queue.run_pending()
        run_retries(queue)
    assert len(receiver.received) == 4  # two messages, each tried twice
    shown = client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.provider.headers)
    body = shown.get_json()
    assert body["enabled"] is False
    assert (
        "2 messages in a row failed after every retry (last: HTTP 500)" in (body["disabledReason"])
    )
    assert {m["state"] for m in deliveries(client, world.provider, hook["id"])} == {"failed"}
    # Off: the next event writes nothing and sends nothing.
    more = ready(make, world.provider, name="Another skill")
    issue(make, world.provider, more.freelancer_id, more.certification.id)
    queue.run_pending()
    assert len(receiver.received) == 4
    # Turned back on by a person: failures cleared.
    again = client.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"enabled": True}, headers=world.provider.headers
    )
    assert again.get_json()["enabled"] is True
    assert again.get_json()["disabledReason"] is None
    assert again.get_json()["consecutiveFailures"] == 0


def test_410_gone_turns_the_endpoint_off_at_once(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    receiver.answers = [410]
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    queue = task_queue(app)
    queue.run_pending()
    assert queue.huey.scheduled() == []  # no retry
    body = client.get(f"/api/v1/webhooks/{hook['id']}", headers=world.provider.headers).get_json()
    assert body["enabled"] is False
    assert "410 Gone" in body["disabledReason"]


# --- the SSRF guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:127.0.0.1]/hook",
    ],
)
def test_private_and_loopback_endpoints_are_refused_at_registration(
    make_app: Callable[..., Flask], url: str
) -> None:
    app = make_app()  # the production client: no allowance
    client, make = app.test_client(), Factory(app)
    provider = make.provider()
    response = client.post(
        "/api/v1/webhooks",
        json={"url": url, "events": ["credential.issued"]},
        headers=provider.headers,
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["field"] == "url"
    assert "webhooks cannot be sent to" in body["description"]
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_a_name_that_resolves_to_loopback_is_refused_without_the_allowance(
    make_app: Callable[..., Flask], receiver: Receiver
) -> None:
    app = make_app(MICROCRED_WEBHOOK_FETCHER=receiver.fetcher(allow_private=False))
    client, make = app.test_client(), Factory(app)
    provider = make.provider()
    for url in (f"https://{HOST}/hooks", f"http://{HOST}/hooks", "ftp://example.org/x"):
        response = client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["credential.issued"]},
            headers=provider.headers,
        )
        assert response.status_code == 422, url
        assert response.get_json()["field"] == "url"


def test_delivery_is_refused_when_the_name_now_resolves_to_loopback(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    # As after DNS rebinding: the client that delivers has no test allowance any more.
    app.extensions[webhooks.TRANSPORT_KEY] = webhooks.transport_over(
        receiver.fetcher(allow_private=False)
    )
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    with caplog.at_level(logging.CRITICAL, logger="huey"):
        task_queue(app).run_pending()
    assert receiver.received == []
    (logged,) = deliveries(client, world.provider, hook["id"])
    (tried,) = logged["attempts"]
    assert tried["statusCode"] is None
    assert "127.0.0.1" in tried["response"]
    assert logged["state"] == "pending"  # to be tried again by the queue
    assert len(task_queue(app).huey.scheduled()) == 1


# --- replay ---------------------------------------------------------------------------------


def test_a_logged_delivery_is_sent_again_on_request(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    task_queue(app).run_pending()
    (logged,) = deliveries(client, world.provider, hook["id"])
    response = client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{logged['id']}/replay",
        headers=world.provider.headers,
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    assert task_queue(app).run_pending() == 1
    first, again = receiver.received
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert again.body == first.body
    Webhook(hook["secret"]).verify(again.body, again.headers)
    (logged,) = deliveries(client, world.provider, hook["id"])
    assert [a["replay"] for a in logged["attempts"]] == [False, True]
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == logged["id"])
        ).all()
    assert actions == ["webhook.replay"]
    unknown = client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/msg_nope/replay",
        headers=world.provider.headers,
    )
    assert unknown.status_code == 404


# --- nothing after a rollback ---------------------------------------------------------------


def test_a_rolled_back_issuance_sends_nothing(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])

    def issue_then_fail() -> None:
        with make.transaction():
            issue_credential(
                issuers.get_issuer(world.provider.slug),
                freelancer_id=world.freelancer_id,
                certification_id=world.certification.id,
                actor=FACTORY_ACTOR,
            )
            raise RuntimeError("something after the issuance failed")

    with pytest.raises(RuntimeError):
        issue_then_fail()
    assert task_queue(app).run_pending() == 0
    assert receiver.received == []
    assert deliveries(client, world.provider, hook["id"]) == []


# --- who may ---------------------------------------------------------------------------------


def test_another_providers_endpoints_are_unknown(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    owner, other = make.provider(), make.provider()
    hook = register(client, owner, ["credential.issued"])
    base = f"/api/v1/webhooks/{hook['id']}"
    for method, path in (
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("GET", f"{base}/deliveries"),
        ("POST", f"{base}/deliveries/msg_x/replay"),
    ):
        kwargs: dict[str, Any] = {"json": {"description": "x"}} if method == "PATCH" else {}
        response = client.open(path, method=method, headers=other.headers, **kwargs)
        assert response.status_code == 404, (method, path, response.get_data(as_text=True))
    listed = client.get("/api/v1/webhooks", headers=other.headers).get_json()
    assert listed["items"] == []
    still = client.get(base, headers=owner.headers)
    assert still.status_code == 200


def test_a_read_only_key_gets_403_and_a_webhooks_key_gets_in(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    reader = _key(make, provider, ["read", "issue", "revoke", "manage"])
    for method in ("GET", "POST"):
        response = client.open(
            "/api/v1/webhooks",
            method=method,
            headers={"Authorization": f"Bearer {reader}"},
            json={"url": f"https://{HOST}/h", "events": ["credential.issued"]}
            if method == "POST"
            else None,
        )
        assert response.status_code == 403
        assert "lacks the 'webhooks' scope" in response.get_json()["description"]
    holder = _key(make, provider, ["webhooks"])
    hook = register(client, provider, ["credential.issued"], token=holder)
    listed = client.get("/api/v1/webhooks", headers={"Authorization": f"Bearer {holder}"})
    assert [h["id"] for h in listed.get_json()["items"]] == [hook["id"]]


# --- bad input: a clear 422, nothing written --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": f"https://{HOST}/h", "events": ["credential.exploded"]}, "events"),
        ({"url": f"https://{HOST}/h", "events": []}, "events"),
        ({"url": f"https://{HOST}/h"}, "events"),
        ({"events": ["credential.issued"]}, "url"),
        ({"url": "https://" + "a" * 600, "events": ["credential.issued"]}, "url"),
        ({"url": f"https://{HOST}/h", "events": ["credential.issued"], "secret": "x"}, "secret"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(
    app: Flask, client: FlaskClient, make: Factory, body: dict[str, Any], field: str
) -> None:
    provider = make.provider()
    response = client.post("/api/v1/webhooks", json=body, headers=provider.headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in json.dumps(response.get_json())
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_update_and_delete(app: Flask, client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    hook = register(client, provider, ["credential.issued"])
    path = f"/api/v1/webhooks/{hook['id']}"
    changed = client.patch(
        path,
        json={"events": ["credential.revoked", "evidence.submitted"], "description": "LMS"},
        headers=provider.headers,
    )
    assert changed.status_code == 200
    assert changed.get_json()["events"] == ["credential.revoked", "evidence.submitted"]
    refused = client.patch(path, json={"url": f"http://{HOST}/x"}, headers=provider.headers)
    assert refused.status_code == 422
    assert refused.get_json()["field"] == "url"
    assert client.delete(path, headers=provider.headers).status_code == 204
    assert client.get(path, headers=provider.headers).status_code == 404


def test_the_documented_hand_check_accepts_a_real_delivery(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    """docs/RECIPIENTS.md's standard-library snippet, run as written."""
    text = (Path(__file__).parents[2] / "docs" / "RECIPIENTS.md").read_text()
    (snippet,) = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def verify" in b]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "RECIPIENTS.md", "exec"), namespace)  # noqa: S102 - our own docs
    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    task_queue(app).run_pending()
    (got,) = receiver.received
    assert namespace["verify"](hook["secret"], got.headers, got.body)["type"] == (
        "credential.issued"
    )
    with pytest.raises(ValueError, match="no valid signature"):
        namespace["verify"](hook["secret"], got.headers, got.body + b" ")


# --- properties: signing agrees with the reference; event lists parse or are refused ------


@settings(max_examples=200, deadline=None)
@given(
    body=st.text(max_size=300),
    message_id=st.from_regex(r"msg_[a-z2-7]{16}", fullmatch=True),
    timestamp=st.integers(min_value=0, max_value=2**33),
    key=st.binary(min_size=24, max_size=64),
)
def test_signatures_match_the_reference_library(
    body: str, message_id: str, timestamp: int, key: bytes
) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    ours = webhooks.signature(secret, message_id, timestamp, body.encode())
    reference = Webhook(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)
    assert ours == reference


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(webhooks.EVENT_TYPES), st.text(max_size=30))))
def test_event_lists_are_kept_in_order_or_refused_naming_the_field(values: list[str]) -> None:
    known = set(values) <= set(webhooks.EVENT_TYPES)
    if known and values:
        stored = webhooks.checked_events(values)
        assert stored.split() == [t for t in webhooks.EVENT_TYPES if t in set(values)]
    else:
        with pytest.raises(UnprocessableError) as refused:
            webhooks.checked_events(values)
        assert refused.value.field == "events"


def test_erasing_a_freelancer_forgets_the_messages_about_their_credentials(
    app: Flask, client: FlaskClient, make: Factory, receiver: Receiver
) -> None:
    from issuer.services import privacy

    world = ready(make)
    hook = register(client, world.provider, ["credential.issued"])
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    other = ready(make, world.provider, name="Kept skill")
    issue(make, world.provider, other.freelancer_id, other.certification.id)
    task_queue(app).run_pending()
    assert len(deliveries(client, world.provider, hook["id"])) == 2
    with app.app_context():
        privacy.erase_person(_email_of(app, world.freelancer_id), actor="t")
    (kept,) = deliveries(client, world.provider, hook["id"])  # the other freelancer's
    assert json.loads(kept["payload"])["data"]["certification"]["id"] == other.certification.id
    assert len(receiver.received) == 2
