"""Schemas of privacy (issue 14, item 5): the personal-data export, and how credentials
name the recipient's e-mail address."""

from __future__ import annotations

from marshmallow import fields, validate

from issuer.schemas.common import BaseSchema
from issuer.services.privacy import RECIPIENT_EMAIL_MODES


class PersonalDataExportSchema(BaseSchema):
    """The export as the service builds it (``issuer.services.privacy``), passed through."""

    format = fields.String(dump_only=True, metadata={"example": "microcred-personal-data/1"})
    exported_at = fields.String(dump_only=True, data_key="exportedAt")
    email = fields.String(dump_only=True)
    providers = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={
            "description": "Per provider: the freelancer record, projects with assessments, "
            "credentials (signed documents), audit events and bulk rows naming them"
        },
    )


class RecipientIdentitySchema(BaseSchema):
    recipient_email = fields.String(
        required=True,
        validate=validate.OneOf(RECIPIENT_EMAIL_MODES),
        metadata={
            "description": "How new credentials name the recipient's e-mail address: "
            "`hashed` (salted SHA-256 IdentityObject, the default) or `plain` "
            "(`hashed: false`, readable by anyone holding the credential)"
        },
    )
