"""Baked badges (/credentials/<uuid>/badge.png|svg) and the achievement image
(/issuers/<slug>/certifications/<id>/image.png|svg)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import extract_png, extract_svg
from credentials.documents.png_chunks import PNG_SIGNATURE
from credentials.results import Verdict
from issuer.services import certifications, issuers
from tests.credentials.documents.documents_helpers import parse_own_xml
from tests.credentials.documents.test_svg_raster import use_bomb
from tests.issuer.factories import Factory
from tests.sharing.conftest import Issued, renders
from verifier.extract import read_upload

# A 2×2 opaque green PNG: a provider's uploaded badge image.
GREEN_PNG = Image.new("RGB", (2, 2), (0, 160, 60))
_buffer = io.BytesIO()
GREEN_PNG.save(_buffer, format="PNG")
GREEN_PNG_BYTES = _buffer.getvalue()
GREEN_PNG_URI = "data:image/png;base64," + base64.b64encode(GREEN_PNG_BYTES).decode()
ORANGE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">'
    '<rect width="100" height="100" fill="#ff8800"/></svg>'
)
ORANGE_SVG_URI = "data:image/svg+xml;base64," + base64.b64encode(ORANGE_SVG.encode()).decode()


def pixel(png: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(png)) as image:
        value: tuple[int, ...] = image.convert("RGBA").getpixel(xy)  # type: ignore[assignment]
        return value


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_baked_badge_round_trips_through_the_verifier(
    client: FlaskClient,
    issue: Callable[..., Issued],
    verify: Callable[..., object],
    fmt: str,
) -> None:
    issued = issue()
    response = client.get(issued.path(f"/badge.{fmt}"))
    assert response.status_code == 200
    assert response.mimetype == f"image/{'png' if fmt == 'png' else 'svg+xml'}"
    upload = read_upload(response.data, filename=f"badge.{fmt}")
    assert upload.format == fmt
    assert upload.raw_text == issued.document  # baked byte for byte
    result = verify(upload.credential)
    assert result.verdict is Verdict.VALID, result.as_dict()  # type: ignore[attr-defined]


def test_png_badge_has_one_uncompressed_itxt_chunk(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    png = client.get(issued.path("/badge.png")).data
    assert png.startswith(PNG_SIGNATURE)
    assert png.count(b"iTXtopenbadgecredential\x00\x00\x00") == 1  # compression flag 0
    assert extract_png(png) == issued.document


def test_svg_badge_carries_the_credential_right_after_the_root(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    svg = client.get(issued.path("/badge.svg")).data.decode()
    root = parse_own_xml(svg)
    first = root[0]
    assert first.tag == "{https://purl.imsglobal.org/ob/v3p0}credential"
    assert extract_svg(svg) == issued.document


def test_default_badge_is_the_generated_one(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(certification="Data Wrangling")
    png = client.get(issued.path("/badge.png")).data
    expected = default_badge_png("Data Wrangling", subtitle=f"Provider {issued.provider.slug}")
    # The baked badge is the generated image plus the credential chunk.
    with Image.open(io.BytesIO(png)) as baked, Image.open(io.BytesIO(expected)) as plain:
        assert baked.size == plain.size == (400, 400)
        assert baked.tobytes() == plain.tobytes()


def test_uploaded_png_is_used_in_both_formats(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(image=GREEN_PNG_URI)
    png = client.get(issued.path("/badge.png")).data
    assert pixel(png, (0, 0))[:3] == (0, 160, 60)
    svg = client.get(issued.path("/badge.svg")).data.decode()
    assert GREEN_PNG_URI in svg  # wrapped in an <image>
    assert extract_svg(svg) == issued.document


def test_uploaded_svg_is_used_and_rasterised(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(image=ORANGE_SVG_URI)
    svg = client.get(issued.path("/badge.svg")).data.decode()
    assert '<rect width="100" height="100" fill="#ff8800"/>' in svg
    png = client.get(issued.path("/badge.png")).data
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (400, 400)
    red, green, blue, alpha = pixel(png, (200, 200))
    assert abs(red - 255) <= 5
    assert abs(green - 136) <= 5
    assert blue <= 5
    assert alpha == 255
    assert extract_png(png) == issued.document


@pytest.mark.parametrize(
    "image",
    [
        "data:image/png;base64," + base64.b64encode(b"not a png at all").decode(),
        "data:image/png;base64," + base64.b64encode(PNG_SIGNATURE + b"\x00" * 40).decode(),
        "data:image/svg+xml;base64," + base64.b64encode(b"<!DOCTYPE x><svg/>").decode(),
        "https://cdn.example/badge.png",  # never fetched while serving
        "data:image/svg+xml;base64," + base64.b64encode(use_bomb(levels=9).encode()).decode(),
    ],
    ids=[
        "not-png",
        "truncated-png",
        "svg-with-doctype",
        "remote-url",
        "svg-use-bomb",
    ],
)
def test_unusable_uploaded_images_fall_back_to_the_default(
    client: FlaskClient, issue: Callable[..., Issued], image: str
) -> None:
    issued = issue(image=image, certification="Fallback Badge")
    for fmt in ("png", "svg"):
        response = client.get(issued.path(f"/badge.{fmt}"))
        assert response.status_code == 200
        assert read_upload(response.data).raw_text == issued.document
    svg = client.get(issued.path("/badge.svg")).data.decode()
    assert "Fallback Badge" in svg
    base = f"/issuers/{issued.provider.slug}/certifications/{issued.certification_id}"
    image_svg = client.get(f"{base}/image.svg").data.decode()
    assert "Fallback Badge" in image_svg  # the upload is never served as is
    assert "DOCTYPE" not in image_svg
    assert client.get(f"{base}/image.png").data.startswith(PNG_SIGNATURE)


def test_revoked_badge_is_marked_and_verifies_as_revoked(
    app: Flask,
    client: FlaskClient,
    issue: Callable[..., Issued],
    revoke: Callable[[Issued], None],
    verify: Callable[..., object],
) -> None:
    issued = issue()
    before = client.get(issued.path("/badge.png"))
    before_svg = client.get(issued.path("/badge.svg")).data.decode()
    assert "REVOKED" not in before_svg
    revoke(issued)
    after = client.get(issued.path("/badge.png"))
    assert after.headers["ETag"] != before.headers["ETag"]
    # The red band across the middle of the image.
    assert pixel(after.data, (200, 200))[:3] != pixel(before.data, (200, 200))[:3]
    red, green, blue, _ = pixel(after.data, (5, 200))
    assert red > 150 > green
    assert blue < 80
    after_svg = client.get(issued.path("/badge.svg")).data.decode()
    assert "REVOKED" in after_svg
    for baked in (after.data, after_svg.encode()):
        upload = read_upload(baked)
        assert upload.raw_text == issued.document
        assert verify(upload.credential).verdict is Verdict.REVOKED  # type: ignore[attr-defined]
    assert renders(app) == {"badge-png": 2, "badge-svg": 2}


def test_badges_are_cached_and_conditional(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    first = client.get(issued.path("/badge.png"))
    again = client.get(issued.path("/badge.png"), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    client.get(issued.path("/badge.png"))
    assert renders(app) == {"badge-png": 1}
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert first.headers["Content-Disposition"].startswith("inline;")
    download = client.get(issued.path("/badge.png?download=1"))
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_svg_responses_cannot_run_script(client: FlaskClient, issue: Callable[..., Issued]) -> None:
    hostile = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
        "<script>alert(2)</script></svg>"
    )
    issued = issue(image="data:image/svg+xml;base64," + base64.b64encode(hostile.encode()).decode())
    response = client.get(issued.path("/badge.svg"))
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "sandbox" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- the achievement image --------------------------------------------------------------------


def test_achievement_image_has_no_credential_inside(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(certification="Data Wrangling")
    base = f"/issuers/{issued.provider.slug}/certifications/{issued.certification_id}"
    png = client.get(f"{base}/image.png")
    assert png.status_code == 200
    assert png.mimetype == "image/png"
    assert b"openbadgecredential" not in png.data
    assert png.headers["Cache-Control"] == "public, max-age=300"
    svg = client.get(f"{base}/image.svg")
    assert svg.data.decode() == default_badge_svg(
        "Data Wrangling", subtitle=f"Provider {issued.provider.slug}"
    )
    assert svg.headers["Content-Security-Policy"].startswith("default-src 'none'")
    again = client.get(f"{base}/image.png", headers={"If-None-Match": png.headers["ETag"]})
    assert again.status_code == 304


def test_achievement_image_uses_the_upload(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(image=GREEN_PNG_URI)
    base = f"/issuers/{issued.provider.slug}/certifications/{issued.certification_id}"
    assert client.get(f"{base}/image.png").data == GREEN_PNG_BYTES


def test_achievement_image_of_another_provider_is_404(
    client: FlaskClient, issue: Callable[..., Issued], make: object
) -> None:
    issued = issue()
    other = make.provider("someone-else")  # type: ignore[attr-defined]
    response = client.get(
        f"/issuers/{other.slug}/certifications/{issued.certification_id}/image.png"
    )
    assert response.status_code == 404
    assert client.get("/issuers/nobody/certifications/cert_x/image.svg").status_code == 404
    assert (
        client.get(
            f"/issuers/{issued.provider.slug}/certifications/{issued.certification_id}/image.gif"
        ).status_code
        == 404
    )


def test_new_certification_image_re_renders_the_badge(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued], make: Factory
) -> None:
    issued = issue()
    before = client.get(issued.path("/badge.png"))
    with make.transaction():
        issuer = issuers.get_issuer(issued.provider.slug)
        certifications.update_certification(
            issuer, issued.certification_id, {"image": GREEN_PNG_URI}, actor="test"
        )
    after = client.get(issued.path("/badge.png"))
    assert after.headers["ETag"] != before.headers["ETag"]
    assert pixel(after.data, (0, 0))[:3] == (0, 160, 60)
    assert renders(app) == {"badge-png": 2}
