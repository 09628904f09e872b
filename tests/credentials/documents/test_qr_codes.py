"""QR codes decode (with a real decoder) to exactly the verification URL."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops

from credentials.documents.qr import qr_matrix, qr_png, qr_svg
from credentials.errors import InvalidInputError
from tests.credentials.documents.documents_helpers import decode_qr, parse_own_xml, svg_to_image

URL = "https://microcred.example.org/v/6f1c2b8e-3f7a-4c59-9a43-0d3b2e7c1a55"


def test_png_decodes_to_the_url() -> None:
    png = qr_png(URL)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert decode_qr(image.convert("L")) == [URL]


def test_png_size_follows_box_size_and_border() -> None:
    modules = len(qr_matrix(URL, border=0))

    with Image.open(io.BytesIO(qr_png(URL, box_size=3, border=2))) as image:
        assert image.size == ((modules + 4) * 3,) * 2
        # Quiet zone: the top-left corner is white, the finder pattern starts after it.
        assert image.convert("L").getpixel((0, 0)) == 255
        assert image.convert("L").getpixel((6, 6)) == 0


def test_svg_decodes_to_the_url() -> None:
    svg = qr_svg(URL, size_px=240)

    assert decode_qr(svg_to_image(svg)) == [URL]


def test_svg_is_standalone_with_pixel_size_and_module_viewbox() -> None:
    modules = len(qr_matrix(URL))

    root = parse_own_xml(qr_svg(URL, module_px=5))

    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == root.get("height") == str(modules * 5)
    assert root.get("viewBox") == f"0 0 {modules} {modules}"
    rect, path = list(root)
    assert rect.get("fill") == "#ffffff"
    assert path.get("fill") == "#000000"


def test_svg_size_px_overrides_module_size() -> None:
    root = parse_own_xml(qr_svg(URL, size_px=300))

    assert (root.get("width"), root.get("height")) == ("300", "300")


def test_svg_is_compact() -> None:
    # One sub-path per horizontal run, not per module: a URL code stays small.
    svg = qr_svg(URL)

    assert len(svg) < 6000
    assert len(re.findall("M", svg)) < sum(map(sum, qr_matrix(URL)))


def test_stroked_svg_decodes_to_the_url() -> None:
    svg = qr_svg(URL, size_px=240, stroked=True)

    assert decode_qr(svg_to_image(svg)) == [URL]


def test_stroked_svg_covers_the_same_modules_as_the_filled_one() -> None:
    # Lines one module thick through the middle of each run: only edge pixels may differ.
    filled = svg_to_image(qr_svg(URL, size_px=240)).convert("L")
    stroked = svg_to_image(qr_svg(URL, size_px=240, stroked=True)).convert("L")

    dark = sum(filled.histogram()[:128])
    differing = sum(ImageChops.difference(filled, stroked).histogram()[128:])
    assert dark > 10_000
    assert differing < dark * 0.005


def test_stroked_svg_draws_lines_not_rectangles() -> None:
    root = parse_own_xml(qr_svg(URL, stroked=True))

    _rect, path = list(root)
    assert (path.get("fill"), path.get("stroke"), path.get("stroke-width")) == (
        "none",
        "#000000",
        "1",
    )
    # Two path commands per run (move, horizontal line) where the filled code has five.
    filled_commands = re.findall("[A-Za-z]", parse_own_xml(qr_svg(URL))[1].get("d", ""))
    assert re.findall("[A-Za-z]", path.get("d", "")) == ["M", "h"] * (len(filled_commands) // 5)


def test_error_correction_level_m() -> None:
    # Format information of a level-M code: bits 14-13 are 00 (ISO/IEC 18004 Table 12),
    # after the 101010000010010 mask; read them from the first row of the top-left finder.
    matrix = qr_matrix(URL, border=0)
    ec_bits = (int(matrix[8][0]), int(matrix[8][1]))
    assert ec_bits == (1, 0)  # 00 XOR the mask's leading 10


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"data": ""}, "data"),
        ({"data": "x" * 3000}, "data"),
        ({"data": URL, "box_size": 0}, "box_size"),
        ({"data": URL, "border": -1}, "border"),
    ],
)
def test_png_refuses_bad_parameters(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        qr_png(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"size_px": 5}, "size_px"), ({"module_px": 0}, "module_px"), ({"border": True}, "border")],
)
def test_svg_refuses_bad_parameters(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        qr_svg(URL, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
