"""``/api/v1/projects``: one gig project, and the provider's assessment of it."""

from __future__ import annotations

from typing import Any

from flask import Response

from issuer.api.blueprint import ApiBlueprint
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import GigProject
from issuer.schemas import AssessmentInSchema, ProjectSchema, ProjectUpdateSchema
from issuer.scopes import ISSUE
from issuer.services import projects

blp = ApiBlueprint(
    "projects",
    __name__,
    write_scope=ISSUE,
    url_prefix="/api/v1/projects",
    description="Gig projects and which competencies each one demonstrates.",
)


@blp.route("/<project_id>", methods=["GET"])
@blp.response(200, ProjectSchema)
def get_project(project_id: str) -> GigProject:
    """Get one gig project with its assessments"""
    return projects.get_project(current_principal().issuer, project_id)


@blp.route("/<project_id>", methods=["PATCH"])
@idempotent
@blp.arguments(ProjectUpdateSchema)
@blp.response(200, ProjectSchema)
def update_project(data: dict[str, Any], project_id: str) -> GigProject:
    """Change a gig project"""
    principal = current_principal()
    return projects.update_project(principal.issuer, project_id, data, actor=principal.actor)


@blp.route("/<project_id>", methods=["DELETE"])
@idempotent
@blp.response(204)
@blp.alt_response(409, response="CONFLICT")
def delete_project(project_id: str) -> Response:
    """Delete a gig project

    Refused (409) while the project is evidence for an issued credential.
    """
    principal = current_principal()
    projects.delete_project(principal.issuer, project_id, actor=principal.actor)
    return Response(status=204)


@blp.route("/<project_id>/assessments", methods=["PUT"])
@idempotent
@blp.arguments(AssessmentInSchema(many=True))
@blp.response(200, ProjectSchema)
def put_assessments(items: list[dict[str, Any]], project_id: str) -> GigProject:
    """Set which competencies the project demonstrates

    The body lists every assessment of the project (it replaces the previous ones): for
    each competency, `accepted` or `rejected`, with an optional reviewer note. Competencies
    must belong to one of your micro-certifications.
    """
    principal = current_principal()
    return projects.set_assessments(
        principal.issuer,
        project_id,
        items,
        reviewer=principal.api_key_name,
        actor=principal.actor,
    )
