"""The calling training provider: ``/api/v1/issuer`` and its audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from issuer.api.blueprint import ApiBlueprint
from issuer.api.pagination import paginate
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import AuditEvent, Issuer
from issuer.schemas import (
    AuditArgsSchema,
    AuditEventPageSchema,
    IssuerSchema,
    IssuerUpdateSchema,
)
from issuer.scopes import MANAGE
from issuer.services import issuers

blp = ApiBlueprint(
    "issuer",
    __name__,
    write_scope=MANAGE,
    url_prefix="/api/v1",
    description="The training provider the API key belongs to, and its audit log.",
)


@blp.route("/issuer", methods=["GET"])
@blp.response(200, IssuerSchema)
def get_issuer() -> Issuer:
    """The calling training provider

    Its DID, the verification method that signs new credentials, and its branding.
    """
    return current_principal().issuer


@blp.route("/issuer", methods=["PATCH"])
@idempotent
@blp.arguments(IssuerUpdateSchema)
@blp.response(200, IssuerSchema)
def update_issuer(data: dict[str, Any]) -> Issuer:
    """Update the provider's profile and branding"""
    principal = current_principal()
    changes = {**data.pop("branding", {}), **data}
    return issuers.update_profile(principal.issuer, changes, actor=principal.actor)


@blp.route("/audit-events", methods=["GET"])
@blp.query_arguments(AuditArgsSchema)
@blp.response(200, AuditEventPageSchema)
def list_audit_events(args: dict[str, Any]) -> dict[str, Any]:
    """The provider's audit log, newest first

    Who created, changed, retired, revoked or rotated what, and when.
    """
    statement = select(AuditEvent).where(AuditEvent.issuer_id == current_principal().issuer_id)
    if "action" in args:
        statement = statement.where(AuditEvent.action == args["action"])
    return paginate(statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), args)
