"""The one place at the edge where failures become responses.

Services and the core raise only ``credentials.errors.MicrocredError``s (the service-level
classes are in ``microcred.platform.refusals``); werkzeug raises its own ``HTTPException``s
(unknown routes, 405s, bodies over ``max_content_length``, rate limits, webargs' 422s). The
handlers here turn both into the body of ``microcred.platform.problems``: problem+json for
API routes and clients that prefer JSON, the HTML error page for browsers. A traceback never
reaches the client: unexpected exceptions are logged server-side and answered with a
generic 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from credentials import jsontext
from credentials.errors import MicrocredError
from microcred.platform.problems import ErrorSchema, problem_body, validation_problem

if TYPE_CHECKING:
    from flask import Blueprint, Flask, Response

logger = logging.getLogger(__name__)

#: Paths whose errors are always JSON (as are paths ending in .json); elsewhere JSON when
#: the client prefers it. Extend with config MICROCRED_JSON_ERROR_PREFIXES.
DEFAULT_JSON_PREFIXES = ("/api/", "/credentials/")

__all__ = [
    "DEFAULT_JSON_PREFIXES",
    "ErrorSchema",  # built in .problems, still importable from here
    "error_response",
    "parses_own_json",
    "problem_body",  # built in .problems, still importable from here
    "register_error_handlers",
    "validation_problem",  # built in .problems, still importable from here
    "wants_json",
]


# --- choosing the representation ----------------------------------------------------------


def wants_json() -> bool:
    if not has_request_context():
        return True
    prefixes = tuple(current_app.config.get("MICROCRED_JSON_ERROR_PREFIXES", DEFAULT_JSON_PREFIXES))
    if request.path.startswith(prefixes) or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    status = int(body["code"])
    if wants_json():
        response = current_app.json.response(body)  # same serialisation as every success
        response.status_code = status
    else:
        response = current_app.response_class(
            _render_html(body), status=status, mimetype="text/html"
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _render_html(body: Mapping[str, Any]) -> str:
    try:
        return render_template("error.html", error=body)
    except TemplateNotFound:
        return (
            f"<!doctype html><title>{body['code']} {escape(body['message'])}</title>"
            f"<h1>{body['code']} {escape(body['message'])}</h1>"
            f"<p>{escape(body['description'])}</p>"
        )


# --- handlers -----------------------------------------------------------------------------


def handle_http_exception(exc: HTTPException) -> Response:
    """werkzeug's own exceptions (routing, 405, 413, rate limits, webargs' 422/400)."""
    if exc.response is not None:
        return exc.response
    status = exc.code or 500
    headers = _passthrough_headers(exc)
    webargs_data = getattr(exc, "data", None) or {}
    if webargs_data.get("headers"):
        headers.update(webargs_data["headers"])

    if status == 422 and "messages" in webargs_data:
        return error_response(validation_problem(webargs_data["messages"]), headers)
    if status == 400 and "messages" in webargs_data:
        return error_response(_invalid_json_problem(getattr(exc, "exc", None)), headers)
    description = _describe_http(exc)
    body = problem_body(status, description)
    if status >= 500:
        logger.error("HTTP %s on %s %s: %s", status, request.method, request.path, description)
    return error_response(body, headers)


def _passthrough_headers(exc: HTTPException) -> dict[str, str]:
    # Keep what the exception says about itself (Allow on 405, WWW-Authenticate on 401);
    # drop its Content-Type, which describes werkzeug's HTML body rather than ours.
    return {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}


def _invalid_json_problem(cause: object) -> dict[str, Any]:
    detail = ""
    if isinstance(cause, json.JSONDecodeError):
        detail = f": {cause.msg} at line {cause.lineno} column {cause.colno}"
    elif isinstance(cause, UnicodeDecodeError):
        detail = ": the body is not UTF-8"
    return problem_body(
        400, f"The request body is not valid JSON{detail}.", error="malformed_json", field="body"
    )


def _describe_http(exc: HTTPException) -> str:
    """A sentence for werkzeug's own exceptions, naming what the request got wrong."""
    status = exc.code or 500
    if status >= 500:
        return "The server could not complete the request; the problem has been logged."
    if status == 404 and exc.description == type(exc).description:
        return f"No resource at {request.path}."
    if status == 405:
        allowed = ", ".join(sorted(getattr(exc, "valid_methods", None) or []))
        return f"Method {request.method} is not allowed on {request.path}; allowed: {allowed}."
    if status == 413:
        limit = request.max_content_length
        size = f"the limit of {limit} bytes" if limit else "the server's limit"
        return f"The request body is larger than {size}."
    if status == 429:
        return f"Rate limit exceeded ({exc.description}); retry after the Retry-After delay."
    return str(exc.description or HTTPStatus(status).phrase)


def handle_microcred_error(exc: MicrocredError) -> Response:
    """The one tree: status from the class, ``error`` from its code, ``field``/``errors``
    from the field(s) at fault, and the headers the refusal implies."""
    status = exc.http_status
    if status == 500:
        # Key store and configuration faults are the operator's to fix: log, don't expose.
        logger.error("%s on %s %s: %s", exc.code, request.method, request.path, exc.message)
        body = problem_body(
            500,
            "The server could not complete the request; the problem has been logged.",
            error=exc.code,
        )
        return error_response(body)
    body = problem_body(
        status,
        exc.message,
        error=exc.code,
        field=exc.field,
        errors=exc.field_errors() or None,
        details=exc.diagnostics().get("details"),
    )
    return error_response(body, _headers_for(exc))


def _headers_for(exc: MicrocredError) -> dict[str, str]:
    headers: dict[str, str] = {}
    challenge = getattr(exc, "challenge", None)
    if challenge:  # RFC 6750: a 401 names its scheme, a 403 the scope it lacked
        headers["WWW-Authenticate"] = challenge
    if getattr(exc, "close_connection", False):  # the rest of the body was never read
        headers["Connection"] = "close"
    retry_after = getattr(exc, "retry_after_seconds", None)
    if retry_after:  # a 503 for a busy server: when to come back
        headers["Retry-After"] = str(int(retry_after))
    return headers


def handle_integrity_error(exc: IntegrityError) -> Response:
    # Services check the rules they know about first; this is the safety net for races
    # (two requests creating the same slug at once): the loser gets a 409, not a 500.
    _rollback()
    logger.info("integrity error on %s %s: %s", request.method, request.path, exc.orig)
    body = problem_body(
        409,
        "The request conflicts with existing data (a uniqueness or reference rule); "
        "reload and retry.",
        error="conflict",
    )
    return error_response(body)


def handle_unexpected(exc: Exception) -> Response:
    _rollback()
    logger.exception("unhandled error on %s %s", request.method, request.path)
    body = problem_body(
        500,
        "The server could not complete the request; the problem has been logged.",
        error="internal_error",
    )
    return error_response(body)


def _rollback() -> None:
    db = current_app.extensions.get("sqlalchemy")
    if db is not None:
        try:
            db.session.rollback()
        except Exception:  # the session may be unusable; the request ends anyway
            logger.exception("rollback after an error failed")


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
#: Blueprints whose views parse JSON with credentials.verify.load_credential, which refuses
#: lone surrogates itself (in the response shape those endpoints promise).
_OWN_JSON_PARSERS: set[str] = set()


def parses_own_json(blueprint: Blueprint) -> None:
    """Leave the lone-surrogate check of ``blueprint``'s bodies to its views."""
    _OWN_JSON_PARSERS.add(blueprint.name)


def refuse_text_without_utf8() -> None:
    """Before any view: a JSON body with a lone surrogate (``"\\ud800"``) is refused, naming
    the field. Python's json (and so webargs, marshmallow, the database driver) accepts
    it, and it would fail much later with a 500; nothing signed can hold it anyway.
    Costs one scan of the raw bytes; the body is only parsed again when it has such an
    escape (credentials.jsontext)."""
    if request.method not in _BODY_METHODS or not request.is_json:
        return
    if request.blueprint in _OWN_JSON_PARSERS:
        return
    raw = request.get_data(cache=True)
    if not jsontext.may_hold_surrogates(raw):
        return
    try:
        parsed = json.loads(raw)
    except ValueError:
        return  # not JSON: the view's own parser reports it
    jsontext.check_text(parsed)


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_text_without_utf8)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(MicrocredError, handle_microcred_error)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(Exception, handle_unexpected)
