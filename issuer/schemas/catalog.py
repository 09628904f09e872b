"""Schemas of micro-certifications, competencies and the evidence rule."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from issuer.models import ACHIEVEMENT_TYPES
from issuer.schemas.common import (
    BaseSchema,
    NonEmptyUpdateSchema,
    image_field,
    page_schema,
    required_text,
    slug_field,
    text,
    web_url,
)
from issuer.schemas.evidence import client_rating_field

MAX_COMPETENCIES = 50


def _achievement_type(value: str) -> None:
    # OB 3.0's vocabulary is extensible with "ext:" terms.
    if value not in ACHIEVEMENT_TYPES and not (value.startswith("ext:") and len(value) > 4):
        raise ma.ValidationError(
            "Must be an Open Badges 3.0 achievement type (for example MicroCredential, "
            "Certificate, Badge) or an extension term starting with 'ext:'."
        )


def _validity_months() -> fields.Integer:
    return fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=1_200),
        metadata={
            "description": "Credentials expire this many calendar months after issuance "
            "(instead of validityDays; not both); null: never"
        },
    )


class AlignmentSchema(BaseSchema):
    """An OB 3.0 Alignment: the skills-framework entry a competency corresponds to."""

    target_name = required_text(200, metadata={"example": "Python (computer programming)"})
    target_url = web_url(
        required=True,
        metadata={
            "example": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
        },
    )
    target_framework = text(200, allow_none=True, metadata={"example": "ESCO"})
    target_code = text(100, allow_none=True)


class EvidenceRuleSchema(BaseSchema):
    """Each competency needs ``minProjectsPerCompetency`` accepted gig projects (rated at
    least ``minClientRating`` when given); ``minCompetencies`` of them must be met (null:
    all)."""

    min_projects_per_competency = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=100)
    )
    min_competencies = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_COMPETENCIES),
        metadata={"description": "How many competencies must be met; null means all"},
    )
    min_client_rating = client_rating_field(
        description="A project counts only when its client rated it at least this (0-5); "
        "an unrated project then does not count. Null: no minimum",
        example=4.0,
    )


class EvidenceRuleOutSchema(EvidenceRuleSchema):
    """The rule as answered: the rating is a JSON number (a Decimal would be a string)."""

    min_client_rating = fields.Float(
        dump_only=True, allow_none=True, metadata={"minimum": 0, "maximum": 5}
    )


class CompetencyInSchema(BaseSchema):
    name = required_text(200)
    description = text(5000, allow_none=True)
    alignment = fields.Nested(AlignmentSchema, allow_none=True)


class CompetencyUpdateInSchema(CompetencyInSchema):
    id = fields.String(
        metadata={"description": "An existing competency to update in place; omit to add one"}
    )


class CompetencySchema(BaseSchema):
    id = fields.String(dump_only=True)
    position = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True, allow_none=True)
    alignment = fields.Nested(AlignmentSchema, dump_only=True, allow_none=True)


class CertificationCreateSchema(BaseSchema):
    slug = slug_field(metadata={"description": "Defaults to one derived from the name"})
    name = required_text(200, metadata={"example": "Freelance Python API Developer"})
    description = required_text(10_000)
    criteria_narrative = required_text(
        10_000, metadata={"description": "How the achievement is earned (OB 3.0 Criteria)"}
    )
    image = image_field(allow_none=True)
    achievement_type = fields.String(load_default="MicroCredential", validate=_achievement_type)
    validity_days = fields.Integer(
        allow_none=True,
        validate=validate.Range(min=1, max=36_500),
        metadata={"description": "Credentials expire this many days after issuance; null: never"},
    )
    validity_months = _validity_months()
    evidence_rule = fields.Nested(EvidenceRuleSchema, load_default=lambda: {})
    competencies = fields.List(
        fields.Nested(CompetencyInSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_COMPETENCIES),
    )


class CertificationUpdateSchema(NonEmptyUpdateSchema):
    """Fields to change; ``competencies`` replaces the whole list (send ids to keep)."""

    slug = slug_field()
    name = text(200)
    description = text(10_000)
    criteria_narrative = text(10_000)
    image = image_field(allow_none=True)
    achievement_type = fields.String(validate=_achievement_type)
    validity_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=36_500))
    validity_months = _validity_months()
    evidence_rule = fields.Nested(EvidenceRuleSchema)
    competencies = fields.List(
        fields.Nested(CompetencyUpdateInSchema),
        validate=validate.Length(min=1, max=MAX_COMPETENCIES),
    )


class CertificationSchema(BaseSchema):
    id = fields.String(dump_only=True, metadata={"example": "cert_3kq8mz2v7hx4tw1p"})
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    criteria_narrative = fields.String(dump_only=True)
    image = fields.String(dump_only=True, allow_none=True)
    achievement_type = fields.String(dump_only=True)
    validity_days = fields.Integer(dump_only=True, allow_none=True)
    validity_months = fields.Integer(dump_only=True, allow_none=True)
    evidence_rule = fields.Nested(EvidenceRuleOutSchema, dump_only=True)
    competencies = fields.List(fields.Nested(CompetencySchema), dump_only=True)
    version = fields.Integer(
        dump_only=True,
        metadata={
            "description": "The edition: an edit after credentials were issued under the "
            "current one makes the next; credentials state the edition they were issued "
            "under (Achievement.version, from 2 on)"
        },
    )
    retired = fields.Boolean(dump_only=True)
    retired_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


CertificationPageSchema = page_schema(CertificationSchema, "CertificationPage")
