"""The edge's input limits (microcred/platform/limits.py): JSON nesting is capped before any
parser recurses, and a chunked body is capped like one with a Content-Length (413), never
cut silently. Chunked requests go over a real socket to a served app: the Flask test
client sets a Content-Length itself, so it cannot show the bug."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microcred.platform.limits import MAX_JSON_DEPTH, json_depth
from tests.api_fuzz import serving
from tests.issuer.factories import Factory, World

DEEP = ("[" * 100_000 + "]" * 100_000).encode()


def nested(depth: int) -> bytes:
    """A JSON object whose ``name`` is ``depth - 1`` arrays deep (``depth`` levels in all)."""
    return b'{"name": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


# --- json_depth -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "depth"),
    [
        (b"{}", 1),
        (b"[[[]]]", 3),
        (b'{"a": "[[[[[[[[[["}', 1),
        (b'{"a": "\\"[[[[["}', 1),
        (nested(200), 200),
        (DEEP, 100_000),
        (b"[" * 100_000, 100_000),  # unterminated: still refused before a parser sees it
    ],
)
def test_json_depth(raw: bytes, depth: int) -> None:
    found = json_depth(raw)
    if depth <= MAX_JSON_DEPTH:
        assert found <= MAX_JSON_DEPTH
    else:
        assert found == depth


def test_brackets_in_strings_do_not_count() -> None:
    raw = json.dumps({"note": "[" * 1000 + "{" * 1000}).encode()
    assert json_depth(raw) == 1


# --- nesting at the edge ------------------------------------------------------------------


@pytest.fixture
def world(make: Factory) -> World:
    return make.world()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/freelancers", "/api/v1/bulk-issuances", "/credentials/issue"],
)
def test_json_nested_100000_deep_is_400_on_the_issuer_apis(
    client: FlaskClient, world: World, path: str
) -> None:
    response = client.post(
        path, data=DEEP, content_type="application/json", headers=world.provider.headers
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "json_too_deep"
    assert "100000 deep" in body["description"]
    assert f"at most {MAX_JSON_DEPTH}" in body["description"]


@pytest.mark.parametrize("path", ["/api/v1/verify", "/credentials/verify"])
def test_json_nested_100000_deep_is_400_on_the_verify_apis(client: FlaskClient, path: str) -> None:
    response = client.post(path, data=DEEP, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == "json_too_deep"


def test_deep_json_with_a_lone_surrogate_is_400_not_500(client: FlaskClient, world: World) -> None:
    # The lone-surrogate check parses bodies that hold a \ud800 escape: the cap runs first.
    raw = b'{"name": "\\ud800", "x": ' + DEEP + b"}"
    response = client.post(
        "/api/v1/freelancers",
        data=raw,
        content_type="application/json",
        headers=world.provider.headers,
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "json_too_deep"


def test_the_cap_is_exactly_the_documented_depth(client: FlaskClient, world: World) -> None:
    at_cap = client.post(
        "/api/v1/freelancers",
        data=nested(MAX_JSON_DEPTH),
        content_type="application/json",
        headers=world.provider.headers,
    )
    assert at_cap.status_code == 422  # past the edge: the schema says name is no array
    assert at_cap.get_json()["field"] == "name"
    over = client.post(
        "/api/v1/freelancers",
        data=nested(MAX_JSON_DEPTH + 1),
        content_type="application/json",
        headers=world.provider.headers,
    )
    assert over.status_code == 400
    assert over.get_json()["error"] == "json_too_deep"


# --- chunked bodies on a served app -------------------------------------------------------


def _chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def post_chunked(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request(
            "POST",
            path,
            body=_chunks(body),
            headers={"Transfer-Encoding": "chunked", **headers},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.getheader("Content-Length") is not None or response.status
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def csv_rows(world: World, count: int) -> bytes:
    lines = ["freelancerId,certificationId"]
    lines += [f"{world.freelancer_id},{world.certification.id}"] * count
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_limits(make_app: Callable[..., Flask]) -> Flask:
    return make_app(MAX_CONTENT_LENGTH=8192, MICROCRED_API_MAX_BODY=4096)


def test_a_chunked_body_over_the_api_limit_is_413_not_cut(small_limits: Flask) -> None:
    world = Factory(small_limits).world()
    body = csv_rows(world, 130)  # ~5.6 KB: over the API's 4096, under the app's 8192
    assert 4096 < len(body) < 8192
    with serving(small_limits) as base_url:
        headers = {**world.provider.headers, "Content-Type": "text/csv"}
        status, answer = post_chunked(base_url, "/api/v1/bulk-issuances", body, headers)
    assert status == 413, answer
    assert answer["error"] == "payload_too_large"
    assert "4096" in answer["description"]


def test_a_chunked_body_over_the_app_limit_is_413_unread(small_limits: Flask) -> None:
    world = Factory(small_limits).world()
    body = csv_rows(world, 2000)  # ~70 KB: over every limit
    with serving(small_limits) as base_url:
        headers = {**world.provider.headers, "Content-Type": "text/csv"}
        status, answer = post_chunked(base_url, "/api/v1/bulk-issuances", body, headers)
    assert status == 413, answer
    assert "chunked" in answer["description"]
    assert "8192" in answer["description"]


def test_a_chunked_body_under_the_limits_is_read_whole(small_limits: Flask) -> None:
    world = Factory(small_limits).world()
    body = json.dumps({"name": "Chunked Okafor", "email": "chunked@example.com"}).encode()
    with serving(small_limits) as base_url:
        headers = {**world.provider.headers, "Content-Type": "application/json"}
        status, answer = post_chunked(base_url, "/api/v1/freelancers", body, headers)
    assert status == 201, answer
    assert answer["name"] == "Chunked Okafor"


def test_a_body_with_content_length_over_the_limit_is_413(small_limits: Flask) -> None:
    world = Factory(small_limits).world()
    response = small_limits.test_client().post(
        "/api/v1/bulk-issuances",
        data=csv_rows(world, 130),
        content_type="text/csv",
        headers=world.provider.headers,
    )
    assert response.status_code == 413
