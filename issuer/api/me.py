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
from issuer.schemas.privacy import RecipientIdentitySchema  # fl-privacy
from issuer.scopes import MANAGE
from issuer.services import issuers, privacy

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


# --- fl-privacy: how credentials name the recipient's e-mail ------------------------------


@blp.route("/issuer/recipient-identity", methods=["GET"])
@blp.response(200, RecipientIdentitySchema)
def get_recipient_identity() -> Issuer:
    """How new credentials name the recipient's e-mail address

    `hashed` (the default): a salted SHA-256 OB 3.0 IdentityObject, the salt per
    freelancer. `plain`: the address itself (`hashed: false`). A DID, when the freelancer
    has one, is the credential subject's `id` either way.
    """
    return current_principal().issuer


@blp.route("/issuer/recipient-identity", methods=["PUT"])
@idempotent
@blp.arguments(RecipientIdentitySchema)
@blp.response(200, RecipientIdentitySchema)
def set_recipient_identity(data: dict[str, Any]) -> Issuer:
    """Choose how new credentials name the recipient's e-mail address (audited)

    Credentials already issued keep what they were signed with.
    """
    principal = current_principal()
    return privacy.set_recipient_email(
        principal.issuer, data["recipient_email"], actor=principal.actor
    )


# --- end fl-privacy ---
