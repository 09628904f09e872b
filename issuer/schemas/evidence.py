"""Schemas of freelancers, gig projects, assessments and evidence-rule progress."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from issuer.models import OUTCOMES, PLATFORMS, Freelancer
from issuer.schemas.common import (
    BaseSchema,
    NonEmptyUpdateSchema,
    did_field,
    handle_field,
    page_schema,
    required_text,
    text,
    web_url,
)


def profile_url(freelancer: Freelancer) -> str | None:
    if not freelancer.handle or not freelancer.profile_public:
        return None
    return f"{current_app.config['MICROCRED_BASE_URL']}/p/{freelancer.handle}"


class FreelancerCreateSchema(BaseSchema):
    name = required_text(200, metadata={"example": "Amara Okafor"})
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        metadata={"description": "For contact; credentials carry only a salted hash of it"},
    )
    did = did_field(allow_none=True, metadata={"description": "Credentials name this DID if set"})
    handle = handle_field(
        allow_none=True, metadata={"description": "Public profile at /p/<handle>"}
    )
    profile_public = fields.Boolean(load_default=False)


class FreelancerUpdateSchema(NonEmptyUpdateSchema):
    name = text(200)
    email = fields.Email(validate=validate.Length(max=254))
    did = did_field(allow_none=True)
    handle = handle_field(allow_none=True)
    profile_public = fields.Boolean()


class FreelancerSchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"example": "frl_5xq3m2hd7k4a9p2w"})
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    did = fields.String(dump_only=True, allow_none=True)
    handle = fields.String(dump_only=True, allow_none=True)
    profile_public = fields.Boolean(dump_only=True)
    profile_url = fields.Function(
        profile_url,
        dump_only=True,
        metadata={"type": ["string", "null"], "format": "uri", "description": "When public"},
    )
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


FreelancerPageSchema = page_schema(FreelancerSchema, "FreelancerPage")


# --- gig projects -------------------------------------------------------------------------


def client_rating_field(**metadata: Any) -> fields.Decimal:
    """A client's 0-5 rating with one decimal, as gig platforms show it (or null)."""
    return fields.Decimal(
        places=1,
        allow_none=True,
        allow_nan=False,
        validate=validate.Range(min=0, max=5),
        # The Decimal field's own document is wrong: "null" twice in its type and its
        # bounds as strings ("5.0"), which JSON Schema refuses; state them as numbers.
        metadata={"type": "number", "minimum": 0, "maximum": 5, **metadata},
    )


def _check_dates(data: Mapping[str, Any]) -> None:
    started, finished = data.get("started_on"), data.get("finished_on")
    if started and finished and finished < started:
        raise ma.ValidationError("Must not be before startedOn.", "finishedOn")


class ProjectCreateSchema(BaseSchema):
    platform = fields.String(required=True, validate=validate.OneOf(PLATFORMS))
    title = required_text(200, metadata={"example": "Payments webhook API for a Shopify store"})
    url = web_url(allow_none=True, metadata={"description": "The gig on the platform"})
    client_name = text(200, allow_none=True)
    started_on = fields.Date(allow_none=True)
    finished_on = fields.Date(allow_none=True)
    deliverables = text(10_000, allow_none=True)
    client_rating = client_rating_field(example=4.9)
    client_feedback = text(10_000, allow_none=True)

    @ma.validates_schema(skip_on_field_errors=False)
    def _dates(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _check_dates(data)


class ProjectUpdateSchema(NonEmptyUpdateSchema):
    platform = fields.String(validate=validate.OneOf(PLATFORMS))
    title = text(200)
    url = web_url(allow_none=True)
    client_name = text(200, allow_none=True)
    started_on = fields.Date(allow_none=True)
    finished_on = fields.Date(allow_none=True)
    deliverables = text(10_000, allow_none=True)
    client_rating = client_rating_field()
    client_feedback = text(10_000, allow_none=True)

    @ma.validates_schema(skip_on_field_errors=False)
    def _dates(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        _check_dates(data)


class AssessmentInSchema(BaseSchema):
    """One entry of the PUT body, which is a JSON array of these."""

    error_messages = {"type": "Expected a JSON array of assessment objects."}  # noqa: RUF012

    competency_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    note = text(5000, allow_none=True)
    reviewer = text(200, metadata={"description": "Defaults to the API key's name"})


class AssessmentSchema(BaseSchema):
    competency_id = fields.String(dump_only=True)
    certification_id = fields.Function(
        lambda a: a.competency.certification_id, dump_only=True, metadata={"type": "string"}
    )
    outcome = fields.String(dump_only=True, metadata={"enum": list(OUTCOMES)})
    reviewer = fields.String(dump_only=True)
    note = fields.String(dump_only=True, allow_none=True)
    assessed_at = fields.DateTime(dump_only=True)


class ProjectSchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"example": "prj_2m7q4x8kd3a6c1zt"})
    freelancer_id = fields.String(dump_only=True)
    platform = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    url = fields.String(dump_only=True, allow_none=True)
    client_name = fields.String(dump_only=True, allow_none=True)
    started_on = fields.Date(dump_only=True, allow_none=True)
    finished_on = fields.Date(dump_only=True, allow_none=True)
    deliverables = fields.String(dump_only=True, allow_none=True)
    client_rating = fields.Float(dump_only=True, allow_none=True)
    client_feedback = fields.String(dump_only=True, allow_none=True)
    assessments = fields.List(fields.Nested(AssessmentSchema), dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


ProjectPageSchema = page_schema(ProjectSchema, "ProjectPage")


# --- evidence-rule progress ---------------------------------------------------------------


class ProgressArgsSchema(BaseSchema):
    certification = fields.String(
        required=True, metadata={"description": "Id of the micro-certification to evaluate"}
    )


class CompetencyProgressSchema(BaseSchema):
    competency_id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    accepted = fields.Integer(dump_only=True, metadata={"description": "Accepted projects"})
    required = fields.Integer(dump_only=True)
    met = fields.Boolean(dump_only=True)
    accepted_project_ids = fields.List(fields.String(), dump_only=True)


class ProgressSchema(BaseSchema):
    freelancer_id = fields.String(dump_only=True)
    certification_id = fields.String(dump_only=True)
    met = fields.Boolean(dump_only=True, metadata={"description": "The evidence rule is met"})
    min_projects_per_competency = fields.Integer(dump_only=True)
    required_competencies = fields.Integer(dump_only=True)
    competencies_met = fields.Integer(dump_only=True)
    competencies = fields.List(fields.Nested(CompetencyProgressSchema), dump_only=True)
    missing = fields.List(
        fields.String(), dump_only=True, metadata={"description": "What is still needed"}
    )
