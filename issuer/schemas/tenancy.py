"""Schemas of the authenticated training provider and of the audit log."""

from __future__ import annotations

from flask import current_app
from marshmallow import fields, validate

from credentials.documents.certificate_model import LAYOUTS
from issuer.models import Issuer
from issuer.schemas.common import (
    BaseSchema,
    NonEmptyUpdateSchema,
    color_field,
    image_field,
    page_field,
    page_schema,
    text,
    web_url,
)


def did_document_url(issuer: Issuer) -> str | None:
    if issuer.did_method != "web":
        return None
    return f"{current_app.config['MICROCRED_BASE_URL']}/issuers/{issuer.slug}/did.json"


def active_verification_method(issuer: Issuer) -> str | None:
    active = next((k for k in issuer.signing_keys if k.is_active), None)
    return active.verification_method if active else None


class BrandingSchema(BaseSchema):
    """How certificates and badge pages present the provider."""

    logo_image = image_field(allow_none=True)
    primary_color = color_field(allow_none=True, metadata={"example": "#1f4e79"})
    accent_color = color_field(allow_none=True, metadata={"example": "#f2a900"})
    signatory_name = text(200, allow_none=True)
    signatory_title = text(200, allow_none=True)
    signature_image = image_field(
        allow_none=True,
        metadata={"description": "The signatory's signature: a PNG/SVG data: URI (no URL)"},
    )
    certificate_layout = fields.String(
        allow_none=True,
        validate=validate.OneOf(LAYOUTS),
        metadata={"description": "The PDF certificate's layout; null: classic"},
    )


class IssuerSchema(BaseSchema):
    slug = fields.String(dump_only=True, metadata={"example": "northwind-skills"})
    name = fields.String(dump_only=True)
    url = fields.String(dump_only=True, allow_none=True)
    email = fields.String(dump_only=True, allow_none=True)
    description = fields.String(dump_only=True, allow_none=True)
    did = fields.String(dump_only=True)
    did_method = fields.String(dump_only=True, metadata={"enum": ["web", "key"]})
    did_document_url = fields.Function(
        did_document_url, dump_only=True, metadata={"type": ["string", "null"], "format": "uri"}
    )
    verification_method = fields.Function(
        active_verification_method,
        dump_only=True,
        metadata={"type": ["string", "null"], "description": "Signs new credentials"},
    )
    branding = fields.Nested(BrandingSchema, dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class IssuerUpdateSchema(NonEmptyUpdateSchema):
    name = text(200)
    url = web_url(allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    description = text(10_000, allow_none=True)
    branding = fields.Nested(BrandingSchema)


class AuditEventSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    actor = fields.String(dump_only=True, metadata={"example": "api-key:mc_ab12cd34"})
    action = fields.String(dump_only=True, metadata={"example": "certification.create"})
    target_type = fields.String(dump_only=True)
    target_id = fields.String(dump_only=True, allow_none=True)
    details = fields.Dict(dump_only=True)
    at = fields.DateTime(dump_only=True)


class AuditArgsSchema(BaseSchema):
    page = page_field()
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    action = fields.String(metadata={"description": "Only events with this action"})


AuditEventPageSchema = page_schema(AuditEventSchema, "AuditEventPage")
