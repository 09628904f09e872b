"""The console's webhook pages (organisation settings, owners only): register an endpoint
and see its secret once, the delivery log after a real delivery to an HTTPS receiver on
loopback, replay (POST with CSRF, audited), the reason an endpoint was turned off."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from issuer.models import AuditEvent, Issuer, WebhookEndpoint
from issuer.services.accounts import find_user
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.console.conftest import Console, Provider
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as ApiProvider
from tests.issuer.issuance_helpers import issue, ready
from tests.issuer.webhook_receiver import HOST, Receiver

SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


@pytest.fixture
def app(make_app: Callable[..., Flask], receiver: Receiver) -> Flask:
    return make_app(MICROCRED_WEBHOOK_FETCHER=receiver.fetcher())


def _api_provider(app: Flask, owner: str) -> ApiProvider:
    with app.app_context():
        user = find_user(owner)
        assert user is not None
        issuer = db.session.get(Issuer, user.memberships[0].issuer_id)
        assert issuer is not None
        return ApiProvider(issuer.id, issuer.slug, issuer.did, "")


def _create(console: Console, **fields: str) -> tuple[int, str]:
    data = {"url": f"https://{HOST}/console", "description": "LMS", **fields}
    response = console.post("/console/webhooks", data)
    return response.status_code, response.get_data(as_text=True)


def test_an_owner_registers_sees_the_log_and_sends_again(
    app: Flask, provider: Provider, receiver: Receiver
) -> None:
    console = provider.console
    page = console.get("/console/webhooks")
    assert page.status_code == 200
    assert "No webhook endpoints yet." in page.get_data(as_text=True)

    status, html = _create(console, events="credential.issued")
    assert status == 201, html
    secret = SECRET.search(html)
    assert secret is not None
    assert "shown only once" in html
    with app.app_context():
        (endpoint,) = db.session.scalars(select(WebhookEndpoint)).all()
        hook_id = endpoint.id
    listed = console.get("/console/webhooks").get_data(as_text=True)
    assert f"https://{HOST}/console" in listed
    assert secret.group(1) not in listed  # never shown again

    make = Factory(app)
    world = ready(make, _api_provider(app, provider.owner))
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    task_queue(app).run_pending()
    (got,) = receiver.received
    payload = Webhook(secret.group(1)).verify(got.body, got.headers)
    assert payload["type"] == "credential.issued"

    detail = console.get(f"/console/webhooks/{hook_id}").get_data(as_text=True)
    message_id = got.headers["webhook-id"]
    assert message_id in detail
    assert "HTTP 200" in detail
    assert "delivered" in detail

    replay = f"/console/webhooks/{hook_id}/deliveries/{message_id}/replay"
    forged = console.post_raw(replay, {})
    assert forged.status_code in (400, 403)
    assert task_queue(app).run_pending() == 0
    sent = console.post(replay)
    assert sent.status_code == 302
    assert task_queue(app).run_pending() == 1
    assert [r.headers["webhook-id"] for r in receiver.received] == [message_id, message_id]
    detail = console.get(f"/console/webhooks/{hook_id}").get_data(as_text=True)
    assert "(sent again)" in detail
    with app.app_context():
        audited = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == message_id)
        ).all()
    assert audited == ["webhook.replay"]


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(
    app: Flask, provider: Provider
) -> None:
    status, html = _create(
        provider.console, url="http://hooks.example/x", events="credential.issued"
    )
    assert status == 422
    assert "must be an https:// URL" in html
    status, html = _create(provider.console, events="credential.exploded")
    assert status == 422
    status, html = _create(provider.console)  # no event chosen
    assert status == 422
    assert "choose at least one event type" in html
    with app.app_context():
        assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_the_reason_an_endpoint_is_off_is_shown_and_it_turns_back_on(
    app: Flask, provider: Provider
) -> None:
    status, _ = _create(provider.console, events="credential.revoked")
    assert status == 201
    with app.app_context(), write_transaction(db.session):
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        endpoint.enabled = False
        endpoint.disabled_reason = "5 messages in a row failed after every retry (last: HTTP 500)"
        hook_id = endpoint.id
    detail = provider.console.get(f"/console/webhooks/{hook_id}").get_data(as_text=True)
    assert "5 messages in a row failed after every retry (last: HTTP 500)" in detail
    listed = provider.console.get("/console/webhooks").get_data(as_text=True)
    assert "5 messages in a row failed" in listed
    saved = provider.console.post(
        f"/console/webhooks/{hook_id}",
        {"url": f"https://{HOST}/console", "events": "credential.revoked", "enabled": "y"},
    )
    assert saved.status_code == 302
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, hook_id)
        assert endpoint is not None
        assert endpoint.enabled
        assert endpoint.disabled_reason is None


def test_rotate_and_delete(app: Flask, provider: Provider) -> None:
    _status, html = _create(provider.console, events="credential.issued")
    first = SECRET.search(html)
    assert first is not None
    with app.app_context():
        hook_id = db.session.scalars(select(WebhookEndpoint.id)).one()
    rotated = provider.console.post(f"/console/webhooks/{hook_id}/rotate")
    assert rotated.status_code == 201
    second = SECRET.search(rotated.get_data(as_text=True))
    assert second is not None
    assert second.group(1) != first.group(1)
    deleted = provider.console.post(f"/console/webhooks/{hook_id}/delete")
    assert deleted.status_code == 302
    assert provider.console.get(f"/console/webhooks/{hook_id}").status_code == 404


def test_only_owners_of_the_organisation_reach_the_pages(
    app: Flask, provider: Provider, sign_up: Callable[..., Provider]
) -> None:
    status, _ = _create(provider.console, events="credential.issued")
    assert status == 201
    with app.app_context():
        hook_id = db.session.scalars(select(WebhookEndpoint.id)).one()
    for role in ("issuer", "viewer"):
        member = Console(app.test_client())
        member.sign_in(provider.members[role])
        assert member.get("/console/webhooks").status_code == 403
        assert member.get(f"/console/webhooks/{hook_id}").status_code == 403
    other = sign_up("globex", name="Globex Learning")
    assert other.console.get(f"/console/webhooks/{hook_id}").status_code == 404
    assert other.console.post(f"/console/webhooks/{hook_id}/delete").status_code == 404
    assert other.console.post(f"/console/webhooks/{hook_id}").status_code == 404
    assert other.console.post(f"/console/webhooks/{hook_id}/rotate").status_code == 404
    replay = f"/console/webhooks/{hook_id}/deliveries/msg_x/replay"
    assert other.console.post(replay).status_code == 404
    assert "No webhook endpoints yet." in other.console.get("/console/webhooks").get_data(
        as_text=True
    )
