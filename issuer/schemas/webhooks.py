"""``/api/v1/webhooks``: endpoints in and out, the delivery log."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from issuer.schemas.common import BaseSchema, text
from issuer.services.events import EVENT_TYPES

_URL = {
    "description": "An https URL that resolves to public addresses only",
    "example": "https://lms.example.org/hooks/microcred",
}
_EVENTS = {
    "description": "The event types this endpoint receives",
    "example": ["credential.issued", "credential.revoked"],
}


def _events(**kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata=_EVENTS,
        **kwargs,
    )


class WebhookCreateSchema(BaseSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata=_URL)
    events = _events(required=True)
    description = text(200, load_default="", metadata={"example": "LMS sync"})


class WebhookUpdateSchema(BaseSchema):
    url = fields.String(validate=validate.Length(min=1, max=500), metadata=_URL)
    events = _events()
    description = text(200, allow_none=True)
    enabled = fields.Boolean(
        metadata={"description": "false turns the endpoint off; true back on (failures reset)"}
    )


class WebhookSchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"example": "wh_3kq8mz2v7hx4tw1p"})
    url = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    events = fields.List(fields.String(), attribute="event_types", dump_only=True)
    enabled = fields.Boolean(dump_only=True)
    disabled_reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why the endpoint is off (410 Gone, repeated failure, a person)"},
    )
    consecutive_failures = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        metadata={
            "description": "whsec_ + base64: the key of the signatures. Shown only in this "
            "answer; store it now.",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    )


class WebhookListSchema(BaseSchema):
    items = fields.List(fields.Nested(WebhookSchema), dump_only=True)


class WebhookAttemptSchema(BaseSchema):
    attempted_at = fields.DateTime(dump_only=True)
    status_code = fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "null: no answer"}
    )
    response = fields.String(
        dump_only=True, metadata={"description": "The start of the answer, or why none came"}
    )
    duration_ms = fields.Integer(dump_only=True)
    replay = fields.Boolean(dump_only=True)


class WebhookDeliverySchema(BaseSchema):
    id = fields.String(
        dump_only=True, metadata={"description": "The webhook-id header; the same on retries"}
    )
    event_type = fields.String(dump_only=True, metadata={"enum": list(EVENT_TYPES)})
    state = fields.String(dump_only=True, metadata={"enum": ["pending", "delivered", "failed"]})
    attempt_count = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    delivered_at = fields.DateTime(dump_only=True, allow_none=True)
    payload = fields.String(dump_only=True, metadata={"description": "The body as signed"})
    attempts = fields.List(fields.Nested(WebhookAttemptSchema), dump_only=True)


class WebhookDeliveryListSchema(BaseSchema):
    items = fields.List(fields.Nested(WebhookDeliverySchema), dump_only=True)
