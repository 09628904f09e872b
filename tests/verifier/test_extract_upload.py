"""read_upload: a credential out of JSON, a baked PNG or SVG badge, or a PDF certificate,
and a typed error (with its HTTP status) for everything else."""

from __future__ import annotations

import io
import json
import random
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfWriter

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg
from credentials.documents.pdf import CertificateData, render_certificate_pdf
from credentials.errors import (
    InvalidInputError,
    MalformedCredentialError,
    NoEmbeddedCredentialError,
    PayloadTooLargeError,
    UnsupportedMediaError,
)
from credentials.results import Verdict
from credentials.verify import Verifier
from tests.credentials import factories
from verifier.extract import DEFAULT_MAX_UPLOAD_BYTES, read_upload

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SIGNED = factories.signed()
TEXT = json.dumps(SIGNED, indent=2, ensure_ascii=False)


@pytest.fixture(scope="module")
def certificate_pdf() -> bytes:
    data = CertificateData(
        recipient_name="Ada Okafor",
        certification_name="Freelance Python API Developer",
        description="Designs, builds and tests HTTP APIs in Python for clients.",
        criteria="Each competency shown in two accepted gig projects.",
        competencies=[],
        projects=[],
        issuer_name="Northwind Skills Academy",
        issuer_id=factories.ISSUER_DID,
        issued_on=date(2026, 1, 15),
        expires_on=date(2028, 1, 15),
        credential_id=SIGNED["id"],
        verify_url="https://microcred.example/v/6a1c3e2e",
    )
    return render_certificate_pdf(data, credential_json=TEXT.encode(), templates_dir=TEMPLATES)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_json_upload() -> None:
    extracted = read_upload(TEXT.encode(), filename="badge.json")

    assert extracted.format == "json"
    assert extracted.credential == SIGNED
    assert extracted.raw_text == TEXT


def test_baked_png_badge() -> None:
    png = bake_png(default_badge_png("Python API"), TEXT)

    extracted = read_upload(png, filename="badge.png", content_type="image/png")

    assert (extracted.format, extracted.credential, extracted.raw_text) == ("png", SIGNED, TEXT)


def test_baked_svg_badge() -> None:
    svg = bake_svg(default_badge_svg("Python API"), TEXT)

    extracted = read_upload(svg.encode())

    assert (extracted.format, extracted.credential) == ("svg", SIGNED)


def test_pdf_certificate(certificate_pdf: bytes) -> None:
    extracted = read_upload(certificate_pdf, filename="certificate.pdf")

    assert (extracted.format, extracted.credential) == ("pdf", SIGNED)


def test_extracted_credential_verifies(certificate_pdf: bytes) -> None:
    credential = read_upload(certificate_pdf).credential

    result = Verifier.offline(clock=lambda: factories.NOW).verify(credential)

    assert result.verdict is Verdict.VALID, result.summary


def test_tampered_credential_in_a_badge_is_extracted_and_then_fails() -> None:
    tampered = factories.deep(SIGNED)
    tampered["credentialSubject"]["achievement"]["name"] = "Senior Kubernetes Architect"
    png = bake_png(default_badge_png("Python API"), json.dumps(tampered))

    result = Verifier.offline(clock=lambda: factories.NOW).verify(read_upload(png).credential)

    assert result.verdict is Verdict.INVALID


def test_fifty_megabyte_upload_is_refused_before_any_parsing() -> None:
    huge = b"\x89PNG\r\n\x1a\n" + bytes(50 * 1024 * 1024)
    with pytest.raises(
        PayloadTooLargeError, match=r"50.0 MiB, larger than the 10.0 MiB limit"
    ) as e:
        read_upload(huge)

    assert e.value.http_status == 413
    assert e.value.details == {"size": len(huge), "limit": DEFAULT_MAX_UPLOAD_BYTES}
    assert e.value.field == "file"


def test_limit_is_configurable() -> None:
    with pytest.raises(InvalidInputError, match=r"larger than the 100 bytes limit"):
        read_upload(b"{" + b" " * 200 + b"}", max_bytes=100)


def test_random_bytes_are_unsupported_media() -> None:
    noise = random.Random(7).randbytes(4096)  # noqa: S311 - test data, not security

    with pytest.raises(UnsupportedMediaError, match=r"unsupported upload") as caught:
        read_upload(noise, filename="photo.jpg", content_type="image/jpeg")

    assert caught.value.http_status == 415
    assert "'photo.jpg'" in caught.value.message


def test_empty_upload_is_unsupported_media() -> None:
    with pytest.raises(UnsupportedMediaError, match=r"an empty file"):
        read_upload(b"")


def test_pdf_without_an_embedded_credential() -> None:
    with pytest.raises(NoEmbeddedCredentialError) as caught:
        read_upload(_blank_pdf(), filename="scan.pdf")

    assert caught.value.http_status == 422


def test_png_without_a_credential() -> None:
    with pytest.raises(NoEmbeddedCredentialError):
        read_upload(default_badge_png("Plain badge"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"id": "urn:a", "id": "urn:b"}', r"key 'id' twice"),
        ('{"n": NaN}', r"must not contain NaN"),
    ],
)
def test_malformed_credential_json_in_a_badge(text: str, problem: str) -> None:
    png = bake_png(default_badge_png("Python API"), text)

    with pytest.raises(MalformedCredentialError, match=problem) as caught:
        read_upload(png)

    assert caught.value.http_status == 400


def test_malformed_json_upload() -> None:
    with pytest.raises(MalformedCredentialError, match=r"not valid JSON"):
        read_upload(b'{"@context": [')


def test_vc_jwt_badge_is_read_as_its_envelope() -> None:
    # v-jwt: a VC 1.1 JWT-VC baked into an SVG is verified (credentials.jwtvc), carried as
    # an EnvelopedVerifiableCredential.
    token = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl"
    svg = bake_svg(default_badge_svg("JWT badge"), token)

    extracted = read_upload(svg.encode())
    assert extracted.credential["type"] == "EnvelopedVerifiableCredential"
    assert extracted.credential["id"] == f"data:application/vc+jwt,{token}"


def test_non_bytes_are_refused() -> None:
    with pytest.raises(UnsupportedMediaError, match=r"must be bytes"):
        read_upload("{}")  # type: ignore[arg-type]


def test_memoryview_and_bytearray_are_accepted() -> None:
    assert read_upload(memoryview(TEXT.encode())).credential == SIGNED
    assert read_upload(bytearray(TEXT.encode())).credential == SIGNED
