"""``/api/v1/webhooks``: the provider's webhook endpoints, their delivery log and replay.

Every operation needs the ``webhooks`` scope, reading included. Changing, deleting and
replaying are ``@idempotent``; registering and rotating are not: their answer carries the
signing secret, which must not be kept in clear in the idempotency records (a client that
lost the answer rotates the secret). Registering resolves the URL's host name before the
write transaction opens (``issuer.services.webhooks.checked_url``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from issuer.api.blueprint import ApiBlueprint, requires_scope
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import WebhookEndpoint, WebhookMessage
from issuer.schemas.webhooks import (
    WebhookCreateSchema,
    WebhookDeliveryListSchema,
    WebhookDeliverySchema,
    WebhookListSchema,
    WebhookSchema,
    WebhookUpdateSchema,
    WebhookWithSecretSchema,
)
from issuer.scopes import WEBHOOKS
from issuer.services import webhooks
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db

blp = ApiBlueprint(
    "webhooks",
    __name__,
    write_scope=WEBHOOKS,
    url_prefix="/api/v1/webhooks",
    description="HTTPS endpoints told of credential and evidence events, signed per "
    "Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), retried with "
    "backoff, logged, and sent again on request.",
)


def _with_secret(new: webhooks.NewSecret) -> dict[str, Any]:
    out = WebhookSchema().dump(new.endpoint)
    out["secret"] = new.secret
    return out


@blp.route("", methods=["GET"])
@requires_scope(WEBHOOKS)
@blp.response(200, WebhookListSchema)
def list_webhooks() -> dict[str, Any]:
    """List webhook endpoints"""
    return {"items": webhooks.list_endpoints(current_principal().issuer)}


@blp.route("", methods=["POST"])
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookWithSecretSchema)
@blp.alt_response(409, response="CONFLICT")
def create_webhook(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Register a webhook endpoint

    The URL must be https and resolve to public addresses only. The answer holds the
    signing secret (`whsec_…`); it is not shown again (rotate it to get a new one).
    """
    principal = current_principal()
    url = webhooks.checked_url(data["url"])
    with write_transaction(db.session):
        new = webhooks.create_endpoint(
            principal.issuer,
            url=url,
            event_types=data["events"],
            description=data.get("description") or "",
            actor=principal.actor,
        )
        body = _with_secret(new)
    return body, 201, {"Location": url_for(".get_webhook", webhook_id=body["id"])}


@blp.route("/<webhook_id>", methods=["GET"])
@requires_scope(WEBHOOKS)
@blp.response(200, WebhookSchema)
def get_webhook(webhook_id: str) -> WebhookEndpoint:
    """Get one webhook endpoint"""
    return webhooks.get_endpoint(current_principal().issuer, webhook_id)


@blp.route("/<webhook_id>", methods=["PATCH"])
@idempotent
@blp.arguments(WebhookUpdateSchema)
@blp.response(200, WebhookSchema)
def update_webhook(data: dict[str, Any], webhook_id: str) -> WebhookEndpoint:
    """Change a webhook endpoint

    Its URL (checked as when registering), events, description, or whether it is on.
    """
    principal = current_principal()
    webhooks.get_endpoint(principal.issuer, webhook_id)  # 404 before resolving a URL
    if "url" in data:
        data["url"] = webhooks.checked_url(data["url"])
    return webhooks.update_endpoint(principal.issuer, webhook_id, data, actor=principal.actor)


@blp.route("/<webhook_id>", methods=["DELETE"])
@idempotent
@blp.response(204)
def delete_webhook(webhook_id: str) -> Response:
    """Delete a webhook endpoint and its delivery log"""
    principal = current_principal()
    webhooks.delete_endpoint(principal.issuer, webhook_id, actor=principal.actor)
    return Response(status=204)


@blp.route("/<webhook_id>/rotate-secret", methods=["POST"])
@blp.response(200, WebhookWithSecretSchema)
def rotate_webhook_secret(webhook_id: str) -> dict[str, Any]:
    """Give the endpoint a new signing secret

    The old secret stops signing at once. The answer holds the new one, shown only here.
    """
    principal = current_principal()
    with write_transaction(db.session):
        new = webhooks.rotate_secret(principal.issuer, webhook_id, actor=principal.actor)
        return _with_secret(new)


@blp.route("/<webhook_id>/deliveries", methods=["GET"])
@requires_scope(WEBHOOKS)
@blp.response(200, WebhookDeliveryListSchema)
def list_deliveries(webhook_id: str) -> dict[str, Any]:
    """The endpoint's delivery log

    The latest messages, newest first, each with every attempt (status, the start of the
    answer, duration).
    """
    endpoint = webhooks.get_endpoint(current_principal().issuer, webhook_id)
    return {"items": webhooks.messages_of(endpoint)}


@blp.route("/<webhook_id>/deliveries/<delivery_id>/replay", methods=["POST"])
@idempotent
@blp.response(202, WebhookDeliverySchema)
@blp.alt_response(409, response="CONFLICT")
def replay_delivery(webhook_id: str, delivery_id: str) -> WebhookMessage:
    """Send a logged message again

    The same webhook-id and body, a new timestamp and signature; one attempt, logged. With
    an `Idempotency-Key`, a repeated request is answered without sending again.
    """
    principal = current_principal()
    message = webhooks.replay(principal.issuer, webhook_id, delivery_id, actor=principal.actor)
    webhooks.queue_replay(message.id)  # the message exists already; the audit commits next
    return message
