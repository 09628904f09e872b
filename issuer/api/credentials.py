"""``/api/v1/credentials``: issue, list, fetch, revoke, suspend and unsuspend credentials."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from werkzeug.wrappers import Response

from issuer.api.blueprint import ApiBlueprint, requires_scope
from issuer.api.pagination import paginate
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import IssuedCredential
from issuer.schemas.issuance import (
    CredentialArgsSchema,
    CredentialIssueSchema,
    CredentialPageSchema,
    CredentialSchema,
    RevokeSchema,
    SuspendSchema,
)
from issuer.scopes import ISSUE, REVOKE
from issuer.services import credentials, issuance

blp = ApiBlueprint(
    "credentials",
    __name__,
    write_scope=ISSUE,
    url_prefix="/api/v1/credentials",
    description="Issued Open Badges 3.0 credentials: issue one when the evidence rule is met "
    "(or by override), list and fetch them, revoke, suspend and unsuspend them through "
    "Bitstring Status Lists.",
)


@blp.route("", methods=["POST"])
@idempotent
@blp.arguments(CredentialIssueSchema)
@blp.response(201, CredentialSchema)
@blp.alt_response(409, response="CONFLICT")
def issue_credential(data: dict[str, Any]) -> Response:
    """Issue a micro-certification to a freelancer

    Refused with 422 `evidence_rule_not_met` (listing, per competency, the accepted gig
    projects still missing) unless `override.reason` is given; 409 when the certification
    is retired or the freelancer already holds a valid credential for it. The response
    holds the signed credential (`document`) exactly as stored. Send an
    `Idempotency-Key` so that a retry returns this same credential.
    """
    principal = current_principal()
    credential = issuance.issue_credential(
        principal.issuer_record,
        freelancer_id=data["freelancer_id"],
        certification_id=data["certification_id"],
        suite=data["suite"],
        override_reason=(data.get("override") or {}).get("reason"),
        language=data["language"],
        actor=principal.actor,
    )
    location = url_for(".get_credential", credential_id=credential.id)
    return credential_response(credential, 201, {"Location": location})


@blp.route("", methods=["GET"])
@blp.query_arguments(CredentialArgsSchema)
@blp.response(200, CredentialPageSchema)
def list_credentials(args: dict[str, Any]) -> dict[str, Any]:
    """List issued credentials, newest first

    Filter by `freelancer`, `certification` and `status` (valid, revoked, suspended,
    expired).
    """
    statement = credentials.credentials_query(current_principal().issuer, args)
    return paginate(statement, args)


@blp.route("/<credential_id>", methods=["GET"])
@blp.response(200, CredentialSchema)
def get_credential(credential_id: str) -> Response:
    """Get one issued credential with its signed document"""
    return credential_response(
        credentials.get_credential(current_principal().issuer, credential_id)
    )


_RECORD = CredentialSchema(exclude=("document",))


def credential_response(
    credential: IssuedCredential, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """The CredentialSchema body with ``document`` spliced in as stored: the signed JSON is
    neither parsed nor re-serialised, so the bytes are the issued ones."""
    head = current_app.json.dumps(_RECORD.dump(credential))
    body = head[:-1] + ',"document":' + credential.document + "}"
    response = current_app.response_class(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@blp.route("/<credential_id>/revoke", methods=["POST"])
@requires_scope(REVOKE)
@idempotent
@blp.arguments(RevokeSchema)
@blp.response(200, CredentialSchema)
@blp.alt_response(409, response="CONFLICT")
def revoke_credential(data: dict[str, Any], credential_id: str) -> IssuedCredential:
    """Revoke a credential (final)

    Sets its bit in the provider's revocation status list; verifiers see it at their next
    status check (the list is cached for at most 60 seconds). A suspended credential can be
    revoked; a revoked one cannot be revoked again (409).
    """
    principal = current_principal()
    return credentials.revoke(
        principal.issuer, credential_id, reason=data["reason"], actor=principal.actor
    )


@blp.route("/<credential_id>/suspend", methods=["POST"])
@requires_scope(REVOKE)
@idempotent
@blp.arguments(SuspendSchema, required=False)
@blp.response(200, CredentialSchema)
@blp.alt_response(409, response="CONFLICT")
def suspend_credential(data: dict[str, Any], credential_id: str) -> IssuedCredential:
    """Suspend a credential (reversible)

    Sets its bit in the suspension status list. 409 when it is revoked or suspended already.
    """
    principal = current_principal()
    return credentials.suspend(
        principal.issuer, credential_id, reason=(data or {}).get("reason"), actor=principal.actor
    )


@blp.route("/<credential_id>/unsuspend", methods=["POST"])
@requires_scope(REVOKE)
@idempotent
@blp.response(200, CredentialSchema)
@blp.alt_response(409, response="CONFLICT")
def unsuspend_credential(credential_id: str) -> IssuedCredential:
    """Lift a suspension

    409 when the credential is revoked (revocation is final) or not suspended.
    """
    principal = current_principal()
    return credentials.unsuspend(principal.issuer, credential_id, actor=principal.actor)
