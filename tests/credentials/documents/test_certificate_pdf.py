"""PDF certificates: content, PDF/A-3b with the credential attached, scannable QR, layout."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import shutil
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from credentials.documents.certificate_view import certificate_context
from credentials.documents.pdf import (
    Branding,
    CertificateCompetency,
    CertificateData,
    CertificateProject,
    extract_pdf_credential,
    render_certificate_pdf,
    template_fingerprint,
)
from credentials.errors import ConfigurationError, InvalidInputError
from tests.credentials.documents.documents_helpers import decode_qr, pdf_page_images

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
CREDENTIAL_JSON = json.dumps(
    {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6f1c2b8e-3f7a-4c59-9a43-0d3b2e7c1a55",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Responsive Web Front-End Development — ✓",
    },
    ensure_ascii=False,
    indent=2,
).encode()
# A 1×1 red PNG, as a provider logo.
RED_DOT = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AA"
    "AAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)

NORMAL = CertificateData(
    recipient_name="Amara Okafor",
    certification_name="Responsive Web Front-End Development",
    description="Builds accessible, responsive web front-ends from design files.",
    criteria="Three client projects assessed by a reviewer.",
    competencies=[
        CertificateCompetency(
            name="Semantic, accessible HTML", projects=["Bakery storefront", "NGO page"]
        ),
        CertificateCompetency(name="Responsive CSS layout", projects=["Bakery storefront"]),
        CertificateCompetency(name="REST API integration", description="fetch, auth, errors"),
    ],
    projects=[
        CertificateProject(
            title="Bakery storefront redesign",
            platform="Upwork",
            client="Crumb & Co.",
            url="https://example.org/projects/1",
            dates="Jan – Feb 2025",
        ),
        CertificateProject(title="NGO page", platform="Fiverr", url="javascript:alert(1)"),
    ],
    issuer_name="Lagos Digital Skills Academy",
    issuer_id="did:web:academy.example.org",
    issued_on=date(2025, 5, 12),
    expires_on=date(2027, 5, 12),
    credential_id="urn:uuid:6f1c2b8e-3f7a-4c59-9a43-0d3b2e7c1a55",
    verify_url="https://microcred.example.org/v/6f1c2b8e-3f7a-4c59-9a43-0d3b2e7c1a55",
    status_label="Valid",
    branding=Branding(
        logo_data_uri=RED_DOT,
        signatory_name="Dr. Ngozi Adeyemi",
        signatory_title="Director of Assessment",
    ),
)
LONG_NAME = "Maximilian Alexander Konstantin von Hohenzollern-Sigmaringen-Wittelsbach " * 3
HOSTILE = dataclasses.replace(
    NORMAL,
    recipient_name="<script>alert(1)</script> " + LONG_NAME,
    certification_name="<b>Bold</b> " + "Advanced " * 40,
    description="x" * 4000,
    criteria="<i>criteria</i> " * 60,
    competencies=[
        CertificateCompetency(name=f"Competency {i} <u>" + "word " * 30, projects=["p"] * 9)
        for i in range(40)
    ],
    projects=[
        CertificateProject(title=f"Project {i} " + "A" * 300, client="ACME " * 50)
        for i in range(30)
    ],
    issuer_name="Academy " * 30,
    status_label="Revoked",
)
RTL_EMOJI = dataclasses.replace(
    NORMAL,
    recipient_name="محمد عبد الله 👩🏽‍💻🎓",
    certification_name="פיתוח ממשקי ווב",
    competencies=[CertificateCompetency(name="تصميم متجاوب", projects=["متجر المخبز"])],
    status_label="Suspended",
)


def _render(data: CertificateData) -> bytes:
    return render_certificate_pdf(data, credential_json=CREDENTIAL_JSON, templates_dir=TEMPLATES)


@pytest.fixture(scope="module")
def normal_pdf() -> bytes:
    return _render(NORMAL)


@pytest.fixture(scope="module")
def hostile_pdf() -> bytes:
    return _render(HOSTILE)


@pytest.fixture(scope="module")
def rtl_pdf() -> bytes:
    return _render(RTL_EMOJI)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> list[DictionaryObject]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    fonts = page["/Resources"]["/Font"]  # type: ignore[index]
    return [fonts[name].get_object() for name in fonts]  # type: ignore[union-attr]


# --- content ------------------------------------------------------------------------------


def test_text_contains_names_and_credential_id(normal_pdf: bytes) -> None:
    text = _text(normal_pdf)

    for value in (
        NORMAL.recipient_name,
        NORMAL.certification_name,
        "Semantic, accessible HTML",
        "Bakery storefront redesign",
        "Dr. Ngozi Adeyemi",
        "12 May 2025",
        "12 May 2027",
    ):
        assert value in text
    assert NORMAL.credential_id in text.replace("\n", "")
    assert NORMAL.verify_url in text.replace("\n", "")
    assert "LAGOS DIGITAL SKILLS ACADEMY" in text  # styled uppercase
    # No "VALID" mark that a saved copy would keep after a revocation: a prompt to scan.
    assert "SCAN FOR STATUS" in text
    assert "VALID" not in text.replace("INVALID", "")


def test_single_landscape_a4_page(normal_pdf: bytes) -> None:
    [page] = PdfReader(io.BytesIO(normal_pdf)).pages

    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (297, 210)


def test_attachment_bytes_are_identical(normal_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(normal_pdf))

    assert reader.attachments["credential.json"][0] == CREDENTIAL_JSON
    assert extract_pdf_credential(normal_pdf) == CREDENTIAL_JSON.decode()


def test_attachment_is_an_associated_source_file(normal_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(normal_pdf))
    [entry] = reader.attachment_list

    assert entry.associated_file_relationship == "/Source"
    assert entry.subtype == "/application/json"
    af = reader.trailer["/Root"]["/AF"]  # type: ignore[index]
    assert [spec.get_object()["/UF"] for spec in af] == ["credential.json"]  # type: ignore[union-attr]


def test_declares_pdf_a_3b(normal_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(normal_pdf))
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = xmp.stream.get_data().decode()

    assert re.search(r'pdfaid:part="3"', raw)
    assert re.search(r'pdfaid:conformance="B"', raw)
    assert "/OutputIntents" in reader.trailer["/Root"]  # type: ignore[operator]


def test_fonts_are_embedded(normal_pdf: bytes) -> None:
    for font in _fonts(normal_pdf):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]  # type: ignore[index]
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_provider_logo_is_drawn(normal_pdf: bytes) -> None:
    page = PdfReader(io.BytesIO(normal_pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject", {})  # type: ignore[union-attr]

    subtypes = [xobjects[name].get_object()["/Subtype"] for name in xobjects]
    assert "/Image" in subtypes  # the QR code is vector art; the logo is the image


def test_qr_decodes_from_the_page_at_150_dpi(normal_pdf: bytes) -> None:
    [page] = pdf_page_images(normal_pdf, dpi=150)

    assert decode_qr(page) == [NORMAL.verify_url]


def test_qr_decodes_on_a_revoked_certificate_too(hostile_pdf: bytes) -> None:
    [page] = pdf_page_images(hostile_pdf, dpi=150)

    assert decode_qr(page) == [HOSTILE.verify_url]


def test_only_web_links_become_annotations(normal_pdf: bytes) -> None:
    page = PdfReader(io.BytesIO(normal_pdf)).pages[0]
    uris = [
        annot.get_object()["/A"]["/URI"]
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object()
    ]

    assert uris == ["https://example.org/projects/1"]


def test_rendering_is_deterministic(normal_pdf: bytes) -> None:
    assert _render(NORMAL) == normal_pdf


# --- hostile, long, right-to-left and emoji input -----------------------------------------


def test_markup_in_user_strings_is_shown_as_text(hostile_pdf: bytes) -> None:
    text = _text(hostile_pdf)

    assert "<script>alert(1)</script>" in text
    assert "<b>Bold</b>" in text
    assert "<u>" in text


def test_long_and_numerous_values_stay_on_one_page(hostile_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(hostile_pdf))
    text = _text(hostile_pdf)

    assert len(reader.pages) == 1
    assert "and 35 more competencies" in text
    assert "and 26 more projects" in text
    assert "REVOKED" in text


def test_rtl_and_emoji_render_on_one_page(rtl_pdf: bytes) -> None:
    names = " ".join(str(font["/BaseFont"]) for font in _fonts(rtl_pdf))

    assert len(PdfReader(io.BytesIO(rtl_pdf)).pages) == 1
    assert "Arabic" in names
    assert "Hebrew" in names
    assert "Emoji" in names
    assert "SUSPENDED" in _text(rtl_pdf)


def test_rtl_values_get_a_right_to_left_base_direction() -> None:
    # WeasyPrint ignores dir="auto", so the view computes each value's direction (UAX #9
    # P2-P3); the template puts it in dir="…" on the element holding the value.
    context = certificate_context(RTL_EMOJI)

    assert context["recipient"].dir == "rtl"
    assert context["certification"].dir == "rtl"
    assert context["competencies"][0]["name"].dir == "rtl"
    assert context["issuer_name"].dir == "ltr"


def test_bidi_overrides_are_stripped_from_names() -> None:
    # U+202E would make "Amara gnp.exe" display as "Amara exe.png".
    spoofed = dataclasses.replace(NORMAL, recipient_name="Amara \u202egnp.exe")

    assert certificate_context(spoofed)["recipient"].value == "Amara gnp.exe"


# --- inputs and configuration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("branding", "field"),
    [
        ({"primary": "red; } body { display: none"}, "branding.primary"),
        ({"accent": "#ggg"}, "branding.accent"),
        ({"logo_data_uri": "https://evil.example/logo.png"}, "branding.logo_data_uri"),
        (
            {"signature_data_uri": "data:text/html;base64,PHNjcmlwdD4="},
            "branding.signature_data_uri",
        ),
    ],
)
def test_branding_is_validated(branding: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        Branding(**branding)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"recipient_name": "  "}, "recipient_name"),
        ({"verify_url": "javascript:alert(1)"}, "verify_url"),
        ({"issued_on": "2025-05-12"}, "issued_on"),
        ({"verify_url": "https://example.org/" + "v" * 600}, "verify_url"),
        ({"competencies": [{"name": "HTML"}]}, "competencies"),
        ({"projects": "Bakery"}, "projects"),
    ],
)
def test_certificate_data_is_validated(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        dataclasses.replace(NORMAL, **change)
    assert info.value.field == field


def test_credential_json_must_be_bytes() -> None:
    with pytest.raises(InvalidInputError, match="credential_json"):
        render_certificate_pdf(NORMAL, credential_json=b"", templates_dir=TEMPLATES)


def test_unknown_template_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        render_certificate_pdf(
            NORMAL,
            credential_json=CREDENTIAL_JSON,
            templates_dir=TEMPLATES,
            template="certificate/missing.html",
        )


class _CountingHandler(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_rendering_never_fetches_from_the_network_or_outside_the_templates(
    tmp_path: Path,
) -> None:
    hits: list[str] = []
    handler = type("Handler", (_CountingHandler,), {"hits": hits})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.png"  # a valid image, outside the templates directory
    secret.write_bytes(base64.b64decode(RED_DOT.split(",", 1)[1]))
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "certificate", templates / "certificate")
    page = (templates / "certificate" / "default.html").read_text()
    url = f"http://127.0.0.1:{server.server_port}"
    (templates / "certificate" / "default.html").write_text(
        page.replace(
            '<div class="sheet">',
            f'<div class="sheet"><img src="{url}/tracker.png"><img src="{secret.as_uri()}">'
            f'<link rel="stylesheet" href="{url}/remote.css">',
        )
    )
    try:
        pdf = render_certificate_pdf(
            NORMAL, credential_json=CREDENTIAL_JSON, templates_dir=templates
        )
    finally:
        server.shutdown()
        server.server_close()

    assert hits == []
    [page] = PdfReader(io.BytesIO(pdf)).pages
    xobjects = page["/Resources"]["/XObject"]  # type: ignore[index]
    images = [n for n in xobjects if xobjects[n].get_object()["/Subtype"] == "/Image"]  # type: ignore[union-attr]
    assert len(images) == 1  # the branding logo (a data: URI); not the file outside


def test_a_template_that_overflows_still_gives_one_page(tmp_path: Path) -> None:
    folder = tmp_path / "certificate"
    folder.mkdir()
    (folder / "long.html").write_text(
        "<style>@page { size: A4 landscape }</style>"
        '<p style="break-after: page">{{ recipient }}</p><p>{{ verify_url }}</p>'
        '<p style="break-after: page">more</p><p>and more</p>'
    )

    pdf = render_certificate_pdf(
        NORMAL,
        credential_json=CREDENTIAL_JSON,
        templates_dir=tmp_path,
        template="certificate/long.html",
    )

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert NORMAL.recipient_name in reader.pages[0].extract_text()
    assert reader.attachments["credential.json"][0] == CREDENTIAL_JSON


def test_template_fingerprint_tracks_template_files(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "certificate", templates / "certificate")
    before = template_fingerprint(templates, "certificate/default.html")

    assert template_fingerprint(templates, "certificate/default.html") == before
    css = templates / "certificate" / "default.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert template_fingerprint(templates, "certificate/default.html") != before
    with pytest.raises(ConfigurationError):
        template_fingerprint(templates, "../outside.html")


def test_template_changes_are_picked_up_by_the_cached_renderer(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "certificate", templates / "certificate")
    first = render_certificate_pdf(NORMAL, credential_json=CREDENTIAL_JSON, templates_dir=templates)
    # The sentence is in the partial every layout includes: a change to a partial counts.
    html = templates / "certificate" / "_facts.html"
    html.write_text(html.read_text().replace("This certifies that", "We proudly certify that"))

    second = render_certificate_pdf(
        NORMAL, credential_json=CREDENTIAL_JSON, templates_dir=templates
    )

    assert "This certifies that" in _text(first)
    assert "We proudly certify that" in _text(second)
