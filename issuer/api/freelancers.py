"""``/api/v1/freelancers``: recipients, their gig projects and their progress."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for

from issuer.api.blueprint import ApiBlueprint, requires_scope
from issuer.api.pagination import paginate
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import Freelancer, GigProject
from issuer.schemas import (
    FreelancerCreateSchema,
    FreelancerPageSchema,
    FreelancerSchema,
    FreelancerUpdateSchema,
    PageArgsSchema,
    ProgressArgsSchema,
    ProgressSchema,
    ProjectCreateSchema,
    ProjectPageSchema,
    ProjectSchema,
)
from issuer.schemas.privacy import PersonalDataExportSchema  # fl-privacy
from issuer.scopes import ISSUE, MANAGE
from issuer.services import evidence, freelancers, privacy, projects
from issuer.services.evidence import EvidenceEvaluation

blp = ApiBlueprint(
    "freelancers",
    __name__,
    write_scope=ISSUE,
    url_prefix="/api/v1/freelancers",
    description="Freelancers who receive credentials, the gig projects they offer as "
    "evidence, and their progress towards a micro-certification.",
)


@blp.route("", methods=["POST"])
@idempotent
@blp.arguments(FreelancerCreateSchema)
@blp.response(201, FreelancerSchema)
@blp.alt_response(409, response="CONFLICT")
def create_freelancer(data: dict[str, Any]) -> tuple[Freelancer, dict[str, str]]:
    """Add a freelancer"""
    principal = current_principal()
    freelancer = freelancers.create_freelancer(principal.issuer, data, actor=principal.actor)
    return freelancer, {"Location": url_for(".get_freelancer", freelancer_id=freelancer.id)}


@blp.route("", methods=["GET"])
@blp.query_arguments(PageArgsSchema)
@blp.response(200, FreelancerPageSchema)
def list_freelancers(args: dict[str, Any]) -> dict[str, Any]:
    """List freelancers"""
    return paginate(freelancers.freelancers_query(current_principal().issuer), args)


@blp.route("/<freelancer_id>", methods=["GET"])
@blp.response(200, FreelancerSchema)
def get_freelancer(freelancer_id: str) -> Freelancer:
    """Get one freelancer"""
    return freelancers.get_freelancer(current_principal().issuer, freelancer_id)


@blp.route("/<freelancer_id>", methods=["PATCH"])
@idempotent
@blp.arguments(FreelancerUpdateSchema)
@blp.response(200, FreelancerSchema)
@blp.alt_response(409, response="CONFLICT")
def update_freelancer(data: dict[str, Any], freelancer_id: str) -> Freelancer:
    """Change a freelancer's name, email, DID, profile handle or profile visibility"""
    principal = current_principal()
    return freelancers.update_freelancer(
        principal.issuer, freelancer_id, data, actor=principal.actor
    )


@blp.route("/<freelancer_id>/projects", methods=["POST"])
@idempotent
@blp.arguments(ProjectCreateSchema)
@blp.response(201, ProjectSchema)
def create_project(data: dict[str, Any], freelancer_id: str) -> tuple[GigProject, dict[str, str]]:
    """Record a gig project as evidence"""
    principal = current_principal()
    project = projects.create_project(principal.issuer, freelancer_id, data, actor=principal.actor)
    return project, {"Location": url_for("projects.get_project", project_id=project.id)}


@blp.route("/<freelancer_id>/projects", methods=["GET"])
@blp.query_arguments(PageArgsSchema)
@blp.response(200, ProjectPageSchema)
def list_projects(args: dict[str, Any], freelancer_id: str) -> dict[str, Any]:
    """List a freelancer's gig projects with their assessments"""
    freelancer = freelancers.get_freelancer(current_principal().issuer, freelancer_id)
    return paginate(projects.projects_query(freelancer), args)


@blp.route("/<freelancer_id>/progress", methods=["GET"])
@blp.query_arguments(ProgressArgsSchema)
@blp.response(200, ProgressSchema)
def get_progress(args: dict[str, Any], freelancer_id: str) -> EvidenceEvaluation:
    """Evaluate the evidence rule of a micro-certification for a freelancer

    Per competency: accepted projects, how many are required, whether it is met; overall
    whether the rule is met, and in `missing` what is still needed.
    """
    issuer = current_principal().issuer
    return evidence.progress(issuer, freelancer_id, args["certification"])


# --- fl-privacy: deletion and export (issue 14, item 5) -----------------------------------


@blp.route("/<freelancer_id>", methods=["DELETE"])
@requires_scope(MANAGE)
@idempotent
@blp.response(204)
def delete_freelancer(freelancer_id: str) -> Response:
    """Delete a freelancer and erase their personal data

    Their record, gig projects and assessments are removed. Credentials issued to them stay
    on the status lists (the holder's copy still verifies, with its true status, and can
    still be revoked) but this service withdraws its stored copy: `/v/<code>` then asks
    for the holder's file. Needs the `manage` scope. See docs/RECIPIENTS.md, "Privacy".
    """
    principal = current_principal()
    privacy.delete_freelancer(principal.issuer, freelancer_id, actor=principal.actor)
    return Response(status=204)


@blp.route("/<freelancer_id>/export", methods=["GET"])
@blp.response(200, PersonalDataExportSchema)
def export_freelancer(freelancer_id: str) -> dict[str, Any]:
    """Export everything held about a freelancer (JSON)

    The freelancer record, gig projects with assessments, credentials issued (the signed
    documents), audit events naming them and bulk-issuance rows with their address.
    """
    return privacy.export_freelancer(current_principal().issuer, freelancer_id)


# --- end fl-privacy ---
