"""``POST /credentials/issue`` in the OpenAPI document (a plain Flask view, documented by
hand with marshmallow schemas used for documentation only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marshmallow as ma

from issuer.api.blueprint import IDEMPOTENCY_PARAMETER, SECURITY_SCHEME
from issuer.scopes import ISSUE
from issuer.services.vc_api import OPTIONS

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api

TAG = {
    "name": "vc-api",
    "description": "W3C VC API (VCALM) issuing: sign a credential you wrote with the "
    "provider's key; it is stored, listed and revocable like any other.",
}


class VcApiIssueOptionsSchema(ma.Schema):
    cryptosuite = ma.fields.String(
        validate=ma.validate.OneOf(["eddsa-rdfc-2022", "eddsa-jcs-2022"]),
        metadata={"description": "Default eddsa-rdfc-2022"},
    )
    credentialStatus = ma.fields.Dict(  # noqa: N815 - JSON name
        metadata={
            "description": 'Add status entries: {"type": "BitstringStatusListEntry", '
            '"statusPurpose": "revocation" | "suspension" | [both]}'
        }
    )
    credentialId = ma.fields.String(metadata={"description": "Recorded in the audit log"})  # noqa: N815
    mandatoryPointers = ma.fields.List(  # noqa: N815
        ma.fields.String(), metadata={"description": "Only [] (no selective disclosure)"}
    )


class VcApiIssueRequestSchema(ma.Schema):
    credential = ma.fields.Dict(
        required=True,
        metadata={
            "description": "A VC 2.0 or Open Badges 3.0 credential without proof; "
            "issuer absent or the provider's DID"
        },
    )
    options = ma.fields.Nested(VcApiIssueOptionsSchema)


class VcApiIssueResponseSchema(ma.Schema):
    verifiableCredential = ma.fields.Dict(required=True)  # noqa: N815


class VcApiProblemSchema(ma.Schema):
    type = ma.fields.String(metadata={"description": "Problem type URL (VC DM 2.0 §7.2)"})
    title = ma.fields.String()
    detail = ma.fields.String()
    code = ma.fields.Integer()
    message = ma.fields.String()
    description = ma.fields.String()
    error = ma.fields.String()
    field = ma.fields.String()
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Every invalid field with its messages"},
    )
    details = ma.fields.Dict(metadata={"description": "Extra facts about the error"})


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def document(app: Flask, api: Api) -> None:
    spec = api.spec
    for name, schema in (
        ("VcApiIssueRequest", VcApiIssueRequestSchema),
        ("VcApiIssueResponse", VcApiIssueResponseSchema),
        ("VcApiProblem", VcApiProblemSchema),
    ):
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    if "VC_API_PROBLEM" not in spec.components.responses:
        spec.components.response(
            "VC_API_PROBLEM",
            {
                "description": "Problem (RFC 9457 members and microcred's)",
                "content": _json("VcApiProblem"),
            },
        )
    spec.tag(TAG)
    problem = {"$ref": "#/components/responses/VC_API_PROBLEM"}
    # flask-smorest's plugin derives the path from the Flask rule.
    spec.path(
        rule=next(app.url_map.iter_rules("vc_api_issue.issue_credential")),
        parameters=[],
        operations={
            "post": {
                "tags": ["vc-api"],
                "summary": "Issue a credential (W3C VC API)",
                "description": "400: not {credential, options}, another issuer, unknown "
                "options; 422: a credential that breaks the data model or uses undefined "
                "terms. Options: " + ", ".join(sorted(OPTIONS)) + ".",
                "security": [{SECURITY_SCHEME: [ISSUE]}],
                "parameters": [dict(IDEMPOTENCY_PARAMETER)],
                "requestBody": {"required": True, "content": _json("VcApiIssueRequest")},
                "responses": {
                    "201": {"description": "Issued", "content": _json("VcApiIssueResponse")},
                    "400": problem,
                    "401": {"$ref": "#/components/responses/UNAUTHORIZED"},
                    "403": {"$ref": "#/components/responses/FORBIDDEN"},
                    "409": {"$ref": "#/components/responses/CONFLICT"},
                    "413": {"$ref": "#/components/responses/REQUEST_ENTITY_TOO_LARGE"},
                    "415": {"$ref": "#/components/responses/UNSUPPORTED_MEDIA_TYPE"},
                    "422": problem,
                    "429": {"$ref": "#/components/responses/TOO_MANY_REQUESTS"},
                    "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
                },
            }
        },
    )
