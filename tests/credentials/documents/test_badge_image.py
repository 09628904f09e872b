"""Default badge images: well-formed, escaped, self-contained, same look in SVG and PNG."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from credentials.documents.badge_image import badge_layout, default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg, extract_png, extract_svg
from credentials.errors import InvalidInputError
from tests.credentials.documents.documents_helpers import parse_own_xml, svg_to_image

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE_TITLE = "<script>alert('x')</script> & \"quoted\" ]]> Data Engineering"


def _texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in parse_own_xml(svg).iter(f"{SVG}text")]


def test_svg_is_a_400_viewbox_standalone_image() -> None:
    root = parse_own_xml(default_badge_svg("Responsive Web Development"))

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 400 400"
    assert (root.get("width"), root.get("height")) == ("400", "400")


def test_svg_escapes_every_string() -> None:
    svg = default_badge_svg(HOSTILE_TITLE, subtitle="<b>Academy</b> & Co")

    root = parse_own_xml(svg)  # well-formed despite the markup in the inputs
    assert not list(root.iter(f"{SVG}script"))
    assert not list(root.iter("script"))
    assert "<script>" not in svg
    joined = "".join(_texts(svg)).replace(" ", "")
    assert "<script>alert('x')</script>&\"quoted\"]]>" in joined
    assert "<B>ACADEMY</B>&CO" in joined
    assert root.get("aria-label", "").startswith("<script>")


def test_svg_has_no_external_resources() -> None:
    svg = default_badge_svg("Python", subtitle="Academy")

    root = parse_own_xml(svg)
    for node in root.iter():
        assert node.tag not in (f"{SVG}image", f"{SVG}use", f"{SVG}style", f"{SVG}a")
        assert not any("href" in name for name in node.attrib)
    assert "url(" not in svg
    assert "@import" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


@pytest.mark.parametrize(
    "title",
    [
        "Python",
        "Responsive Web Front-End Development",
        "Advanced " * 40,
        "Supercalifragilisticexpialidocious" * 5,
    ],
)
def test_title_wraps_onto_at_most_three_lines(title: str) -> None:
    layout = badge_layout(title)

    assert 1 <= len(layout.title_lines) <= 3
    title_texts = _texts(default_badge_svg(title))[:-1]  # the last one is the ribbon
    assert title_texts == list(layout.title_lines)


def test_long_title_is_shortened_with_an_ellipsis() -> None:
    layout = badge_layout("Advanced " * 40)

    assert layout.title_lines[-1].endswith("…")
    assert layout.title_size == min(layout.title_size, 22)


def test_rtl_title_is_marked_rtl() -> None:
    svg = default_badge_svg("تطوير واجهات الويب")

    assert 'direction="rtl"' in svg


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"primary": "red"}, "primary"),
        ({"primary": "#12345"}, "primary"),
        ({"accent": "#fff; fill: url(http://x)"}, "accent"),
        ({"accent": None}, "accent"),
    ],
)
def test_colours_are_validated(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as svg_error:
        default_badge_svg("Title", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as png_error:
        default_badge_png("Title", **kwargs)  # type: ignore[arg-type]
    assert svg_error.value.field == png_error.value.field == field


def test_short_colours_are_accepted() -> None:
    assert 'fill="#fa0"' in default_badge_svg("Title", accent="#FA0")


@pytest.mark.parametrize("title", ["", "   ", "\x00\x01"])
def test_empty_title_is_refused(title: str) -> None:
    with pytest.raises(InvalidInputError, match="title"):
        default_badge_svg(title)


def test_png_is_rgba_with_transparent_corners_and_brand_colours() -> None:
    png = default_badge_png("Python", primary="#0b6e4f", accent="#ffd166", size=400)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.size == (400, 400)
        assert image.getpixel((2, 2))[3] == 0  # type: ignore[index]
        assert image.getpixel((200, 14))[:3] == (0x0B, 0x6E, 0x4F)  # type: ignore[index]
        assert image.getpixel((200, 25))[:3] == (0xFF, 0xD1, 0x66)  # type: ignore[index]


def test_png_edges_are_anti_aliased() -> None:
    with Image.open(io.BytesIO(default_badge_png("Python"))) as image:
        # Where the disc's edge runs diagonally, alpha takes values between 0 and 255.
        edge = [image.getpixel((x, x))[3] for x in range(50, 80)]  # type: ignore[index]
        assert any(0 < alpha < 255 for alpha in edge)


def test_png_size_parameter() -> None:
    with Image.open(io.BytesIO(default_badge_png("Python", size=128))) as image:
        assert image.size == (128, 128)
    with pytest.raises(InvalidInputError, match="size"):
        default_badge_png("Python", size=10_000)


def test_png_draws_arabic_and_emoji_titles() -> None:
    for title in ("تطوير واجهات الويب", "UX Research 👩🏽‍💻"):
        with Image.open(io.BytesIO(default_badge_png(title))) as image:
            # Title area (inside the disc, above the ribbon) holds light text pixels.
            area = image.crop((80, 130, 320, 250)).convert("L")
            assert area.getextrema()[1] > 200


def test_svg_and_png_look_alike() -> None:
    kwargs = {"subtitle": "Academy", "primary": "#0b6e4f", "accent": "#ffd166"}
    svg_image = svg_to_image(default_badge_svg("Python", **kwargs), width_mm=60, dpi=169)
    with Image.open(io.BytesIO(default_badge_png("Python", **kwargs))) as png_image:
        png = png_image.convert("RGB")
    svg = svg_image.crop((66, 66, 66 + 400, 66 + 400))  # 10 mm margin at 169 dpi ≈ 66 px

    for point in [(200, 14), (200, 25), (120, 200), (200, 92), (100, 292), (50, 320)]:
        a, b = png.getpixel(point), svg.getpixel(point)
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 40, point  # type: ignore[arg-type]


def test_default_badges_bake_and_extract() -> None:
    credential = {"id": "urn:uuid:1", "type": ["VerifiableCredential", "OpenBadgeCredential"]}

    png = bake_png(default_badge_png("Python"), credential)
    svg = bake_svg(default_badge_svg("Python"), credential)

    assert json.loads(extract_png(png)) == credential
    assert json.loads(extract_svg(svg)) == credential
