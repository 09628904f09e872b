"""``POST /credentials/issue``: the W3C VC API (VCALM) issue endpoint for training providers.

Request ``{"credential": {…}, "options": {…}}`` (w3c/vcalm ``IssueCredentialRequest``),
authenticated with the provider's API key (``Authorization: Bearer mc_…``), like
``/api/v1``. Answer **201** ``{"verifiableCredential": {…}}`` — the signed credential
exactly as stored (it is listed under ``/api/v1/credentials`` and can be revoked when
issued with status entries). Accepts an ``Idempotency-Key``.

Errors are problem bodies: microcred's ``{code, message, description, error, field}``
plus RFC 9457 / VCALM ``ProblemDetails`` members ``type``, ``title`` and ``detail``, with
the types of VC Data Model 2.0 §7.2 (PARSING_ERROR, MALFORMED_VALUE_ERROR) and VC Data
Integrity §4.7 (PROOF_GENERATION_ERROR). **400**: not JSON, not ``{credential,
options}``, an issuer other than the provider, unknown options; **422**: a credential
that breaks the data model or uses terms no context defines; 401, 409 (no active
signing key), 413, 415 and 429 as on ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, request, url_for
from werkzeug.wrappers import Response

from credentials.errors import (
    CredentialValidationError,
    InvalidInputError,
    JsonLdProcessingError,
    MalformedCredentialError,
    MicrocredError,
    SigningError,
    UndefinedTermError,
    UnknownContextError,
)
from credentials.verify import load_credential
from issuer.auth import rate_limit_key, require_scope
from issuer.idempotency import idempotent
from issuer.scopes import ISSUE
from issuer.services.vc_api import issue_vc, stored_response
from microcred.platform.errors import parses_own_json, problem_body
from microcred.platform.extensions import limiter
from microcred.platform.refusals import PayloadTooLargeError, UnsupportedMediaError

PATH = "/credentials/issue"
VC_DM = "https://www.w3.org/TR/vc-data-model#"
DATA_INTEGRITY = "https://w3id.org/security#"

blp = Blueprint("vc_api_issue", __name__)
parses_own_json(blp)  # load_credential refuses lone surrogates
limiter.shared_limit(
    lambda: str(current_app.config["MICROCRED_API_RATELIMIT"]),
    scope="api",
    key_func=rate_limit_key,
)(blp)


@blp.post(PATH)
@idempotent
def issue_credential() -> Response:
    principal = require_scope(ISSUE)
    _check_body()
    try:
        credential, options = _parse_request()
        issued = issue_vc(principal.issuer, credential, options, actor=principal.actor)
    except MicrocredError as exc:
        if exc.http_status >= 500 or exc.http_status == 409:
            raise  # the operator's problem (or a conflict): the usual error handling
        return _problem(exc)
    response = current_app.response_class(
        stored_response(issued), status=201, mimetype="application/json"
    )
    response.headers["Location"] = url_for("credentials.get_credential", credential_id=issued.id)
    return response


def _check_body() -> None:
    limit = int(current_app.config["MICROCRED_API_MAX_BODY"])
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(
            f"The request body has {request.content_length} bytes; at most {limit}."
        )
    if not request.is_json:
        raise UnsupportedMediaError(
            'Send the request as application/json: {"credential": {…}, "options": {…}}',
            code="unsupported_media_type",
        )


def _parse_request() -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    body = load_credential(request.get_data(cache=True))
    unknown = sorted(set(body) - {"credential", "options"})
    if unknown:
        raise MalformedCredentialError(
            f"unknown member {unknown[0]!r}: the body is {{credential, options}}",
            field=unknown[0],
        )
    credential = body.get("credential")
    if not isinstance(credential, Mapping):
        raise MalformedCredentialError(
            "credential is required and must be a JSON object", field="credential"
        )
    options = body.get("options", {})
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise MalformedCredentialError("options must be a JSON object", field="options")
    return credential, options


def _problem_type(exc: MicrocredError) -> str:
    if isinstance(exc, CredentialValidationError):
        return VC_DM + "MALFORMED_VALUE_ERROR"
    if isinstance(
        exc, UndefinedTermError | UnknownContextError | JsonLdProcessingError | SigningError
    ):
        return DATA_INTEGRITY + "PROOF_GENERATION_ERROR"
    if isinstance(exc, MalformedCredentialError):
        return VC_DM + "PARSING_ERROR"
    if isinstance(exc, InvalidInputError):
        return VC_DM + "MALFORMED_VALUE_ERROR"
    return VC_DM + "MALFORMED_VALUE_ERROR"


def _problem(exc: MicrocredError) -> Response:
    status = exc.http_status
    details = exc.diagnostics().get("details")
    body = problem_body(
        status,
        exc.message,
        error=exc.code,
        field=exc.field,
        errors=exc.field_errors() or None,
        details=details,
    )
    kind = _problem_type(exc)
    body.update({"type": kind, "title": kind.rsplit("#", 1)[-1], "detail": exc.message})
    response = current_app.json.response(body)
    response.status_code = status
    return response
