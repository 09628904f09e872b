"""GET /credentials/<uuid>.pdf: the certificate of a stored credential, its embedded
credential, its QR code, and the content-addressed cache behind it."""

from __future__ import annotations

import io
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader, PdfWriter

from credentials.results import Verdict
from issuer.services import issuers
from microcred.app import TEMPLATES_DIR
from tests.credentials.documents.documents_helpers import decode_qr, pdf_page_images
from tests.issuer.factories import Factory
from tests.sharing.conftest import ACTOR, Issued, renders, stored_json
from verifier.extract import read_upload


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """Text without line breaks (long ids wrap on the page)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture
def issued(issue: Callable[..., Issued]) -> Issued:
    return issue(recipient="Amara Okafor", certification="Freelance Python API Developer")


@pytest.fixture
def pdf(client: FlaskClient, issued: Issued) -> bytes:
    response = client.get(issued.path(".pdf"))
    assert response.status_code == 200
    return response.data


def test_pdf_shows_names_projects_and_credential_id(pdf: bytes, issued: Issued) -> None:
    text = pdf_text(pdf)
    assert "Amara Okafor" in text
    assert "Freelance Python API Developer" in text
    assert "Payments webhook API for a Shopify store" in text
    assert "Brightline Outfitters" in text  # from our records: the project's client
    assert issued.credential_id in flat(text)
    assert issued.verify_url in flat(text)
    assert "SCAN FOR STATUS" in text
    assert "VALID" not in text


def test_pdf_embeds_the_stored_credential_byte_for_byte(pdf: bytes, issued: Issued) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments["credential.json"] == [issued.document.encode("utf-8")]


def test_embedded_credential_verifies_offline(
    pdf: bytes, issued: Issued, verify: Callable[..., object]
) -> None:
    upload = read_upload(pdf, filename="certificate.pdf")
    assert upload.format == "pdf"
    assert upload.raw_text == issued.document
    result = verify(upload.credential)
    assert result.verified, result.as_dict()  # type: ignore[attr-defined]
    assert result.verdict is Verdict.VALID  # type: ignore[attr-defined]


def test_tampered_embedded_credential_fails(
    pdf: bytes, issued: Issued, verify: Callable[..., object]
) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    [attachment] = writer.attachment_list
    attachment.content = attachment.content.replace(b"Amara Okafor", b"Mallory Evil")
    tampered = io.BytesIO()
    writer.write(tampered)

    upload = read_upload(tampered.getvalue())
    assert "Mallory Evil" in upload.raw_text
    result = verify(upload.credential)
    assert result.verdict is Verdict.INVALID  # type: ignore[attr-defined]
    assert [c.code for c in result.failures if c.name == "proof"]  # type: ignore[attr-defined]


def test_pdf_declares_pdf_a_3b(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.xmp_metadata is not None
    xmp = reader.xmp_metadata.stream.get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert len(reader.pages) == 1


def test_qr_on_the_page_decodes_to_the_verification_url(pdf: bytes, issued: Issued) -> None:
    [page] = pdf_page_images(pdf, dpi=150)
    assert decode_qr(page) == [issued.verify_url]
    assert issued.verify_url == f"https://microcred.example/v/{issued.short_code}"


def test_pdf_response_headers(client: FlaskClient, issued: Issued) -> None:
    response = client.get(issued.path(".pdf"))
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="amara-okafor-freelance-python-api-developer.pdf"'
    )
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert re.fullmatch(r'"[0-9a-f]{64}"', response.headers["ETag"])
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_second_request_is_served_from_the_cache(
    app: Flask, client: FlaskClient, issued: Issued
) -> None:
    first = client.get(issued.path(".pdf"))
    second = client.get(issued.path(".pdf"))
    assert renders(app).get("pdf") == 1
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    cache = app.extensions["microcred.sharing"].cache
    assert cache.usage()[1] == 1


def test_cache_survives_a_new_process(
    make_app: Callable[..., Flask], tmp_path: Path, issued: Issued, client: FlaskClient
) -> None:
    first = client.get(issued.path(".pdf"))
    # Another worker process: a new app on the same database and instance folder.
    other = make_app(MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"))
    again = other.test_client().get(issued.path(".pdf"))
    assert again.data == first.data
    assert renders(other).get("pdf") is None


def test_if_none_match_gets_304(app: Flask, client: FlaskClient, issued: Issued) -> None:
    etag = client.get(issued.path(".pdf")).headers["ETag"]
    response = client.get(issued.path(".pdf"), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert renders(app)["pdf"] == 1


def test_revocation_re_renders_with_the_revoked_label(
    app: Flask,
    client: FlaskClient,
    issued: Issued,
    revoke: Callable[[Issued], None],
    verify: Callable[..., object],
) -> None:
    before = client.get(issued.path(".pdf"))
    revoke(issued)
    after = client.get(issued.path(".pdf"), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the old copy is stale: not a 304
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "REVOKED" in pdf_text(after.data)
    assert "VALID" not in pdf_text(after.data).replace("INVALID", "")
    assert renders(app)["pdf"] == 2
    # The embedded credential is unchanged, and verifying it says revoked.
    result = verify(read_upload(after.data).credential)
    assert result.verdict is Verdict.REVOKED  # type: ignore[attr-defined]


def test_suspension_says_suspended(
    client: FlaskClient, issued: Issued, suspend: Callable[[Issued], None]
) -> None:
    suspend(issued)
    assert "SUSPENDED" in pdf_text(client.get(issued.path(".pdf")).data)


def test_template_change_re_renders(
    make_app: Callable[..., Flask], tmp_path: Path, issued: Issued
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR / "certificate", templates / "certificate")
    app = make_app(
        MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"),
        MICROCRED_CERTIFICATE_TEMPLATES=str(templates),
        MICROCRED_TEMPLATE_CHECK_SECONDS=0,
    )
    client = app.test_client()
    first = client.get(issued.path(".pdf"))
    assert client.get(issued.path(".pdf")).headers["ETag"] == first.headers["ETag"]
    stylesheet = templates / "certificate" / "default.css"
    stylesheet.write_text(stylesheet.read_text() + "\n/* a provider's tweak */\n")
    second = client.get(issued.path(".pdf"))
    assert second.headers["ETag"] != first.headers["ETag"]
    assert renders(app)["pdf"] == 2


def test_branding_change_re_renders(client: FlaskClient, issued: Issued, make: Factory) -> None:
    first = client.get(issued.path(".pdf"))
    with make.transaction():
        issuers.update_profile(
            issuers.get_issuer(issued.provider.slug),
            {"signatory_name": "Dr. Lena Marsh", "primary_color": "#7a1f5c"},
            actor=ACTOR,
        )
    second = client.get(issued.path(".pdf"))
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "Dr. Lena Marsh" in pdf_text(second.data)


def test_unknown_credential_is_a_json_404(client: FlaskClient) -> None:
    response = client.get(f"/credentials/{uuid.uuid4()}.pdf")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/credentials/not-a-uuid.pdf", "/credentials/..%2Fetc.pdf"])
def test_malformed_ids_are_404(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_stored_credential_is_ours(issued: Issued) -> None:
    # The fixture issues through the real service: the achievement image points at the
    # endpoint this feature serves.
    achievement = stored_json(issued)["credentialSubject"]["achievement"]
    assert achievement["image"]["id"] == (
        f"https://microcred.example/issuers/{issued.provider.slug}/certifications/"
        f"{issued.certification_id}/image.png"
    )
