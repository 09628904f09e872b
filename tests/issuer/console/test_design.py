"""Certificate design in the console: the owner chooses the layout, the colours (checked
for WCAG AA contrast), the signatory and a signature image (sanitised); the preview draws a
sample certificate with unsaved values (PNG and PDF, cached by content, rate-limited);
refusals are shown next to their field and save nothing; the API's ``branding`` goes
through the same rule; provider B sees none of A's certifications; a credential issued
before a design change keeps verifying."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from issuer.models import AuditEvent, Issuer
from issuer.services import issuers
from microcred.platform.extensions import db
from microcred.platform.refusals import UnprocessableError
from tests.credentials.documents.documents_helpers import decode_qr
from tests.issuer.console.conftest import Console, Provider
from tests.issuer.console.test_certifications import NEW, PNG, SVG_WITH_SCRIPT, _stored
from tests.issuer.console.test_certifications import _form as certification_form
from tests.issuer.console.test_organisation import issuer_of, verify_state
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as ApiProvider
from tests.issuer.issuance_helpers import issue, ready

DESIGN = "/console/design"


def form(**overrides: Any) -> dict[str, Any]:
    values = {
        "layout": "modern",
        "primary_color": "#0b5cad",
        "accent_color": "#f2a900",
        "signatory_name": "Dr. Lena Marsh",
        "signatory_title": "Head of Assessment",
        "certification": "",
        "action": "save",
    }
    values.update(overrides)
    return values


def save(console: Console, **overrides: Any) -> Any:
    return console.post(DESIGN, form(**overrides), content_type="multipart/form-data")


def stored(app: Flask, slug: str = "acme") -> Issuer:
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
        assert issuer is not None
        db.session.expunge(issuer)
        return issuer


def preview_url(page: str, kind: str = "png") -> str:
    found = re.search(rf'(?:src|href)="(/console/design/preview\.{kind}\?[^"]*)"', page)
    assert found is not None, page
    return html.unescape(found.group(1))


# --- the page and saving ---------------------------------------------------------------------


def test_owner_saves_layout_colours_signatory_and_signature(app: Flask, provider: Provider) -> None:
    page = provider.console.get(DESIGN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for text in ("Classic", "Modern", "Compact", "Update preview", "design.js"):
        assert text in body
    assert re.search(r'<script src="[^"]*design\.js" nonce="[^"]+"', body)

    response = save(provider.console, signature=(io.BytesIO(PNG), "signature.png"))
    assert response.status_code == 302, response.get_data(as_text=True)
    issuer = stored(app)
    assert issuer.certificate_layout == "modern"
    assert (issuer.primary_color, issuer.accent_color) == ("#0b5cad", "#f2a900")
    assert (issuer.signatory_name, issuer.signatory_title) == (
        "Dr. Lena Marsh",
        "Head of Assessment",
    )
    assert issuer.signature_image == "data:image/png;base64," + base64.b64encode(PNG).decode()
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "issuer.update")
        ).one()
        assert event.ip == "127.0.0.1"
        assert "certificate_layout" in event.details["fields"]
        assert "signature_image" in event.details["fields"]
    # The page shows what was saved.
    again = provider.console.get(DESIGN).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="modern"', again)
    assert "The current signature" in again

    # Classic is the default, stored as none; the signature can be removed.
    response = save(provider.console, layout="classic", remove_signature="y")
    assert response.status_code == 302
    issuer = stored(app)
    assert (issuer.certificate_layout, issuer.signature_image) == (None, None)


def test_a_hostile_svg_signature_is_stored_sanitised(app: Flask, provider: Provider) -> None:
    response = save(provider.console, signature=(io.BytesIO(SVG_WITH_SCRIPT), "sig.svg"))
    assert response.status_code == 302, response.get_data(as_text=True)
    value = stored(app).signature_image
    assert value is not None
    assert value.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(value.split(",", 1)[1])
    assert b"<script" not in svg
    assert b"#123456" in svg


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"primary_color": "blue"}, "primary_color", "Enter a colour as #rrggbb"),
        ({"primary_color": "#ffe066"}, "primary_color", "WCAG AA asks for 4.5:1"),
        ({"accent_color": "#12345"}, "accent_color", "Enter a colour as #rrggbb"),
        ({"accent_color": "blue"}, "accent_color", "Enter a colour as #rrggbb"),
        ({"layout": "poster"}, "layout", "Not a valid choice"),
        ({"signatory_name": "x" * 201}, "signatory_name", "200"),
        (
            {"signature": (b"%PDF-1.7 not an image", "sig.pdf")},
            "signature",
            "Upload a PNG or an SVG image.",
        ),
        (
            {"signature": (PNG[:8] + b"0" * (400 * 1024), "big.png")},
            "signature",
            "at most",
        ),
    ],
)
def test_bad_values_are_refused_next_to_their_field_and_nothing_is_saved(
    app: Flask, provider: Provider, overrides: dict[str, Any], field_id: str, message: str
) -> None:
    before = stored(app)
    # A file is opened per run: the cases are shared by every database's run, and a
    # stream read (and closed) by one run would be empty for the next.
    opened = {
        key: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
        for key, value in overrides.items()
    }
    response = save(provider.console, **opened)
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    error = re.search(rf'id="{field_id}-error">([^<]*)<', body)
    assert error is not None, body
    assert message in html.unescape(error.group(1))
    after = stored(app)
    for name in issuers.DESIGN_FIELDS:
        assert getattr(after, name) == getattr(before, name), name


def test_a_faint_accent_is_saved_with_a_warning(app: Flask, provider: Provider) -> None:
    response = save(provider.console, accent_color="#ffe9a8")
    assert response.status_code == 302
    page = provider.console.get(DESIGN).get_data(as_text=True)
    assert "will barely show" in page
    assert stored(app).accent_color == "#ffe9a8"
    # The default gold (2.0:1) is decoration enough: no warning.
    default = save(provider.console, accent_color="#f2a900")
    assert default.status_code == 302
    assert "barely show" not in provider.console.get(DESIGN).get_data(as_text=True)


# --- the preview ------------------------------------------------------------------------------


def png_of(console: Console, url: str) -> Image.Image:
    response = console.client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def test_preview_draws_unsaved_values_and_saves_nothing(app: Flask, provider: Provider) -> None:
    before = stored(app)
    page = provider.console.get(DESIGN).get_data(as_text=True)
    url = preview_url(page)
    assert parse_qs(urlsplit(url).query)["layout"] == ["classic"]
    classic = png_of(provider.console, url)
    assert classic.width == 900
    assert classic.width > classic.height  # landscape
    big = provider.console.client.get(url.replace("layout=classic", "layout=compact"))
    compact = Image.open(io.BytesIO(big.data)).convert("RGB")
    assert compact.height > compact.width  # portrait
    modern_url = url.replace("layout=classic", "layout=modern").replace(
        "primary_color=%231f4e79", "primary_color=%237a1f5c"
    )
    assert modern_url != url
    modern = png_of(provider.console, modern_url)
    # The band in the unsaved primary colour fills the left side.
    assert modern.getpixel((20, modern.height // 2)) == (0x7A, 0x1F, 0x5C)
    assert classic.getpixel((20, classic.height // 2)) != (0x7A, 0x1F, 0x5C)
    pdf = provider.console.client.get(modern_url.replace("preview.png", "preview.pdf"))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    from tests.credentials.documents.documents_helpers import pdf_page_images

    [page_image] = pdf_page_images(pdf.data, dpi=150)
    # The QR code leads to an address of the verify page's shape (a sample short code).
    base_url = app.config["MICROCRED_BASE_URL"]
    assert decode_qr(page_image) == [f"{base_url}/v/SAMPLE000000"]
    after = stored(app)
    for name in issuers.DESIGN_FIELDS:
        assert getattr(after, name) == getattr(before, name), name


def test_preview_is_cached_by_content(app: Flask, provider: Provider) -> None:
    renders = app.extensions["microcred.sharing"].documents.renders
    url = preview_url(provider.console.get(DESIGN).get_data(as_text=True))
    url = url.replace("signatory_name=", "signatory_name=Cache+Check")
    png_of(provider.console, url)
    count = renders["preview-png"]
    png_of(provider.console, url)
    assert renders["preview-png"] == count  # the same design again: read from the cache


def test_preview_refuses_bad_values_with_a_4xx(provider: Provider) -> None:
    client = provider.console.client
    response = client.get("/console/design/preview.png?layout=classic&primary_color=%23ffff00")
    assert response.status_code == 422
    assert "4.5:1" in response.get_data(as_text=True)
    response = client.get("/console/design/preview.png?layout=poster")
    assert response.status_code == 422
    response = client.get("/console/design/preview.png?primary_color=red;}body{x")
    assert response.status_code == 422


def test_preview_is_rate_limited(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MICROCRED_CONSOLE_PREVIEW_RATELIMIT="2 per minute")
    console = Console(app.test_client())
    response = console.post(
        "/console/signup",
        {
            "organisation": "Limited",
            "slug": "limited",
            "name": "Olive Owner",
            "email": "owner@limited.example",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 302
    url = "/console/design/preview.png?layout=classic"
    assert console.client.get(url).status_code == 200
    assert console.client.get(url).status_code == 200
    assert console.client.get(url).status_code == 429
    # Signed out: sent to sign in, as from every console page.
    assert app.test_client().get(url).status_code == 302


def test_no_script_update_preview_shows_the_values_and_saves_nothing(
    app: Flask, provider: Provider
) -> None:
    before = stored(app)
    response = save(provider.console, action="preview", layout="compact", primary_color="#7a1f5c")
    assert response.status_code == 200
    url = preview_url(response.get_data(as_text=True))
    query = parse_qs(urlsplit(url).query)
    assert query["layout"] == ["compact"]
    assert query["primary_color"] == ["#7a1f5c"]
    assert "preview.pdf?" in response.get_data(as_text=True)
    after = stored(app)
    for name in issuers.DESIGN_FIELDS:
        assert getattr(after, name) == getattr(before, name), name
    # A bad value is refused on the way to a preview too.
    response = save(provider.console, action="preview", primary_color="#fff")
    assert response.status_code == 422


def test_preview_with_a_certification_of_its_own_and_not_of_another(
    app: Flask, provider: Provider, sign_up: Callable[..., Provider]
) -> None:
    from tests.issuer.console.conftest import add_member  # noqa: F401 - fixture module

    issuer_console = provider.console
    assert issuer_console.post(NEW, certification_form()).status_code == 302
    cert = _stored(app)
    page = provider.console.get(DESIGN).get_data(as_text=True)
    assert f'<option value="{cert.id}">' in page
    ok = provider.console.client.get(f"/console/design/preview.png?certification={cert.id}")
    assert ok.status_code == 200
    beta = sign_up("beta", name="Beta Academy")
    refused = beta.console.client.get(f"/console/design/preview.png?certification={cert.id}")
    assert refused.status_code == 404
    refused = beta.console.client.get(f"/console/design/preview.pdf?certification={cert.id}")
    assert refused.status_code == 404
    assert cert.name not in beta.console.get(DESIGN).get_data(as_text=True)


# --- one rule with the API --------------------------------------------------------------------


def test_the_api_branding_goes_through_the_same_rule(app: Flask, make: Factory) -> None:
    provider = make.provider()
    client = app.test_client()
    low = client.patch(
        "/api/v1/issuer", json={"branding": {"primaryColor": "#ffe066"}}, headers=provider.headers
    )
    assert low.status_code == 422, low.get_json()
    assert "4.5:1" in str(low.get_json())
    ok = client.patch(
        "/api/v1/issuer",
        json={
            "branding": {
                "certificateLayout": "compact",
                "signatureImage": "data:image/png;base64," + base64.b64encode(PNG).decode(),
                "signatoryName": "Dr. Lena Marsh",
            }
        },
        headers=provider.headers,
    )
    assert ok.status_code == 200, ok.get_json()
    branding = ok.get_json()["branding"]
    assert branding["certificateLayout"] == "compact"
    assert branding["signatureImage"].startswith("data:image/png;base64,")
    url = client.patch(
        "/api/v1/issuer",
        json={"branding": {"signatureImage": "https://example.org/sig.png"}},
        headers=provider.headers,
    )
    assert url.status_code == 422
    layout = client.patch(
        "/api/v1/issuer",
        json={"branding": {"certificateLayout": "poster"}},
        headers=provider.headers,
    )
    assert layout.status_code == 422


def test_check_design_normalises_and_refuses() -> None:
    checked = issuers.check_design(
        {
            "primary_color": "#1F4E79",
            "accent_color": "#fa0",
            "certificate_layout": "classic",
            "signatory_name": "  ",
            "signatory_title": " Head ",
        }
    )
    assert checked == {
        "primary_color": "#1f4e79",
        "accent_color": "#ffaa00",
        "certificate_layout": None,
        "signatory_name": None,
        "signatory_title": "Head",
    }
    with pytest.raises(UnprocessableError) as refused:
        issuers.check_design({"primary_color": "#777777"})  # 4.48:1, just below AA
    assert refused.value.field == "primary_color"
    assert issuers.check_design({"primary_color": "#767676"})["primary_color"] == "#767676"
    assert issuers.design_warnings({"accent_color": "#ffe9a8"})
    assert issuers.design_warnings({"accent_color": "#b36b00"}) == []


# --- what was issued keeps verifying ----------------------------------------------------------


def test_a_credential_issued_before_a_design_change_still_verifies(
    app: Flask, make_app: Callable[..., Flask], provider: Provider, make: Factory
) -> None:
    issuer_id, did = issuer_of(app, provider.slug)
    world = ready(make, ApiProvider(issuer_id, provider.slug, did, ""))
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert verify_state(make_app, issued.json) == ("valid", [])
    for layout in ("modern", "compact", "classic"):
        response = save(
            provider.console,
            layout=layout,
            primary_color="#7a1f5c",
            signature=(io.BytesIO(PNG), "signature.png"),
        )
        assert response.status_code == 302
        assert verify_state(make_app, issued.json) == ("valid", [])
