"""The app as a whole: health check, OpenAPI document, docs page, rate limits."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.issuer.factories import Factory

ERROR_SHAPE = {"code", "message", "description", "error", "field", "errors", "details"}


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    # Memory rate-limit storage: no Redis to report.
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "keyStore": "ok",
    }
    assert response.headers["Cache-Control"] == "no-store"
    live = client.get("/livez")
    assert (live.status_code, live.get_json()) == (200, {"status": "ok"})


def test_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "https://microcred.example"}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "mc_<prefix>_<secret>",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert set(spec["components"]["schemas"]["Error"]["properties"]) == ERROR_SHAPE
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    public = {("post", "/api/v1/verify"), ("post", "/credentials/verify")}
    assert {(m, p) for p, m, _ in operations} >= public
    # Wallet delivery (issue 14, item 3) answers wallets, not API keys: the offer's token
    # (or OpenID4VCI's access token) is its authorisation, so no bearerAuth requirement.
    wallet = {
        ("post", "/workflows/wallet-delivery/exchanges/{token}"),
        ("get", "/.well-known/openid-credential-issuer"),
        ("get", "/.well-known/oauth-authorization-server"),
        ("get", "/oid4vci/offers/{token}"),
        ("post", "/oid4vci/token"),
        ("post", "/oid4vci/nonce"),
        ("post", "/oid4vci/credential"),
    }
    assert {(m, p) for p, m, _ in operations} >= wallet
    for path, method, op in operations:
        if (method, path) in wallet:
            assert op["security"] == [], path
    operations = [o for o in operations if (o[1], o[0]) not in wallet]
    # 30, fl-privacy's 4 and the 8 webhook operations (the wallet's 7 are set apart above).
    assert len(operations) == 30 + 4 + 8
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        if (method, path) in public:
            # Verification is for anyone: no key, and so no 401 to document.
            assert op["security"] == [], where
            assert "401" not in op["responses"], where
            continue
        [requirement] = op["security"]
        assert list(requirement) == ["bearerAuth"], where
        assert len(requirement["bearerAuth"]) == 1, where  # the one scope it needs
        assert op["responses"]["403"] == {"$ref": "#/components/responses/FORBIDDEN"}, where
        assert op.get("summary"), where
        responses = op["responses"]
        assert responses["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}, where
        assert "429" in responses, where
        assert "default" in responses, where
        if "{" in path:
            assert "404" in responses, where
        if "requestBody" in op:
            assert {"400", "413", "415", "422"} <= set(responses), where
        # fl-webhooks: registering a webhook and rotating its secret answer the secret,
        # which the idempotency records must not keep in clear (issuer/api/webhooks.py).
        secret_answers = {
            ("post", "/api/v1/webhooks"),
            ("post", "/api/v1/webhooks/{webhook_id}/rotate-secret"),
        }
        if method != "get" and (method, path) not in secret_answers:
            assert any(p["name"] == "Idempotency-Key" for p in op.get("parameters", [])), where
        for status, response in responses.items():
            if status.startswith(("4", "5")) or status == "default":
                assert "$ref" in response, where
    for name in ("UNAUTHORIZED", "NOT_FOUND", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        content = spec["components"]["responses"][name]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_openapi_uses_camel_case_and_marks_server_fields_read_only(client: FlaskClient) -> None:
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    certification = schemas["Certification"]["properties"]
    assert "criteriaNarrative" in certification
    assert certification["id"]["readOnly"] is True
    # OAuth 2.0 (RFC 6749, RFC 8414) and OpenID4VCI 1.0 name these members themselves.
    spec_named = {
        "OAuthError",
        "CredentialOffer",
        "CredentialIssuerMetadata",
        "AuthorizationServerMetadata",
        "TokenRequest",
        "TokenResponse",
        "NonceResponse",
        "CredentialRequest",
    }
    for schema_name, schema in schemas.items():
        if schema_name in spec_named:
            continue
        for name in schema.get("properties", {}):
            assert "_" not in name, name


def test_docs_page_lists_every_operation_without_external_assets(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                assert f'<span class="path">{path}</span>' in html
                assert f'<span class="method {method.upper()}">' in html
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external assets"
    assert "Idempotency-Key (header)" in html


def test_docs_page_escapes_text(client: FlaskClient) -> None:
    from issuer.api.docs import inline_code

    assert str(inline_code("use `a<b>` & <script>")) == (
        "use <code>a&lt;b&gt;</code> &amp; &lt;script&gt;"
    )


def test_public_endpoints_are_rate_limited_per_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MICROCRED_PUBLIC_RATELIMIT="2 per minute")
    provider = Factory(app).provider()
    client = app.test_client()
    url = f"/issuers/{provider.slug}/did.json"
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    limited = client.get(url)
    assert limited.status_code == 429
    body = limited.get_json()
    assert body["code"] == 429
    assert body["error"] == "rate_limited"
    assert "2 per 1 minute" in body["description"]
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    other = client.get(url, environ_overrides={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200


def test_api_is_rate_limited_per_key(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MICROCRED_API_RATELIMIT="3 per minute")
    make = Factory(app)
    first, second = make.provider(), make.provider()
    client = app.test_client()
    statuses = [client.get("/api/v1/issuer", headers=first.headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # The limit is shared by all endpoints of the API…
    limited = client.get("/api/v1/freelancers", headers=first.headers)
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
    # …and counted per key: another provider's key is unaffected.
    assert client.get("/api/v1/issuer", headers=second.headers).status_code == 200


def test_no_cookies_are_set_and_the_cookie_session_is_refused(app: Flask) -> None:
    from flask import session

    client = app.test_client()
    for path in ("/", "/verify", "/healthz", "/api/v1/openapi.json"):
        response = client.get(path, headers={"Cookie": "session=forged"})
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    with app.test_request_context("/"):
        assert not session  # a cookie sent by the client is never read
        with pytest.raises(RuntimeError, match="session is unavailable"):
            session["user"] = "x"
