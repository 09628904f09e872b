"""SVG → PNG with resvg: the picture, and the limits that keep hostile SVGs cheap."""

from __future__ import annotations

import base64
import io
import time

import pytest
from PIL import Image

from credentials.documents import svg_raster
from credentials.documents.svg_raster import (
    RasterBudgetError,
    RasterLimits,
    check_svg,
    rasterise_svg,
)
from credentials.errors import UnsupportedMediaError

SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _svg(body: str, size: str = 'width="100" height="100"') -> str:
    return f"<svg {SVG_NS} {size}>{body}</svg>"


def _pixel(png: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(png)) as image:
        return tuple(image.convert("RGBA").getpixel(xy))  # type: ignore[arg-type]


def use_bomb(levels: int, fan_out: int = 10) -> str:
    """``fan_out`` ** ``levels`` rectangles from a few hundred bytes of ``<use>``."""
    defs = ['<rect id="l0" width="1" height="1"/>']
    for level in range(1, levels + 1):
        uses = f'<use xlink:href="#l{level - 1}"/>' * fan_out
        defs.append(f'<g id="l{level}">{uses}</g>')
    return _svg(f"<defs>{''.join(defs)}</defs><use xlink:href='#l{levels}'/>")


def test_draws_a_square_badge_with_its_colours() -> None:
    png = rasterise_svg(_svg('<rect width="100" height="100" fill="#ff8800"/>'), size=400)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (400, 400)
    assert _pixel(png, (200, 200)) == (255, 136, 0, 255)


def test_a_wide_image_is_centred_on_a_transparent_square() -> None:
    png = rasterise_svg(
        _svg('<rect width="200" height="100" fill="#00a03c"/>', 'width="200" height="100"'),
        size=400,
    )
    assert _pixel(png, (200, 200))[:3] == (0, 160, 60)
    assert _pixel(png, (200, 20))[3] == 0  # above the image: transparent


def test_use_bomb_is_refused_before_drawing_and_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(UnsupportedMediaError, match="references expand"):
        rasterise_svg(use_bomb(levels=9), size=400)  # 10⁹ rectangles
    assert time.perf_counter() - started < 0.5


def test_a_small_use_tree_is_drawn() -> None:
    rasterise_svg(use_bomb(levels=3, fan_out=5), size=100)  # 125 rectangles: within limits


def test_reference_cycle_is_refused() -> None:
    with pytest.raises(UnsupportedMediaError, match="cycle"):
        check_svg(_svg('<g id="a"><use xlink:href="#b"/></g><g id="b"><use href="#a"/></g>'))


@pytest.mark.parametrize(
    "href",
    ["/etc/passwd", "file:///usr/share/icons/x.png", "https://example.org/x.png", "x.png"],
)
def test_nothing_outside_the_document_is_read(href: str) -> None:
    with pytest.raises(UnsupportedMediaError, match="outside itself"):
        rasterise_svg(_svg(f'<image width="10" height="10" href="{href}"/>'), size=100)


def test_a_feimage_reference_is_refused_too() -> None:
    with pytest.raises(UnsupportedMediaError, match="outside itself"):
        check_svg(_svg('<filter id="f"><feImage xlink:href="/etc/hostname"/></filter>'))


def test_doctype_is_refused() -> None:
    with pytest.raises(UnsupportedMediaError, match="DOCTYPE"):
        check_svg('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + _svg("<text>&a;</text>"))


def _png_uri(width: int, height: int) -> str:
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def test_embedded_images_are_checked_by_their_header() -> None:
    rasterise_svg(_svg(f'<image width="10" height="10" href="{_png_uri(50, 50)}"/>'), size=50)
    with pytest.raises(UnsupportedMediaError, match="pixels"):
        check_svg(_svg(f'<image width="10" height="10" href="{_png_uri(5000, 5000)}"/>'))


def test_embedded_svg_images_follow_the_same_rules() -> None:
    inner = base64.b64encode(use_bomb(levels=6).encode()).decode()
    with pytest.raises(UnsupportedMediaError, match="references expand"):
        check_svg(_svg(f'<image href="data:image/svg+xml;base64,{inner}"/>'))


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("<g>" * 100 + "</g>" * 100, "nested deeper"),
        ('<path d="' + "L1 1 " * 30_000 + '"/>', "path coordinates"),
        (
            '<filter id="f"><feGaussianBlur stdDeviation="3"/></filter>'
            + '<rect width="9" height="9" filter="url(#f)"/>' * 20,
            "filter primitives",
        ),
    ],
    ids=["deep-nesting", "huge-path", "many-filters"],
)
def test_other_work_is_bounded(body: str, match: str) -> None:
    with pytest.raises(UnsupportedMediaError, match=match):
        check_svg(_svg(body))


def test_a_render_over_its_budget_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 5.0])
    monkeypatch.setattr(svg_raster.time, "perf_counter", lambda: next(clock))
    with pytest.raises(RasterBudgetError, match="budget"):
        rasterise_svg(_svg('<rect width="9" height="9"/>'), size=10, limits=RasterLimits())


@pytest.mark.parametrize("size", [0, -1, 100_000])
def test_output_size_is_bounded(size: int) -> None:
    with pytest.raises(UnsupportedMediaError):
        rasterise_svg(_svg(""), size=size)
