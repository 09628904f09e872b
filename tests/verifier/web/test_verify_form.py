"""GET/POST /verify: the upload form for any credential, its refusal of cross-site posts,
its errors (shown on the form, with the right status) and the headers of every page."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfWriter

from credentials.documents.badge_image import default_badge_png
from credentials.documents.baking import bake_png
from microcred.platform.security import CONTENT_SECURITY_POLICY
from tests.verifier.servers import unused_port
from tests.verifier.web.conftest import ForeignIssuer

XSS_NAME = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _verdict(html: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def _post_form(client: FlaskClient, data: dict[str, Any], **headers: str) -> Any:
    return client.post("/verify", data=data, content_type="multipart/form-data", headers=headers)


def test_form_is_a_labelled_page_with_strict_headers(client: FlaskClient) -> None:
    response = client.get("/verify")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<label for="credential-file">' in html
    assert '<label for="credential-text">' in html
    assert 'enctype="multipart/form-data"' in html
    assert "<script" not in html
    assert "<style" not in html  # styles come from same-origin files only (CSP)
    assert not re.search(r'(src|href)="(https?:)?//', html), "no external assets"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY  # default-src 'none' forbids scripts
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_stylesheets_are_served_and_cacheable(client: FlaskClient) -> None:
    html = client.get("/verify").get_data(as_text=True)
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert [link.split("?")[0] for link in links] == ["/assets/site.css", "/assets/verify.css"]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert "max-age=86400" in response.headers["Cache-Control"]
        response.close()


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_pasted_credential_of_another_issuer_is_verified(
    dev_client: FlaskClient, foreign: ForeignIssuer, suite: str
) -> None:
    credential = foreign.credential(suite=suite)

    response = _post_form(dev_client, {"credential": json.dumps(credential)})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _verdict(html) == "valid"
    assert "Elsewhere Bootcamp" in html
    assert foreign.did in html
    assert "from your upload (nothing was stored)" in html
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_uploaded_badge_is_verified(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    png = bake_png(default_badge_png("API"), foreign.credential())

    response = _post_form(dev_client, {"file": (io.BytesIO(png), "badge.png", "image/png")})

    assert _verdict(response.get_data(as_text=True)) == "valid"


def test_revoked_upload_says_revoked(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    credential = foreign.credential()
    foreign.publish(revoked=True)

    html = _post_form(dev_client, {"credential": json.dumps(credential)}).get_data(as_text=True)

    assert _verdict(html) == "revoked"
    assert "has withdrawn this credential" in html


def test_issued_strings_are_escaped_and_unsafe_links_dropped(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    unsigned = foreign.unsigned()
    unsigned["credentialSubject"]["identifier"][0]["identityHash"] = XSS_NAME
    unsigned["evidence"][0]["id"] = "javascript:alert(3)"
    unsigned["evidence"][0]["name"] = '"><svg onload=alert(4)>'
    credential = foreign.sign(unsigned)

    html = _post_form(dev_client, {"credential": json.dumps(credential)}).get_data(as_text=True)

    assert _verdict(html) == "valid"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "javascript:" not in html


def test_cross_site_posts_are_refused(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    data = {"credential": json.dumps(foreign.credential())}
    for headers in (
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Referer": "https://attacker.example/page"},
    ):
        response = _post_form(dev_client, dict(data), **headers)
        assert response.status_code == 403, headers
        assert "only accepts submissions from this site" in response.get_data(as_text=True)
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_same_site_and_non_browser_posts_are_accepted(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    data = {"credential": json.dumps(foreign.credential())}
    for headers in (
        {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
        {"Origin": "https://microcred.example"},  # MICROCRED_BASE_URL, behind a proxy
        {"Referer": "http://localhost/verify"},
        {},  # curl: neither header
    ):
        assert _post_form(dev_client, dict(data), **headers).status_code == 200, headers


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "status", "phrase"),
    [
        ({"credential": "{not json"}, 400, "not valid JSON"),
        ({}, 400, "nothing to verify"),
        ({"file": (b"hello", "note.txt", "text/plain")}, 415, "cannot carry"),
        ({"file": (_blank_pdf(), "c.pdf", "application/pdf")}, 422, "No credential"),
    ],
    ids=["malformed-json", "empty", "text-file", "pdf-without-credential"],
)
def test_unusable_input_is_shown_on_the_form(
    client: FlaskClient, data: dict[str, Any], status: int, phrase: str
) -> None:
    # Fresh streams per run: the parameters are shared by both database backends.
    fields = {
        name: (io.BytesIO(value[0]), *value[1:]) if isinstance(value, tuple) else value
        for name, value in data.items()
    }
    response = _post_form(client, fields)

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert phrase in html
    assert '<form class="card verify-form"' in html


def test_pasted_text_is_kept_after_an_error(client: FlaskClient) -> None:
    html = _post_form(client, {"credential": '{"a": <b>'}).get_data(as_text=True)

    assert "{&#34;a&#34;: &lt;b&gt;</textarea>" in html


def test_oversized_upload_is_413_on_the_form(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_CONTENT_LENGTH=8192).test_client()

    response = _post_form(
        client, {"file": (io.BytesIO(b"0" * 20000), "big.pdf", "application/pdf")}
    )

    assert response.status_code == 413
    assert "limited to" in response.get_data(as_text=True)


def test_unknown_reference_is_a_friendly_404(client: FlaskClient) -> None:
    for ref in ("AbCd1234", "urn:uuid:6a1c3e2e-6a0f-4d0c-8a57-2f1e9b6a4c11", "<b>x</b>", "x" * 300):
        response = client.get(f"/v/{ref}")
        assert response.status_code == 404, ref
        html = response.get_data(as_text=True)
        assert "Not found" in html
        assert "<b>x</b>" not in html
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["Cache-Control"] == "no-store"


def _did_web_signed(foreign: ForeignIssuer, did: str) -> dict[str, Any]:
    from credentials.proofs import add_proof

    unsigned = foreign.unsigned(issuer={"id": did, "type": ["Profile"], "name": "Nowhere"})
    unsigned.pop("credentialStatus")
    return add_proof(unsigned, foreign.key, verification_method=f"{did}#key-1")


def test_bad_credentials_get_a_result_page_naming_the_cause(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    unknown_context = foreign.credential()
    unknown_context["@context"] = [*unknown_context["@context"], "https://ctx.example/x.jsonld"]
    broken_multibase = foreign.credential()
    broken_multibase["proof"]["proofValue"] = "z0OIl"
    unreachable = _did_web_signed(foreign, f"did:web:127.0.0.1%3A{unused_port()}")

    for credential, phrase in (
        (unknown_context, "https://ctx.example/x.jsonld"),
        (broken_multibase, "base58"),
        (unreachable, "cannot resolve"),
    ):
        response = _post_form(dev_client, {"credential": json.dumps(credential)})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert _verdict(html) == "invalid"
        assert phrase in html
        assert 'class="check failed"' in html
