"""POST /api/v1/verify: public (no API key), every input format, every check in the answer,
and a clear 4xx (never a 500) for input that is not a usable credential."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfWriter
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg
from credentials.documents.pdf import CertificateData, render_certificate_pdf
from credentials.proofs import JCS, RDFC
from tests.verifier.servers import unused_port
from tests.verifier.web.conftest import ForeignIssuer

URL = "/api/v1/verify"
TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def _checks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [c for c in body["checks"] if c["check"] == name]


def _assert_error(response: Any, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == status
    assert body["error"] == error
    assert body["description"]
    return body


# --- credentials from any issuer ---------------------------------------------------------------


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_another_did_key_issuers_credential_verifies(
    dev_client: FlaskClient, foreign: ForeignIssuer, suite: str
) -> None:
    credential = foreign.credential(suite=suite)

    response = dev_client.post(URL, json=credential)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["verified"], body["verdict"]) == (True, "valid"), body["summary"]
    assert body["credentialId"] == credential["id"]
    assert body["issuer"] == foreign.did
    assert [c["check"] for c in body["checks"]] == [
        "structure",
        "proof",
        "issuer",
        "validity",
        "status",
        "status",
    ]
    assert all(c["outcome"] == "passed" for c in body["checks"])
    assert response.headers["Cache-Control"] == "no-store"


def test_answer_describes_the_credential(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    credential = foreign.credential()

    summary = dev_client.post(URL, json=credential).get_json()["credential"]

    assert summary["recipientName"] == "Ada Okafor"
    assert summary["issuer"] == {
        "id": foreign.did,
        "name": "Elsewhere Bootcamp",
        "url": None,
    }
    assert summary["achievement"]["name"] == "Freelance Python API Developer"
    assert summary["validUntil"] == credential["validUntil"]
    evidence = summary["evidence"]
    assert [e["name"] for e in evidence] == [
        "Payments API for a bakery chain",
        "Inventory sync service",
    ]
    assert evidence[0]["url"] == "https://www.upwork.com/freelancers/~01abc/portfolio/1"
    assert evidence[0]["description"] == "Upwork · Crumb & Co · 2025 · 5.0★"


def test_the_vc_api_envelope_is_accepted(dev_client: FlaskClient, foreign: ForeignIssuer) -> None:
    body = {"verifiableCredential": foreign.credential()}

    response = dev_client.post(URL, json=body)

    assert response.get_json()["verdict"] == "valid"


def test_revoked_and_suspended_foreign_credentials(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    foreign.publish(suspended=True)
    assert dev_client.post(URL, json=credential).get_json()["verdict"] == "suspended"


def test_tampered_credential_fails_the_proof_check(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    credential["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"

    body = dev_client.post(URL, json=credential).get_json()

    assert (body["verified"], body["verdict"]) == (False, "invalid")
    (proof,) = _checks(body, "proof")
    assert (proof["outcome"], proof["code"]) == ("failed", "bad_signature")
    assert body["credential"]["recipientName"] == "Mallory"  # shown as claimed


def test_no_api_key_is_needed_and_a_bad_one_is_ignored(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    response = dev_client.post(
        URL, json=foreign.credential(), headers={"Authorization": "Bearer not-a-key"}
    )

    assert response.status_code == 200
    assert "WWW-Authenticate" not in response.headers


# --- files -------------------------------------------------------------------------------------


def _certificate_pdf(credential: dict[str, Any]) -> bytes:
    data = CertificateData(
        recipient_name="Ada Okafor",
        certification_name="Freelance Python API Developer",
        description="Designs, builds and tests HTTP APIs in Python for clients.",
        criteria="Each competency shown in two accepted gig projects.",
        competencies=[],
        projects=[],
        issuer_name="Elsewhere Bootcamp",
        issuer_id=credential["issuer"]["id"],
        issued_on=date(2026, 1, 15),
        expires_on=date(2028, 1, 15),
        credential_id=credential["id"],
        verify_url="https://microcred.example/v/abc",
    )
    text = json.dumps(credential, indent=2, ensure_ascii=False).encode()
    return render_certificate_pdf(data, credential_json=text, templates_dir=TEMPLATES)


FILES: dict[str, Callable[[dict[str, Any]], tuple[bytes, str, str]]] = {
    "json": lambda c: (json.dumps(c).encode(), "badge.json", "application/json"),
    "png": lambda c: (bake_png(default_badge_png("API"), c), "badge.png", "image/png"),
    "svg": lambda c: (bake_svg(default_badge_svg("API"), c).encode(), "badge.svg", "image/svg+xml"),
    "pdf": lambda c: (_certificate_pdf(c), "certificate.pdf", "application/pdf"),
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_uploaded_file_verifies(dev_client: FlaskClient, foreign: ForeignIssuer, kind: str) -> None:
    data, name, content_type = FILES[kind](foreign.credential())

    response = dev_client.post(
        URL,
        data={"file": (io.BytesIO(data), name, content_type)},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["verdict"] == "valid"


@pytest.mark.parametrize("kind", ["png", "svg", "pdf"])
def test_raw_file_body_verifies(dev_client: FlaskClient, foreign: ForeignIssuer, kind: str) -> None:
    data, _, content_type = FILES[kind](foreign.credential())

    response = dev_client.post(URL, data=data, content_type=content_type)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["verdict"] == "valid"


# --- bad input -----------------------------------------------------------------------------


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post(URL, data=b'{"@context": [', content_type="application/json")

    body = _assert_error(response, 400, "malformed_credential")
    assert "not valid JSON" in body["description"]


@pytest.mark.parametrize(
    ("payload", "phrase"),
    [
        (b"[1, 2]", "must be a JSON object"),
        (b'{"id": 1, "id": 2}', "twice"),
        (b'{"validFrom": NaN}', "NaN"),
        (b'{"verifiableCredential": "text"}', "verifiableCredential"),
    ],
    ids=["array", "duplicate-key", "nan", "envelope-not-object"],
)
def test_json_that_is_not_a_credential_is_400(
    client: FlaskClient, payload: bytes, phrase: str
) -> None:
    response = client.post(URL, data=payload, content_type="application/json")

    assert phrase in _assert_error(response, 400, "malformed_credential")["description"]


def test_unsupported_media_type_is_415(client: FlaskClient) -> None:
    response = client.post(
        URL, data="credential=1", content_type="application/x-www-form-urlencoded"
    )

    body = _assert_error(response, 415, "unsupported_media")
    assert "multipart/form-data" in body["description"]


def test_upload_of_another_file_type_is_415(client: FlaskClient) -> None:
    response = client.post(
        URL,
        data={"file": (io.BytesIO(b"GIF89a not a credential"), "cat.gif", "image/gif")},
        content_type="multipart/form-data",
    )

    _assert_error(response, 415, "unsupported_media")


def test_multipart_without_a_file_is_400(client: FlaskClient) -> None:
    response = client.post(URL, data={"other": "x"}, content_type="multipart/form-data")

    assert (
        "nothing to verify" in _assert_error(response, 400, "malformed_credential")["description"]
    )


def test_pdf_without_an_embedded_credential_is_422(client: FlaskClient) -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    pdf = io.BytesIO()
    writer.write(pdf)

    response = client.post(URL, data=pdf.getvalue(), content_type="application/pdf")

    body = _assert_error(response, 422, "format.no_credential")
    assert "PDF" in body["description"]


def test_png_without_a_baked_credential_is_422(client: FlaskClient) -> None:
    response = client.post(URL, data=default_badge_png("API"), content_type="image/png")

    _assert_error(response, 422, "format.no_credential")


def test_50_mb_upload_is_413_without_a_500(client: FlaskClient) -> None:
    big = b"%PDF-1.7\n" + b"0" * (50 * 1024 * 1024)

    response = client.post(URL, data=big, content_type="application/pdf")

    body = _assert_error(response, 413, "payload_too_large")
    assert "10485760 bytes" in body["description"]


def test_50_mb_multipart_upload_is_413(client: FlaskClient) -> None:
    # Encoded by hand: the test client would spool a big upload to a file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(b"0" * (50 * 1024 * 1024)), "huge.pdf")}
    )
    assert len(body) > 50 * 1024 * 1024

    response = client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")

    _assert_error(response, 413, "payload_too_large")


def test_a_smaller_configured_limit_applies(make_app: Callable[..., Flask]) -> None:
    client = make_app(MAX_CONTENT_LENGTH=4096).test_client()

    response = client.post(URL, data=b"0" * 5000, content_type="image/png")

    _assert_error(response, 413, "payload_too_large")


def test_unknown_context_under_rdfc_names_the_context(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    credential["@context"] = [*credential["@context"], "https://contexts.example/unknown.jsonld"]

    body = dev_client.post(URL, json=credential).get_json()

    (proof,) = _checks(body, "proof")
    assert proof["code"] == "unknown_context"
    assert "https://contexts.example/unknown.jsonld" in proof["message"]


def test_broken_multibase_proof_value_fails_the_proof_check(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = foreign.credential()
    credential["proof"]["proofValue"] = "z0OIl+/"  # not base58btc

    body = dev_client.post(URL, json=credential).get_json()

    assert body["verdict"] == "invalid"
    (proof,) = _checks(body, "proof")
    assert (proof["outcome"], proof["code"]) == ("failed", "bad_proof_value")
    assert "base58" in proof["message"]


def _did_web_credential(foreign: ForeignIssuer, did: str) -> dict[str, Any]:
    unsigned = foreign.unsigned(issuer={"id": did, "type": ["Profile"], "name": "Nowhere Academy"})
    unsigned.pop("credentialStatus")
    from credentials.proofs import add_proof

    return add_proof(unsigned, foreign.key, verification_method=f"{did}#key-1")


def test_did_web_of_an_unreachable_host_fails_naming_the_cause(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    did = f"did:web:127.0.0.1%3A{unused_port()}"

    response = dev_client.post(URL, json=_did_web_credential(foreign, did))

    assert response.status_code == 200
    body = response.get_json()
    (proof,) = _checks(body, "proof")
    assert (proof["outcome"], proof["code"]) == ("failed", "resolution_failed")
    assert did in proof["message"]
    assert "refused" in proof["message"].lower() or "connect" in proof["message"].lower()


def test_did_web_on_a_private_address_is_refused_in_production_settings(
    client: FlaskClient, foreign: ForeignIssuer
) -> None:
    did = "did:web:127.0.0.1%3A8443"

    body = client.post(URL, json=_did_web_credential(foreign, did)).get_json()

    (proof,) = _checks(body, "proof")
    assert proof["code"] == "resolution_failed"
    assert "loopback" in proof["message"] or "not allowed" in proof["message"], proof["message"]


# --- rate limit and documentation ----------------------------------------------------------------


def test_rate_limited_per_client_address(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MICROCRED_PUBLIC_RATELIMIT="2 per minute")
    client = app.test_client()
    send = lambda **kw: client.post(URL, data=b"[]", content_type="application/json", **kw)  # noqa: E731

    assert [send().status_code for _ in range(2)] == [400, 400]
    limited = send()
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "rate_limited"
    assert send(environ_overrides={"REMOTE_ADDR": "198.51.100.9"}).status_code == 400


def test_documented_in_openapi_without_security(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    operation = spec["paths"]["/api/v1/verify"]["post"]
    assert operation["security"] == []
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
        "application/pdf",
        "image/png",
        "image/svg+xml",
        "application/vc+jwt",  # v-jwt: verified (credentials.jwtvc)
        "text/plain",
    }
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/VerificationResult"
    }
    assert {"400", "413", "415", "422", "429"} <= set(operation["responses"])
    assert "checks" in spec["components"]["schemas"]["VerificationResult"]["properties"]
    result = spec["components"]["schemas"]["VerificationResult"]
    assert {"errors", "warnings"} <= set(result["required"])
    vc_api = spec["paths"]["/credentials/verify"]["post"]
    assert vc_api["security"] == []
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert '<span class="path">/api/v1/verify</span>' in docs
