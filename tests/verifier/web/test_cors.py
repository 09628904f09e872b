"""CORS: the public verification APIs and the public documents a wallet or verifier fetches
answer any origin (preflight included, never with credentials); the issuer API, the VC API
issue endpoint and the pages do not."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from microcred.platform.security import CORS_MAX_AGE
from tests.verifier.servers import TestServer
from tests.verifier.web.conftest import LiveServer
from tests.verifier.web.issuing import Issued, IssuingWorld

ORIGIN = "https://wallet.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Access-Control-Allow-Credentials",
)
VERIFY_APIS = ["/api/v1/verify", "/credentials/verify", "/presentations/verify"]


def preflight(client: FlaskClient, path: str, method: str = "POST", **headers: str) -> Any:
    return client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
            **headers,
        },
    )


def _document(client: FlaskClient, issued: Issued) -> dict[str, Any]:
    response = client.get(f"/credentials/{issued.id}.json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.data)
    return document


@pytest.mark.parametrize("path", VERIFY_APIS)
def test_preflight_of_the_verify_apis(client: FlaskClient, path: str) -> None:
    response = preflight(client, path)

    assert response.status_code == 200
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"].split(", ")
    assert "GET" not in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert headers["Access-Control-Max-Age"] == str(CORS_MAX_AGE)
    # No credentials: a browser sends no cookie or Authorization with these calls.
    assert "Access-Control-Allow-Credentials" not in headers


def test_verify_answers_and_errors_are_readable_by_any_origin(
    client: FlaskClient, world: IssuingWorld
) -> None:
    credential = _document(client, world.issue())

    verified = client.post("/api/v1/verify", json=credential, headers={"Origin": ORIGIN})
    vc_api = client.post(
        "/credentials/verify", json={"verifiableCredential": credential}, headers={"Origin": ORIGIN}
    )
    refused = client.post("/api/v1/verify", data=b"{not json", headers={"Origin": ORIGIN})

    assert verified.status_code == 200
    assert verified.get_json()["verified"] is True
    assert vc_api.status_code == 200
    assert 400 <= refused.status_code < 500  # a wallet must be able to read why
    for response in (verified, vc_api, refused):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in response.headers
        # The preflight-only headers stay on preflights.
        assert "Access-Control-Allow-Methods" not in response.headers


def test_public_documents_answer_any_origin(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()
    credential = _document(client, issued)
    status_url = credential["credentialStatus"][0]["statusListCredential"]
    paths = [
        f"/issuers/{issued.provider.slug}/did.json",
        urlsplit(status_url).path,
        f"/credentials/{issued.id}.json",
        f"/credentials/{issued.id}/badge.png",
    ]
    for path in paths:
        response = client.get(path, headers={"Origin": ORIGIN})
        assert response.status_code == 200, path
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
        answer = preflight(client, path, method="GET")
        assert answer.status_code == 200, path
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
        assert "POST" not in answer.headers["Access-Control-Allow-Methods"]
        assert "Access-Control-Allow-Credentials" not in answer.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/credentials"),
        ("GET", "/api/v1/issuers/northwind-skills"),
        ("POST", "/credentials/issue"),  # the VC API issue endpoint needs a key
        ("GET", "/verify"),  # a page
        ("GET", "/api/v1/docs"),
    ],
)
def test_issuer_api_and_pages_get_no_cors(client: FlaskClient, method: str, path: str) -> None:
    answer = preflight(client, path, method=method, **{"Access-Control-Request-Headers": ""})
    call = client.open(path, method=method, headers={"Origin": ORIGIN}, json={})

    for response in (answer, call):
        for name in CORS_HEADERS:
            assert name not in response.headers, (path, response.status_code, name)


# --- a real browser on another origin ---------------------------------------------------------

FETCH = """async ([url, body]) => {
  try {
    const response = await fetch(url, {
      method: "POST", headers: {"Content-Type": "application/json"}, body: body,
    });
    return {status: response.status, json: await response.json()};
  } catch (error) {
    return {error: String(error)};
  }
}"""


@pytest.mark.browser
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_page_on_another_origin_calls_the_verify_api(
    browser: Any, live_server: LiveServer, world: IssuingWorld, http_server: TestServer
) -> None:
    credential = _document(live_server.app.test_client(), world.issue())
    # The "wallet": a page of another origin (another port, and localhost, not 127.0.0.1).
    http_server.route("/wallet.html", b"<!doctype html><title>wallet</title>")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(http_server.url("/wallet.html"))
        body = json.dumps(credential)

        verified = page.evaluate(FETCH, [live_server.url + "/api/v1/verify", body])
        # The issuer API does not open itself to other origins: the browser refuses.
        refused = page.evaluate(FETCH, [live_server.url + "/api/v1/credentials", body])
    finally:
        context.close()

    assert verified.get("status") == 200, verified
    assert verified["json"]["verified"] is True
    assert "Failed to fetch" in refused.get("error", ""), refused
