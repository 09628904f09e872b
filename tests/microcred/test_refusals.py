"""The edge maps every class of the one error tree to the same answer, as JSON and as HTML.

``microcred.platform.refusals`` holds the errors services raise; ``microcred.platform.errors``
alone turns them into responses: the status from the class, ``error`` from the code (the
class's default or the one named at the raise), ``field`` and ``errors`` from the field(s)
at fault, and the headers a refusal implies (``WWW-Authenticate`` on a 401).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from flask import Flask

from credentials.errors import MicrocredError
from microcred.platform.refusals import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
    UnprocessableError,
    UnsupportedMediaError,
)
from tests.microcred.test_errors import assert_problem

CHALLENGE = 'Bearer realm="microcred", error="invalid_token"'


@dataclass(frozen=True)
class Case:
    error: MicrocredError
    status: int
    code: str
    errors: dict[str, list[str]] | None = None
    headers: dict[str, str] = field(default_factory=dict)


CASES = {
    "bad-request": Case(
        InvalidInputError("the key is not ASCII", code="invalid_idempotency_key", field="key"),
        400,
        "invalid_idempotency_key",
        {"key": ["the key is not ASCII"]},
    ),
    "unauthorized": Case(
        UnauthorizedError("the API key is not valid", code="unknown_api_key", challenge=CHALLENGE),
        401,
        "unknown_api_key",
        headers={"WWW-Authenticate": CHALLENGE},
    ),
    "forbidden": Case(ForbiddenError("not from this site"), 403, "forbidden"),
    "not-found": Case(NotFoundError("no micro-certification 'x'"), 404, "not_found"),
    "conflict": Case(
        ConflictError("slug 'x' is taken", code="duplicate_slug", field="slug"),
        409,
        "duplicate_slug",
        {"slug": ["slug 'x' is taken"]},
    ),
    "too-large": Case(PayloadTooLargeError("2000 rows; at most 1000"), 413, "payload_too_large"),
    "media-type": Case(
        UnsupportedMediaError("send JSON", code="unsupported_media_type"),
        415,
        "unsupported_media_type",
    ),
    "unprocessable": Case(
        UnprocessableError("a reason is required", field="reason"),
        422,
        "validation_failed",
        {"reason": ["a reason is required"]},
    ),
    "unprocessable-many": Case(
        UnprocessableError(
            "the evidence rule is not met",
            code="evidence_rule_not_met",
            field="freelancerId",
            errors={"competencies.c1": ["1 more project"], "competencies.c2": ["2 more"]},
        ),
        422,
        "evidence_rule_not_met",
        {"competencies.c1": ["1 more project"], "competencies.c2": ["2 more"]},
    ),
}


@pytest.fixture
def refusing_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with a route per case under /api/ (JSON) and one outside it (HTML)."""
    app = make_app()

    def refuse(name: str) -> str:
        raise CASES[name].error

    app.add_url_rule("/api/v1/test-refusals/<name>", "api_refusal", refuse)
    app.add_url_rule("/test-refusals/<name>", "page_refusal", refuse)
    return app


@pytest.mark.parametrize("name", CASES)
def test_json_carries_status_code_field_and_headers(refusing_app: Flask, name: str) -> None:
    case = CASES[name]
    response = refusing_app.test_client().get(f"/api/v1/test-refusals/{name}")
    body = assert_problem(response, case.status, case.code)
    assert body["description"] == case.error.message
    assert body.get("field") == case.error.field
    assert body.get("errors") == case.errors
    for header, value in case.headers.items():
        assert response.headers[header] == value
    if not case.headers:
        assert "WWW-Authenticate" not in response.headers


@pytest.mark.parametrize("name", CASES)
def test_browsers_get_the_same_facts_as_a_page(refusing_app: Flask, name: str) -> None:
    case = CASES[name]
    response = refusing_app.test_client().get(
        f"/test-refusals/{name}", headers={"Accept": "text/html"}
    )
    assert response.status_code == case.status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert str(case.status) in page
    assert case.error.message.replace("'", "&#39;") in page
    for field_name in case.errors or {}:
        assert f"<code>{field_name}</code>" in page
    for header, value in case.headers.items():
        assert response.headers[header] == value


def test_a_raise_may_name_a_code_without_changing_the_class() -> None:
    error = ConflictError("already revoked", code="already_revoked")
    assert (error.code, ConflictError.code, error.http_status) == (
        "already_revoked",
        "conflict",
        409,
    )
    assert error.diagnostics()["code"] == "already_revoked"
