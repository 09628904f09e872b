"""Security headers on every response (microcred.platform.security): the API reference,
error pages (HTML and JSON, 404, 405 and 500), JSON answers; HSTS only over https; the
API reference's inline style allowed by a per-request nonce, never 'unsafe-inline'."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from microcred.platform.security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

HTML = {"Accept": "text/html"}


def assert_base_headers(response: Any) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in headers["Permissions-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain http in tests


def _nonce(policy: str) -> str:
    found = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy)
    assert found, policy
    return found.group(1)


def test_api_reference_inline_style_runs_by_nonce_only(client: FlaskClient) -> None:
    first = client.get("/api/v1/docs")
    second = client.get("/api/v1/docs")

    assert first.status_code == 200
    assert_base_headers(first)
    policy = first.headers["Content-Security-Policy"]
    nonce = _nonce(policy)
    # The one inline <style> carries this request's nonce; scripts only with it too.
    assert f'<style nonce="{nonce}">' in first.get_data(as_text=True)
    assert f"script-src 'nonce-{nonce}'" in policy
    assert "default-src 'none'" in policy
    # Drawn per request: a nonce seen once is worth nothing on the next page.
    assert _nonce(second.headers["Content-Security-Policy"]) != nonce


def test_pages_that_ask_for_no_nonce_get_the_strict_policy(client: FlaskClient) -> None:
    response = client.get("/verify")

    assert response.status_code == 200
    assert_base_headers(response)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "nonce-" not in CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'none': no script
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/no/such/page", "/issuers/nobody/certifications/x/nothing"])
def test_html_error_pages_carry_the_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers=HTML)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in response.get_data(as_text=True)
    assert_base_headers(response)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_json_errors_carry_the_headers(client: FlaskClient) -> None:
    not_found = client.get("/api/v1/no-such-thing")
    not_allowed = client.delete("/api/v1/verify")

    assert (not_found.status_code, not_allowed.status_code) == (404, 405)
    for response in (not_found, not_allowed):
        assert response.is_json
        assert_base_headers(response)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_an_unexpected_error_page_carries_the_headers(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = app.test_client().get("/broken-for-test", headers=HTML)

    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)
    assert_base_headers(response)


def test_openapi_json_and_health_carry_the_headers(client: FlaskClient) -> None:
    for path in ("/api/v1/openapi.json", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_base_headers(response)


def test_hsts_only_over_https(client: FlaskClient) -> None:
    secure = client.get("/api/v1/docs", base_url="https://microcred.example")
    plain = client.get("/api/v1/docs")

    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_behind_a_trusted_proxy_follows_x_forwarded_proto(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(MICROCRED_TRUSTED_PROXIES=1).test_client()

    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    plain = client.get("/healthz", headers={"X-Forwarded-Proto": "http"})

    assert "Strict-Transport-Security" in forwarded.headers
    assert "Strict-Transport-Security" not in plain.headers


def test_a_view_that_sets_its_own_policy_keeps_it(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    def framed() -> tuple[str, int, dict[str, str]]:
        return "<p>x</p>", 200, {"Content-Security-Policy": "default-src 'self'"}

    app.add_url_rule("/own-policy-for-test", "own_policy_for_test", framed)
    response = app.test_client().get("/own-policy-for-test")

    assert response.headers["Content-Security-Policy"] == "default-src 'self'"
    assert response.headers["X-Frame-Options"] == "DENY"
