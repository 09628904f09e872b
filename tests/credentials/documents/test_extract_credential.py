"""Extracting a credential from an upload of any type: sniffing, PDF attachments, errors."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfWriter

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg, extract_credential, sniff_format
from credentials.documents.pdf import CertificateData, render_certificate_pdf
from credentials.documents.pdf_extract import extract_pdf_credential
from credentials.errors import (
    MalformedCredentialError,
    NoEmbeddedCredentialError,
    UnsupportedMediaError,
)

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "urn:uuid:0b5e3c1d-9a4f-4e2b-8c7d-6f5e4d3c2b1a",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
}
TEXT = json.dumps(CREDENTIAL)


def _pdf_with_attachments(files: dict[str, bytes]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    for name, content in files.items():
        writer.add_attachment(name, content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def certificate_pdf() -> bytes:
    data = CertificateData(
        recipient_name="Amara Okafor",
        certification_name="Data Analysis",
        description="",
        criteria="",
        competencies=[],
        projects=[],
        issuer_name="Academy",
        issuer_id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        issued_on=date(2025, 1, 2),
        expires_on=None,
        credential_id=CREDENTIAL["id"],  # type: ignore[arg-type]
        verify_url="https://microcred.example.org/v/0b5e3c1d",
    )
    return render_certificate_pdf(data, credential_json=TEXT.encode(), templates_dir=TEMPLATES)


def test_png_upload() -> None:
    assert extract_credential(bake_png(default_badge_png("Data"), TEXT)) == ("png", TEXT)


def test_svg_upload_with_bom_and_leading_whitespace() -> None:
    svg = "\ufeff\n  " + bake_svg(default_badge_svg("Data"), TEXT)

    assert extract_credential(svg.encode()) == ("svg", TEXT)


def test_pdf_upload(certificate_pdf: bytes) -> None:
    assert extract_credential(certificate_pdf, filename="cert.pdf") == ("pdf", TEXT)


def test_json_upload_is_returned_as_is() -> None:
    raw = b'\n  {"id": "urn:uuid:1",   "type": []}\n'

    assert extract_credential(raw) == ("json", raw.decode())


def test_sniffing_ignores_the_claimed_type() -> None:
    png = bake_png(default_badge_png("Data"), TEXT)

    assert extract_credential(png, filename="badge.svg", content_type="image/svg+xml")[0] == "png"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n...", "png"),
        (b"%PDF-1.7\n", "pdf"),
        (b"garbage before\n%PDF-1.4", "pdf"),
        (b"<?xml version='1.0'?><svg/>", "svg"),
        ("<svg/>".encode("utf-16"), "svg"),
        (b"  {}", "json"),
        (b"GIF89a", None),
        (b"[1, 2]", None),
        (b"", None),
    ],
)
def test_sniff_format(data: bytes, kind: str | None) -> None:
    assert sniff_format(data) == kind


def test_unsupported_upload_says_what_it_saw() -> None:
    with pytest.raises(UnsupportedMediaError) as info:
        extract_credential(b"GIF89a\x01\x00", filename="badge.gif", content_type="image/gif")

    message = info.value.message
    assert "GIF89a" in message
    assert "'badge.gif'" in message
    assert "'image/gif'" in message
    assert info.value.http_status == 415


def test_empty_upload() -> None:
    with pytest.raises(UnsupportedMediaError, match="an empty file"):
        extract_credential(b"")


def test_json_upload_that_is_not_utf8() -> None:
    with pytest.raises(MalformedCredentialError, match="not valid UTF-8"):
        extract_credential(b'{"name": "\xff"}')


# --- PDF attachments ----------------------------------------------------------------------


def test_only_json_attachment_with_another_name_is_used() -> None:
    pdf = _pdf_with_attachments({"badge.json": TEXT.encode()})

    assert extract_pdf_credential(pdf) == TEXT


def test_credential_json_wins_over_other_attachments() -> None:
    pdf = _pdf_with_attachments(
        {"other.json": b"{}", "credential.json": TEXT.encode(), "notes.txt": b"hi"}
    )

    assert extract_pdf_credential(pdf) == TEXT


def test_pdf_without_attachments() -> None:
    with pytest.raises(NoEmbeddedCredentialError, match=r"no 'credential\.json'"):
        extract_pdf_credential(_pdf_with_attachments({}))


def test_pdf_with_only_non_json_attachments() -> None:
    with pytest.raises(NoEmbeddedCredentialError):
        extract_pdf_credential(_pdf_with_attachments({"notes.txt": b"{}"}))


def test_pdf_with_several_json_attachments_is_ambiguous() -> None:
    pdf = _pdf_with_attachments({"a.json": b"{}", "b.json": b"{}"})

    with pytest.raises(
        NoEmbeddedCredentialError, match=r"several JSON attachments \(a.json, b.json\)"
    ):
        extract_pdf_credential(pdf)


def test_attachment_that_is_not_utf8() -> None:
    pdf = _pdf_with_attachments({"credential.json": b'{"name": "\xff"}'})

    with pytest.raises(MalformedCredentialError, match="not UTF-8"):
        extract_pdf_credential(pdf)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>",
        b"%PDF-1.7\n" + b"[" * 5000 + b"\n%%EOF",
        b"%PDF-1.7\nxref\n0 99999999\n0000000000 65535 f \ntrailer<</Size 99999999>>\n"
        b"startxref\n9\n%%EOF",
    ],
    ids=["header-only", "no-xref", "deep-nesting", "absurd-xref"],
)
def test_corrupt_pdf_is_unsupported_media(data: bytes) -> None:
    with pytest.raises((UnsupportedMediaError, NoEmbeddedCredentialError)):
        extract_pdf_credential(data)


def test_truncated_certificate(certificate_pdf: bytes) -> None:
    truncated = certificate_pdf[: len(certificate_pdf) // 3]

    with pytest.raises((UnsupportedMediaError, NoEmbeddedCredentialError)):
        extract_pdf_credential(truncated)


def test_not_a_pdf() -> None:
    with pytest.raises(UnsupportedMediaError, match="%PDF- header is missing"):
        extract_pdf_credential(b"hello")


def test_tampered_attachment_is_extracted_as_tampered(certificate_pdf: bytes) -> None:
    # Extraction does not judge the credential: verification will fail on the proof.
    # The attachment stream is compressed, so tamper by re-attaching through pypdf.
    writer = PdfWriter(clone_from=io.BytesIO(certificate_pdf))
    next(iter(writer.attachment_list)).content = TEXT.replace("0b5e3c1d", "deadbeef").encode()
    out = io.BytesIO()
    writer.write(out)

    assert "deadbeef" in extract_pdf_credential(out.getvalue())
