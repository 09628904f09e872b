"""The one error shape: the body every failure is answered with, for JSON and HTML alike.

API routes (and anything that asks for JSON) answer::

    {"code": 422, "message": "Unprocessable Entity",
     "description": "1 field failed validation: bogus: unknown field",
     "error": "validation_failed", "field": "bogus",
     "errors": {"bogus": ["Unknown field."]}}

``code`` is the HTTP status, ``message`` its reason phrase, ``description`` a sentence
naming the problem, ``error`` a stable machine code; ``field``/``errors``/``details`` appear
when they apply. HTML pages get the same facts as a page (``microcred.platform.errors``
chooses the representation and holds the handlers). Plain data: no Flask, no werkzeug.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import marshmallow as ma

#: The ``error`` of a body whose raiser named none (werkzeug's own exceptions).
_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}


class ErrorSchema(ma.Schema):
    """The error body (documentation only: handlers build it directly)."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code"})
    message = ma.fields.String(required=True, metadata={"description": "HTTP reason phrase"})
    description = ma.fields.String(
        required=True, metadata={"description": "What went wrong, naming the problem"}
    )
    error = ma.fields.String(
        required=True, metadata={"description": "Stable machine-readable error code"}
    )
    field = ma.fields.String(metadata={"description": "The offending field, when there is one"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Every invalid field with its messages"},
    )
    details = ma.fields.Dict(metadata={"description": "Extra facts about the error"})


def problem_body(
    status: int,
    description: str,
    *,
    error: str | None = None,
    field: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body: dict[str, Any] = {
        "code": status,
        "message": phrase,
        "description": description,
        "error": error or _ERROR_CODES.get(status) or phrase.lower().replace(" ", "_"),
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = dict(errors)
    if details:
        body["details"] = dict(details)
    return body


def flatten_messages(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"competencies[0].name": ["..."]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key == "_schema":
                name = prefix or "body"
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for sub, texts in flatten_messages(value, name).items():
                out.setdefault(sub, []).extend(texts)
    elif isinstance(messages, list | tuple):
        texts = [str(m) for m in messages if not isinstance(m, Mapping | list | tuple)]
        if texts:
            out.setdefault(prefix or "body", []).extend(texts)
        for item in messages:
            if isinstance(item, Mapping | list | tuple):
                for sub, sub_texts in flatten_messages(item, prefix).items():
                    out.setdefault(sub, []).extend(sub_texts)
    elif messages is not None:
        out.setdefault(prefix or "body", []).append(str(messages))
    return out


def validation_problem(messages: Mapping[str, Any]) -> dict[str, Any]:
    """A 422 body from webargs messages (``{location: {field: [...]}}``)."""
    errors: dict[str, list[str]] = {}
    for value in messages.values():
        for name, texts in flatten_messages(value).items():
            errors.setdefault(name, []).extend(texts)
    parts = [f"{name}: {_describe(texts[0]).rstrip('.')}" for name, texts in errors.items()]
    count = len(errors)
    noun = "field" if count == 1 else "fields"
    description = f"{count} {noun} failed validation: " + "; ".join(parts) + "."
    return problem_body(
        422,
        description,
        error="validation_failed",
        field=next(iter(errors), None),
        errors=errors,
    )


def _describe(message: str) -> str:
    return "unknown field (not accepted here)" if message == "Unknown field." else message
