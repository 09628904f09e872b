"""Schemas of issued credentials and bulk issuance jobs (camelCase, strict input)."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app
from marshmallow import fields, validate

from credentials.proofs import JCS, RDFC
from issuer.models import IssuedCredential
from issuer.schemas.common import (
    BaseSchema,
    PageArgsSchema,
    page_field,
    page_schema,
    required_text,
    text,
)
from issuer.services.bulk import item_outcome
from issuer.services.credentials import STATUSES, credential_status, status_entries
from issuer.services.issuance import MAX_OVERRIDE_REASON, verification_url
from microcred.platform.i18n import DEFAULT_LANGUAGE, LANGUAGES

SUITES = (RDFC, JCS)


def _suite(**kwargs: Any) -> fields.String:
    kwargs.setdefault("metadata", {"description": "Data Integrity cryptosuite of the proof"})
    return fields.String(validate=validate.OneOf(SUITES), **kwargs)


# --- input -----------------------------------------------------------------------------------


class OverrideSchema(BaseSchema):
    reason = required_text(
        MAX_OVERRIDE_REASON,
        metadata={
            "description": "Why the credential is issued although the evidence rule "
            "is not met (recorded with who decided)"
        },
    )


class CredentialIssueSchema(BaseSchema):
    freelancer_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"example": "frl_5xq3m2hd7k4a9p2w"},
    )
    certification_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"example": "cert_3kq8mz2v7hx4tw1p"},
    )
    suite = _suite(load_default=RDFC)
    override = fields.Nested(OverrideSchema)
    language = fields.String(
        load_default=None,
        validate=validate.OneOf(list(LANGUAGES)),
        metadata={
            "description": "The language of its PDF certificate's own words and dates "
            "(what the provider and the freelancer wrote is printed as written). "
            "Default: en.",
            "example": "es",
        },
    )


class RevokeSchema(BaseSchema):
    reason = required_text(500, metadata={"example": "Issued to the wrong freelancer"})


class SuspendSchema(BaseSchema):
    reason = text(500, allow_none=True, metadata={"example": "Evidence under review"})


class CredentialArgsSchema(PageArgsSchema):
    freelancer = fields.String(metadata={"description": "Only this freelancer's credentials"})
    certification = fields.String(metadata={"description": "Only this micro-certification"})
    status = fields.String(validate=validate.OneOf(STATUSES))


# --- output ----------------------------------------------------------------------------------


def _base() -> str:
    return str(current_app.config["MICROCRED_BASE_URL"])


def _verification_url(credential: IssuedCredential) -> str:
    return verification_url(_base(), credential.short_code)


def _override(credential: IssuedCredential) -> dict[str, str] | None:
    if credential.override_reason is None:
        return None
    return {"reason": credential.override_reason, "by": credential.override_by or ""}


def _links(credential: IssuedCredential) -> dict[str, str]:
    base = f"{_base()}/credentials/{credential.id}"
    return {
        "json": f"{base}.json",
        "pdf": f"{base}.pdf",
        "badgePng": f"{base}/badge.png",
        "badgeSvg": f"{base}/badge.svg",
    }


class OverrideOutSchema(BaseSchema):
    reason = fields.String(dump_only=True)
    by = fields.String(dump_only=True)


class StatusEntrySchema(BaseSchema):
    purpose = fields.String(dump_only=True, metadata={"enum": ["revocation", "suspension"]})
    list = fields.String(dump_only=True, metadata={"description": "Status list credential URL"})
    index = fields.String(dump_only=True)


class CredentialSummarySchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"format": "uuid"})
    credential_id = fields.String(
        dump_only=True, metadata={"description": "The credential's JSON id (urn:uuid:…)"}
    )
    short_code = fields.String(dump_only=True)
    verification_url = fields.Function(
        _verification_url,
        dump_only=True,
        metadata={"type": "string", "format": "uri", "description": "What the QR code opens"},
    )
    status = fields.Function(
        credential_status, dump_only=True, metadata={"type": "string", "enum": list(STATUSES)}
    )
    suite = fields.String(dump_only=True)
    freelancer_id = fields.String(dump_only=True, allow_none=True)
    certification_id = fields.String(dump_only=True, allow_none=True)
    issued_at = fields.DateTime(dump_only=True)
    issued_by = fields.String(dump_only=True)
    valid_from = fields.DateTime(dump_only=True)
    valid_until = fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    revocation_reason = fields.String(dump_only=True, allow_none=True)
    suspended_at = fields.DateTime(dump_only=True, allow_none=True)
    override = fields.Function(
        _override,
        dump_only=True,
        metadata={"type": ["object", "null"], "description": "Set when issued by override"},
    )
    language = fields.Function(
        lambda credential: credential.language or DEFAULT_LANGUAGE,
        dump_only=True,
        metadata={
            "type": "string",
            "enum": list(LANGUAGES),
            "description": "The language of its PDF certificate",
        },
    )
    links = fields.Function(
        _links,
        dump_only=True,
        metadata={"type": "object", "description": "The credential as JSON, PDF and badges"},
    )


class CredentialSchema(CredentialSummarySchema):
    status_entries = fields.Function(
        status_entries,
        dump_only=True,
        metadata={"type": "array", "description": "Its Bitstring Status List entries"},
    )
    document = fields.Function(
        lambda credential: json.loads(credential.document),
        dump_only=True,
        metadata={
            "type": ["object", "null"],
            "description": "The signed credential exactly as issued; null once the "
            "recipient's personal data was erased (the holder keeps the signed file)",
        },
    )
    # --- fl-privacy ---
    erased_at = fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When the recipient's personal data was erased"},
    )
    # --- end fl-privacy ---


CredentialPageSchema = page_schema(CredentialSummarySchema, "CredentialPage")


# --- bulk ------------------------------------------------------------------------------------


class BulkRowSchema(BaseSchema):
    freelancer_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    freelancer_email = fields.String(allow_none=True, validate=validate.Length(max=254))
    freelancer_handle = fields.String(allow_none=True, validate=validate.Length(max=40))
    certification_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    suite = fields.String(allow_none=True, validate=validate.Length(max=32))
    override_reason = fields.String(allow_none=True, validate=validate.Length(max=2000))
    language = fields.String(allow_none=True, validate=validate.Length(max=8))


class BulkRequestSchema(BaseSchema):
    rows = fields.List(
        fields.Nested(BulkRowSchema),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "One object per credential to issue"},
    )
    suite = _suite(metadata={"description": "Suite for rows that name none"})


class BulkArgsSchema(BaseSchema):
    page = page_field()
    per_page = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=1000))


class RowErrorSchema(BaseSchema):
    column = fields.String(dump_only=True)
    error = fields.String(dump_only=True)
    message = fields.String(dump_only=True)


class BulkItemSchema(BaseSchema):
    row = fields.Integer(
        attribute="row_number", dump_only=True, metadata={"description": "1 = first data row"}
    )
    outcome = fields.Function(
        item_outcome,
        dump_only=True,
        metadata={"type": "string", "enum": ["issued", "already_issued", "error", "pending"]},
    )
    credential_id = fields.String(dump_only=True, allow_none=True)
    error = fields.Nested(RowErrorSchema, dump_only=True, allow_none=True)
    input = fields.Dict(attribute="payload", dump_only=True)


class BulkCountsSchema(BaseSchema):
    issued = fields.Integer(dump_only=True)
    already_issued = fields.Integer(dump_only=True)
    failed = fields.Integer(dump_only=True)
    pending = fields.Integer(dump_only=True)


class BulkProgressSchema(BaseSchema):
    done = fields.Integer(dump_only=True, metadata={"description": "Rows issued or already issued"})
    failed = fields.Integer(dump_only=True, metadata={"description": "Rows refused"})
    total = fields.Integer(dump_only=True)


class BulkPaginationSchema(BaseSchema):
    page = fields.Integer(dump_only=True)
    per_page = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)


class BulkJobSchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"example": "bulk_7m2q4x8kd3a6c1zt"})
    state = fields.String(
        dump_only=True, metadata={"enum": ["pending", "running", "completed", "failed"]}
    )
    resumed = fields.Boolean(dump_only=True, metadata={"description": "An earlier job resumed"})
    source_format = fields.String(dump_only=True)
    source_name = fields.String(dump_only=True, allow_none=True)
    total_rows = fields.Integer(dump_only=True)
    counts = fields.Nested(BulkCountsSchema, dump_only=True)
    progress = fields.Nested(BulkProgressSchema, dump_only=True)
    created_by = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    items = fields.List(fields.Nested(BulkItemSchema), dump_only=True)
    pagination = fields.Nested(BulkPaginationSchema, dump_only=True)


__all__ = [
    "BulkArgsSchema",
    "BulkJobSchema",
    "BulkRequestSchema",
    "CredentialArgsSchema",
    "CredentialIssueSchema",
    "CredentialPageSchema",
    "CredentialSchema",
    "CredentialSummarySchema",
    "RevokeSchema",
    "SuspendSchema",
]
