"""The public verification endpoints in the OpenAPI document (``/api/v1/openapi.json``).

They are plain Flask views (no flask-smorest argument parsing: the body may be JSON, a
multipart upload or raw PDF/PNG/SVG bytes), so their operations are added to the spec
by hand, with marshmallow schemas used for documentation only. ``security: []`` marks
them as needing no API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import marshmallow as ma

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


TAG = {
    "name": "verification",
    "description": "Public, no API key (rate limited per client address): verify any Open "
    "Badges 3.0 / VC 2.0 credential with a Data Integrity proof, from any did:key or "
    "did:web issuer, sent as JSON, a PDF certificate or a baked PNG/SVG badge.",
}


class VerificationCheckSchema(ma.Schema):
    check = ma.fields.String(
        required=True,
        metadata={"description": "structure, proof, issuer, validity or status"},
    )
    outcome = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["passed", "failed", "skipped"]),
        metadata={"description": "A skipped check never makes the result fail"},
    )
    code = ma.fields.String(
        required=True,
        metadata={"description": "Stable reason: ok, bad_signature, revoked, expired…"},
    )
    message = ma.fields.String(required=True, metadata={"description": "What was found"})
    details = ma.fields.Dict(metadata={"description": "Facts about the check"})


class VerificationEvidenceSchema(ma.Schema):
    name = ma.fields.String(allow_none=True, metadata={"description": "The gig project"})
    description = ma.fields.String(
        allow_none=True, metadata={"description": "Platform, client, dates, rating"}
    )
    url = ma.fields.String(allow_none=True, metadata={"description": "The project's page"})


class VerificationCompetencySchema(ma.Schema):
    id = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    description = ma.fields.String(allow_none=True)
    demonstrated = ma.fields.Boolean(
        metadata={"description": "The credential's subject has a completed result for it"}
    )
    alignments = ma.fields.List(ma.fields.Dict())
    evidence = ma.fields.List(
        ma.fields.Nested(VerificationEvidenceSchema),
        metadata={"description": "The gig projects that back this competency"},
    )


class VerifiedCredentialSchema(ma.Schema):
    id = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    recipientName = ma.fields.String(  # noqa: N815 - JSON field name
        allow_none=True, metadata={"description": "The freelancer's name as issued"}
    )
    recipientId = ma.fields.String(allow_none=True)  # noqa: N815
    achievement = ma.fields.Dict(metadata={"description": "id, name, description, type"})
    competencies = ma.fields.List(ma.fields.Nested(VerificationCompetencySchema))
    evidence = ma.fields.List(ma.fields.Nested(VerificationEvidenceSchema))
    issuer = ma.fields.Dict(metadata={"description": "id (DID), name, url"})
    validFrom = ma.fields.String(allow_none=True)  # noqa: N815
    validUntil = ma.fields.String(allow_none=True)  # noqa: N815
    awardedDate = ma.fields.String(allow_none=True)  # noqa: N815
    overrideReason = ma.fields.String(  # noqa: N815
        allow_none=True,
        metadata={"description": "Set when the issuer awarded it by override: its reason"},
    )


class TrustIdentitySchema(ma.Schema):
    name = ma.fields.String(required=True)
    source = ma.fields.String(
        required=True, metadata={"description": "'this service' or the registry's name"}
    )
    url = ma.fields.String()
    location = ma.fields.String()
    established = ma.fields.String(
        metadata={"description": "registered issuers: 'domain' or 'operator'"}
    )
    domain = ma.fields.String()
    confirmedBy = ma.fields.String()  # noqa: N815
    confirmedAt = ma.fields.String()  # noqa: N815


class TrustDecisionSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        metadata={"description": "registered | listed | unknown | unconfirmed"},
    )
    trusted = ma.fields.Boolean(
        required=True, metadata={"description": "true when `name` is vouched for"}
    )
    issuer = ma.fields.String(allow_none=True, metadata={"description": "the issuer's DID"})
    name = ma.fields.String(
        allow_none=True,
        metadata={"description": "the name as established by a trust source; null if none"},
    )
    claimedName = ma.fields.String(  # noqa: N815
        allow_none=True,
        metadata={"description": "the name the credential gives its issuer (self-asserted)"},
    )
    message = ma.fields.String(required=True)
    identity = ma.fields.Nested(TrustIdentitySchema)
    notes = ma.fields.List(ma.fields.String())


class FindingSchema(ma.Schema):
    code = ma.fields.String(
        required=True,
        metadata={
            "description": "Stable code a client matches on, e.g. signature.invalid, "
            "status.revoked, ob3.subject_without_identifier (docs/VERIFYING.md lists them)"
        },
    )
    severity = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["error", "warning"]),
        metadata={"description": "an error fails the verdict; a warning never does"},
    )
    message = ma.fields.String(required=True, metadata={"description": "The technical detail"})
    meaning = ma.fields.String(
        required=True, metadata={"description": "What it means for the client, in plain words"}
    )
    field = ma.fields.String(metadata={"description": "JSON path of the property at fault"})


class VerificationResultSchema(ma.Schema):
    verified = ma.fields.Boolean(required=True, metadata={"description": "No check failed"})
    verdict = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(
            ["valid", "revoked", "suspended", "expired", "not_yet_valid", "invalid"]
        ),
    )
    summary = ma.fields.String(required=True, metadata={"description": "One sentence"})
    credentialId = ma.fields.String(allow_none=True)  # noqa: N815
    issuer = ma.fields.String(allow_none=True, metadata={"description": "The issuer's DID"})
    checks = ma.fields.List(ma.fields.Nested(VerificationCheckSchema), required=True)
    errors = ma.fields.List(
        ma.fields.Nested(FindingSchema),
        required=True,
        metadata={"description": "Why it is not verified: one finding per failed rule"},
    )
    warnings = ma.fields.List(
        ma.fields.Nested(FindingSchema),
        required=True,
        metadata={
            "description": "Rules of a vocabulary (Open Badges 3.0) it does not follow that do "
            "not bear on authenticity: shown on a verified result, never failing it"
        },
    )
    trust = ma.fields.Nested(
        TrustDecisionSchema,
        metadata={"description": "Who issued it: apart from whether it is intact and current"},
    )
    credential = ma.fields.Nested(
        VerifiedCredentialSchema, metadata={"description": "What the credential says"}
    )


class VcApiVerifyRequestSchema(ma.Schema):
    verifiableCredential = ma.fields.Dict(required=True)  # noqa: N815
    options = ma.fields.Dict(
        metadata={
            "description": "returnResults, returnProblemDetails (default true), "
            "returnCredential (default false), domain, challenge; others are ignored"
        }
    )


class ProblemDetailSchema(ma.Schema):
    type = ma.fields.String(required=True)
    title = ma.fields.String()
    detail = ma.fields.String()
    code = ma.fields.String(
        metadata={
            "description": "microcred's stable code (an RFC 9457 extension member); a "
            "warning (type urn:microcred:finding:…) leaves `verified` true (VCALM §3.8.1)"
        }
    )


class VcApiVerifyResponseSchema(ma.Schema):
    verified = ma.fields.Boolean(required=True)
    problemDetails = ma.fields.List(ma.fields.Nested(ProblemDetailSchema))  # noqa: N815
    results = ma.fields.Dict(
        metadata={"description": "proof, validFrom, validUntil, credentialStatus"}
    )
    credential = ma.fields.Dict()
    trust = ma.fields.Nested(TrustDecisionSchema)
    # On unusable input the 400 body also carries microcred's error members
    # (microcred.platform.errors), so a client that knows them needs no second parser.
    code = ma.fields.Integer(metadata={"description": "Unusable input: the HTTP status"})
    message = ma.fields.String(metadata={"description": "Unusable input: the reason phrase"})
    description = ma.fields.String(metadata={"description": "Unusable input: what is wrong"})
    error = ma.fields.String(metadata={"description": "Unusable input: machine-readable code"})
    field = ma.fields.String(metadata={"description": "Unusable input: the offending field"})


_SCHEMAS = {
    "TrustDecision": TrustDecisionSchema,
    "TrustIdentity": TrustIdentitySchema,
    "VerificationCheck": VerificationCheckSchema,
    "VerificationEvidence": VerificationEvidenceSchema,
    "VerificationCompetency": VerificationCompetencySchema,
    "VerifiedCredential": VerifiedCredentialSchema,
    "VerificationFinding": FindingSchema,
    "VerificationResult": VerificationResultSchema,
    "VcApiVerifyRequest": VcApiVerifyRequestSchema,
    "ProblemDetail": ProblemDetailSchema,
    "VcApiVerifyResponse": VcApiVerifyResponseSchema,
}

_ERRORS = {
    "400": ("BAD_REQUEST", "Bad Request"),
    "413": ("REQUEST_ENTITY_TOO_LARGE", "Content Too Large"),
    "415": ("UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type"),
    "422": ("UNPROCESSABLE_ENTITY", "Unprocessable Entity"),
    "429": ("TOO_MANY_REQUESTS", "Too Many Requests"),
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _verify_operation() -> dict[str, Any]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "tags": ["verification"],
        "summary": "Verify a credential (JSON, PDF certificate or baked PNG/SVG badge)",
        "description": (
            "Runs every check (structure, proof, issuer, validity, status) and answers 200 "
            "with all of them whenever the input is a credential, verified or not: read "
            "`verified` and `verdict`. Send the credential as `application/json` (the "
            'credential itself or `{"verifiableCredential": …}`), a file as '
            "`multipart/form-data` (field `file`), or the raw bytes of a PDF, PNG or SVG. "
            "Unusable input is a 4xx error: malformed JSON 400, no credential in it 422 "
            "(`error`: `format.no_credential`), a credential format not verified yet (a JWT, "
            "an Open Badges 2.0 assertion) 422 (`error`: `format.unsupported`), unsupported "
            "media 415, larger than the upload limit 413. A verified result may carry "
            "`warnings` (Open Badges data-quality rules): they never fail it. No API key."
            # --- v-jwt ---
            " A credential secured as a JWT (VC-JOSE-COSE `vc+jwt`, VC 1.1 JWT-VC) is "
            "verified too: send the compact string as `application/vc+jwt` or `text/plain`, "
            "as a JSON string, or enveloped (`EnvelopedVerifiableCredential`); one that "
            "cannot be decoded is a 400 (`error`: `jose.malformed`)."
            # --- end v-jwt ---
        ),
        "security": [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
                "application/pdf": binary,
                "image/png": binary,
                "image/svg+xml": binary,
                "application/vc+jwt": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}},
            },
        },
        "responses": {
            "200": {
                "description": "The verification result, with every check",
                "content": {"application/json": {"schema": _ref("schemas", "VerificationResult")}},
            },
            **{status: _ref("responses", name) for status, (name, _) in _ERRORS.items()},
        },
    }


def _vc_api_operation() -> dict[str, Any]:
    response = {"application/json": {"schema": _ref("schemas", "VcApiVerifyResponse")}}
    return {
        "tags": ["verification"],
        "summary": "W3C VC API: verify a credential",
        "description": (
            "W3C VC API (VCALM) `POST /credentials/verify`. 200 when the credential "
            "verified; 400 when it did not (the same body, with `problemDetails`) or the "
            "request is not usable. Warnings (type `urn:microcred:finding:<code>`) are "
            "ProblemDetails that leave `verified` true (VCALM §3.8.1). No API key."
        ),
        "security": [],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _ref("schemas", "VcApiVerifyRequest")}},
        },
        "responses": {
            "200": {"description": "Verified", "content": response},
            "400": {"description": "Not verified, or invalid input", "content": response},
            "413": _ref("responses", "REQUEST_ENTITY_TOO_LARGE"),
            "429": _ref("responses", "TOO_MANY_REQUESTS"),
        },
    }


def document(app: Flask, api: Api) -> None:
    """Add the verification endpoints to the app's OpenAPI document."""
    spec = api.spec
    for name, schema in _SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    for name, description in _ERRORS.values():
        if name not in spec.components.responses:
            spec.components.response(
                name,
                {
                    "description": description,
                    "content": {"application/json": {"schema": _ref("schemas", "Error")}},
                },
            )
    spec.tag(TAG)
    # flask-smorest's plugin derives the path (and its parameters) from the Flask rule.
    for endpoint, operation in (
        ("verify_api.verify", _verify_operation()),
        ("vc_api_verify.verify_credential", _vc_api_operation()),
    ):
        rule = next(app.url_map.iter_rules(endpoint))
        spec.path(rule=rule, operations={"post": operation}, parameters=[])
