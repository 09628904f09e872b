"""QR codes for verification URLs, as PNG (slides, print) and SVG (the PDF certificate).

Both formats are drawn from the same module matrix that ``qrcode`` computes, at error
correction level M (15 %): enough to survive a crease or a smudge on a printed certificate
without making the code denser than a phone camera likes. The SVG is built here rather
than by ``qrcode``'s SVG factories because those size modules in millimetres and emit one
sub-path per module; ours sizes in pixels and merges each horizontal run of dark modules
into one rectangle (or one stroked line, for the PDF certificate), which keeps a URL code
at a few kilobytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import qrcode
from PIL import Image

from credentials.errors import InvalidInputError

__all__ = ["qr_matrix", "qr_png", "qr_svg"]

#: Scanners need at least a 4-module quiet zone (ISO/IEC 18004 §7.3.7); smaller borders
#: are allowed for callers that supply their own white margin.
DEFAULT_BORDER = 4
#: Refuse absurd sizes instead of allocating huge images (a version 40 code is 177 modules).
_MAX_BOX_SIZE = 100
_MAX_BORDER = 40


def qr_matrix(data: str, *, border: int = DEFAULT_BORDER) -> list[list[bool]]:
    """The dark (``True``) and light modules of a level-M QR code for ``data``, with border."""
    if not isinstance(data, str) or not data:
        raise InvalidInputError("QR code data must be a non-empty string", field="data")
    _check_range("border", border, 0, _MAX_BORDER)
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border)
    code.add_data(data)
    try:
        code.make(fit=True)
    except (ValueError, qrcode.exceptions.DataOverflowError) as exc:
        raise InvalidInputError(
            f"too much data for a QR code ({len(data.encode())} bytes)", field="data"
        ) from exc
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_png(data: str, *, box_size: int = 10, border: int = DEFAULT_BORDER) -> bytes:
    """A black-on-white PNG (1 bit per pixel) of the QR code, ``box_size`` pixels per module."""
    _check_range("box_size", box_size, 1, _MAX_BOX_SIZE)
    matrix = qr_matrix(data, border=border)
    count = len(matrix)
    # Mode "1": 0 is black, 255 white; draw one pixel per module, then scale without
    # interpolation so module edges stay sharp.
    image = Image.new("1", (count, count), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    if box_size > 1:
        image = image.resize((count * box_size, count * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(
    data: str,
    *,
    size_px: int | None = None,
    module_px: int = 8,
    border: int = DEFAULT_BORDER,
    stroked: bool = False,
) -> str:
    """A standalone SVG of the QR code: explicit width/height in px and a module viewBox.

    ``size_px`` fixes the rendered size (the code scales into it); otherwise each module is
    ``module_px`` pixels. ``shape-rendering="crispEdges"`` stops renderers from
    anti-aliasing module edges into grey seams.

    ``stroked`` draws each run of dark modules as a line one module thick instead of a
    filled rectangle: two path commands instead of five. WeasyPrint parses and draws a
    path command by command, so this saves ≈ 4 ms of every PDF certificate. Downloadable
    SVGs stay filled: an editor that scales shapes but not their strokes would break a
    stroked code.
    """
    _check_range("module_px", module_px, 1, _MAX_BOX_SIZE)
    if size_px is not None:
        _check_range("size_px", size_px, 21, 10_000)
    matrix = qr_matrix(data, border=border)
    count = len(matrix)
    side = size_px if size_px is not None else count * module_px
    if stroked:
        # Butt-capped and centred on the row's middle, the line covers exactly the run.
        path = "".join(f"M{x} {y}.5h{length}" for y, x, length in _dark_runs(matrix))
        modules = f'<path fill="none" stroke="#000000" stroke-width="1" d="{path}"/>'
    else:
        path = "".join(f"M{x} {y}h{length}v1h-{length}z" for y, x, length in _dark_runs(matrix))
        modules = f'<path fill="#000000" d="{path}"/>'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{side}" '
        f'height="{side}" viewBox="0 0 {count} {count}" shape-rendering="crispEdges">'
        f'<rect width="{count}" height="{count}" fill="#ffffff"/>{modules}</svg>'
    )


def _dark_runs(matrix: list[list[bool]]) -> Iterator[tuple[int, int, int]]:
    """Row, first column and length of every horizontal run of dark modules."""
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < width and row[x]:
                x += 1
            yield y, start, x - start


def _check_range(field: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(
            f"{field} must be an integer between {low} and {high}, got {value!r}", field=field
        )
