"""The certificate's layouts (classic, modern, compact) with a signature image: each is one
page that carries the names, the QR code to the verify URL (decoded with zxing-cpp) and the
embedded credential; a design change re-renders the PDF but never touches the signed JSON,
so a credential issued before it keeps verifying.

Set ``MICROCRED_LAYOUT_PNGS=<folder>`` to keep the pages as PNG files (to look at them).
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from pypdf import PdfReader

from credentials.results import Verdict
from issuer.services import issuers
from tests.credentials.documents.documents_helpers import decode_qr, pdf_page_images
from tests.issuer.factories import Factory
from tests.sharing.conftest import (
    ACTOR,
    HOSTILE_CERTIFICATION,
    HOSTILE_ISSUER,
    HOSTILE_PROJECT,
    HOSTILE_RECIPIENT,
    Issued,
    stored_json,
)
from verifier.extract import read_upload


def signature_png() -> str:
    """A small scribble on a transparent background, as a data: URI."""
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(10, 90), (60, 20), (110, 95), (170, 25), (230, 90), (340, 40)], fill="#14213d", width=6
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def design(make: Factory, slug: str, **changes: object) -> None:
    with make.transaction():
        issuers.update_profile(issuers.get_issuer(slug), changes, actor=ACTOR)


@pytest.fixture
def issued(issue: Callable[..., Issued]) -> Issued:
    return issue(recipient="Amara Okafor", certification="Freelance Python API Developer")


@pytest.mark.parametrize("layout", ["classic", "modern", "compact"])
def test_each_layout_is_one_page_with_the_qr_code_and_the_facts(
    client: FlaskClient,
    issued: Issued,
    make: Factory,
    verify: Callable[..., object],
    layout: str,
) -> None:
    before = client.get(issued.path(".pdf"))
    design(
        make,
        issued.provider.slug,
        certificate_layout=layout,
        primary_color="#0b5cad",
        accent_color="#f2a900",
        signatory_name="Dr. Lena Marsh",
        signatory_title="Head of Assessment",
        signature_image=signature_png(),
    )
    response = client.get(issued.path(".pdf"))
    assert response.status_code == 200
    if layout != "classic":  # classic with the same colours may draw the same page
        assert response.headers["ETag"] != before.headers["ETag"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    portrait = float(box.height) > float(box.width)
    assert portrait == (layout == "compact")
    text = "".join(reader.pages[0].extract_text().split())  # long ids wrap anywhere
    for fact in (
        "Amara Okafor",
        "Freelance Python API Developer",
        "Dr. Lena Marsh",
        "Head of Assessment",
        issued.verify_url,
        issued.credential_id,
    ):
        assert "".join(fact.split()) in text, (layout, fact)
    [page] = pdf_page_images(response.data, dpi=150)
    assert decode_qr(page) == [issued.verify_url]
    keep = os.environ.get("MICROCRED_LAYOUT_PNGS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.save(Path(keep) / f"certificate-{layout}.png")
    # The design touched the PDF only: the embedded credential is the stored one, as
    # issued, and it still verifies.
    upload = read_upload(response.data, filename="certificate.pdf")
    assert upload.raw_text == issued.document
    result = verify(upload.credential)
    assert result.verdict is Verdict.VALID  # type: ignore[attr-defined]


def test_a_credential_issued_before_a_design_change_keeps_verifying(
    client: FlaskClient, issued: Issued, make: Factory, verify: Callable[..., object]
) -> None:
    credential = stored_json(issued)
    assert verify(credential).verdict is Verdict.VALID  # type: ignore[attr-defined]
    design(
        make,
        issued.provider.slug,
        certificate_layout="compact",
        primary_color="#7a1f5c",
        signatory_name="Someone Else",
        signature_image=signature_png(),
    )
    # The stored credential is byte for byte what was issued, and still verifies.
    with client.application.app_context():
        from issuer.models import IssuedCredential
        from microcred.platform.extensions import db

        row = db.session.get(IssuedCredential, issued.id)
        assert row is not None
        assert row.document == issued.document
    assert verify(credential).verdict is Verdict.VALID  # type: ignore[attr-defined]
    # So does the copy inside the re-designed PDF.
    upload = read_upload(client.get(issued.path(".pdf")).data, filename="certificate.pdf")
    assert upload.raw_text == issued.document
    assert verify(upload.credential).verdict is Verdict.VALID  # type: ignore[attr-defined]


@pytest.mark.parametrize("layout", ["modern", "compact"])
def test_hostile_and_long_values_stay_on_one_page_in_each_layout(
    client: FlaskClient, issue: Callable[..., Issued], make: Factory, layout: str
) -> None:
    issued = issue(
        recipient=HOSTILE_RECIPIENT,
        certification=HOSTILE_CERTIFICATION,
        issuer_name=HOSTILE_ISSUER,
        project_title=HOSTILE_PROJECT,
    )
    design(make, issued.provider.slug, certificate_layout=layout, signatory_name="أمارا " * 30)
    response = client.get(issued.path(".pdf"))
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "<script>" in text  # printed as text, never markup
    [page] = pdf_page_images(response.data, dpi=150)
    assert decode_qr(page) == [issued.verify_url]
    keep = os.environ.get("MICROCRED_LAYOUT_PNGS")
    if keep:
        page.save(Path(keep) / f"certificate-{layout}-hostile.png")
