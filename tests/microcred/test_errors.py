"""One error shape for every failure; never a traceback, never a 500 for bad input."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
from werkzeug.test import TestResponse

from credentials.errors import InvalidInputError, KeyStoreError
from tests.issuer.factories import Factory, Provider, certification_payload

SHAPE_KEYS = {"code", "message", "description", "error", "field", "errors", "details"}
CERTS = "/api/v1/micro-certifications"


def assert_problem(response: TestResponse, status: int, error: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) <= SHAPE_KEYS
    assert {"code", "message", "description", "error"} <= set(body)
    assert body["code"] == status
    assert body["error"] == error
    assert body["description"].strip()
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider()


def test_malformed_json_is_400_with_the_position(client: FlaskClient, provider: Provider) -> None:
    response = client.post(
        CERTS,
        data='{"name": "x",}',
        headers={**provider.headers, "Content-Type": "application/json"},
    )
    body = assert_problem(response, 400, "malformed_json")
    assert "line 1 column" in body["description"]


def test_non_utf8_body_is_400(client: FlaskClient, provider: Provider) -> None:
    response = client.post(
        CERTS,
        data=b'{"name": "\xff"}',
        headers={**provider.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "malformed_json")


@pytest.mark.parametrize("body", ["", "null", "[]", '"text"', "42"])
def test_body_that_is_not_an_object_is_refused(
    client: FlaskClient, provider: Provider, body: str
) -> None:
    response = client.post(
        CERTS, data=body, headers={**provider.headers, "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code, response.get_json()["error"])


def test_unknown_fields_are_rejected_by_name(client: FlaskClient, provider: Provider) -> None:
    payload = certification_payload(colour="blue", competencies=[{"name": "A", "level": 3}])
    body = assert_problem(
        client.post(CERTS, json=payload, headers=provider.headers), 422, "validation_failed"
    )
    assert body["errors"] == {
        "colour": ["Unknown field."],
        "competencies[0].level": ["Unknown field."],
    }
    assert "colour: unknown field" in body["description"]


def test_server_owned_fields_are_unknown_on_input(client: FlaskClient, provider: Provider) -> None:
    payload = certification_payload(id="cert_mine", createdAt="2020-01-01T00:00:00Z")
    body = assert_problem(
        client.post(CERTS, json=payload, headers=provider.headers), 422, "validation_failed"
    )
    assert set(body["errors"]) == {"id", "createdAt"}


def test_wrong_types_are_named(client: FlaskClient, provider: Provider) -> None:
    payload = certification_payload(validityDays="ten", name=7, competencies="all of them")
    body = assert_problem(
        client.post(CERTS, json=payload, headers=provider.headers), 422, "validation_failed"
    )
    assert set(body["errors"]) == {"validityDays", "name", "competencies"}
    assert body["field"] in body["errors"]


def test_oversize_body_is_413(client: FlaskClient, provider: Provider) -> None:
    big = certification_payload(description="x" * (1024 * 1024))
    body = assert_problem(
        client.post(CERTS, json=big, headers=provider.headers), 413, "payload_too_large"
    )
    assert "1048576" in body["description"]


def test_body_limit_is_configurable(make_app: Callable[..., Flask]) -> None:
    app = make_app(MICROCRED_API_MAX_BODY=2048)
    provider = Factory(app).provider()
    client = app.test_client()
    small = client.post(CERTS, json=certification_payload(), headers=provider.headers)
    assert small.status_code == 201
    large = client.post(
        CERTS, json=certification_payload(description="y" * 3000), headers=provider.headers
    )
    assert_problem(large, 413, "payload_too_large")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_non_json_body_is_415(client: FlaskClient, provider: Provider, content_type: str) -> None:
    response = client.post(
        CERTS, data="name=x", headers={**provider.headers, "Content-Type": content_type}
    )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert content_type in body["description"]


def test_unknown_id_is_404(client: FlaskClient, provider: Provider) -> None:
    response = client.get(f"{CERTS}/cert_doesnotexist00", headers=provider.headers)
    body = assert_problem(response, 404, "not_found")
    assert "cert_doesnotexist00" in body["description"]


def test_unknown_api_path_is_json_404(client: FlaskClient) -> None:
    body = assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    assert "/api/v1/nothing-here" in body["description"]


def test_405_keeps_the_allow_header(client: FlaskClient, provider: Provider) -> None:
    response = client.delete(CERTS, headers=provider.headers)
    body = assert_problem(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed
    assert "DELETE" in body["description"]


def test_html_pages_get_an_html_error(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_json_clients_get_json_anywhere(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert_problem(response, 404, "not_found")


def _app_with_failing_routes(make_app: Callable[..., Flask]) -> Flask:
    app = make_app()

    def boom() -> str:
        raise RuntimeError("database password is hunter2")

    def invalid() -> str:
        raise InvalidInputError("the widget is upside down", field="widget")

    def key_store() -> str:
        raise KeyStoreError("cannot decrypt key file /srv/keys/issuer.pem")

    def integrity() -> str:
        raise IntegrityError("INSERT …", {}, Exception("duplicate key value"))

    for name, view in (
        ("boom", boom),
        ("invalid", invalid),
        ("key-store", key_store),
        ("integrity", integrity),
    ):
        app.add_url_rule(f"/api/v1/test-errors/{name}", name, view)
    return app


def test_unexpected_exception_is_a_logged_500_without_internals(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    client = _app_with_failing_routes(make_app).test_client()
    with caplog.at_level(logging.ERROR, logger="microcred.platform.errors"):
        response = client.get("/api/v1/test-errors/boom")
    assert_problem(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "RuntimeError" not in response.get_data(as_text=True)
    assert any("hunter2" in (r.exc_text or "") for r in caplog.records)


def test_core_errors_keep_their_code_and_field(make_app: Callable[..., Flask]) -> None:
    client = _app_with_failing_routes(make_app).test_client()
    body = assert_problem(client.get("/api/v1/test-errors/invalid"), 400, "invalid_input")
    assert body["field"] == "widget"
    assert body["description"] == "the widget is upside down"


def test_server_side_core_errors_hide_their_message(make_app: Callable[..., Flask]) -> None:
    client = _app_with_failing_routes(make_app).test_client()
    response = client.get("/api/v1/test-errors/key-store")
    assert_problem(response, 500, "key_store_error")
    assert "/srv/keys" not in response.get_data(as_text=True)


def test_integrity_errors_become_409(make_app: Callable[..., Flask]) -> None:
    client = _app_with_failing_routes(make_app).test_client()
    response = client.get("/api/v1/test-errors/integrity")
    assert_problem(response, 409, "conflict")
    assert "duplicate key value" not in response.get_data(as_text=True)
