"""``/api/v1/micro-certifications``: define what the provider certifies."""

from __future__ import annotations

from typing import Any

from flask import url_for

from issuer.api.blueprint import ApiBlueprint
from issuer.api.pagination import paginate
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import MicroCertification
from issuer.schemas import (
    CertificationCreateSchema,
    CertificationPageSchema,
    CertificationSchema,
    CertificationUpdateSchema,
    PageArgsSchema,
)
from issuer.scopes import MANAGE
from issuer.services import certifications

blp = ApiBlueprint(
    "micro-certifications",
    __name__,
    write_scope=MANAGE,
    url_prefix="/api/v1/micro-certifications",
    description="Micro-certifications: competencies (aligned to skill frameworks), criteria, "
    "validity period and the evidence rule that decides when one can be issued.",
)


@blp.route("", methods=["POST"])
@idempotent
@blp.arguments(CertificationCreateSchema)
@blp.response(201, CertificationSchema)
@blp.alt_response(409, response="CONFLICT")
def create_certification(data: dict[str, Any]) -> tuple[MicroCertification, dict[str, str]]:
    """Create a micro-certification with its competencies"""
    principal = current_principal()
    certification = certifications.create_certification(
        principal.issuer, data, actor=principal.actor
    )
    location = url_for(".get_certification", certification_id=certification.id)
    return certification, {"Location": location}


@blp.route("", methods=["GET"])
@blp.query_arguments(PageArgsSchema)
@blp.response(200, CertificationPageSchema)
def list_certifications(args: dict[str, Any]) -> dict[str, Any]:
    """List micro-certifications (oldest first, retired ones included)"""
    return paginate(certifications.certifications_query(current_principal().issuer), args)


@blp.route("/<certification_id>", methods=["GET"])
@blp.response(200, CertificationSchema)
def get_certification(certification_id: str) -> MicroCertification:
    """Get one micro-certification"""
    return certifications.get_certification(current_principal().issuer, certification_id)


@blp.route("/<certification_id>", methods=["PATCH"])
@idempotent
@blp.arguments(CertificationUpdateSchema)
@blp.response(200, CertificationSchema)
@blp.alt_response(409, response="CONFLICT")
def update_certification(data: dict[str, Any], certification_id: str) -> MicroCertification:
    """Change a micro-certification

    `competencies` replaces the whole list: include the `id` of each competency to keep
    (it is updated in place); entries without an id are added; competencies left out are
    removed, unless gig projects were assessed against them (409).
    """
    principal = current_principal()
    return certifications.update_certification(
        principal.issuer, certification_id, data, actor=principal.actor
    )


@blp.route("/<certification_id>/retire", methods=["POST"])
@idempotent
@blp.response(200, CertificationSchema)
def retire_certification(certification_id: str) -> MicroCertification:
    """Retire a micro-certification

    It stays readable (issued credentials refer to it) but can no longer be issued or
    changed. Retiring a retired certification changes nothing.
    """
    principal = current_principal()
    return certifications.retire_certification(
        principal.issuer, certification_id, actor=principal.actor
    )
