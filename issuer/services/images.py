"""Uploaded images (badge artwork, logos): the one rule the API's image fields and the
console's uploads share (ISSUING.md, "Images").

An image is a PNG or SVG ``data:`` URI, or an https URL, of at most 512 KiB of text. An
SVG goes through ``credentials.documents.svg_sanitise`` (an allowlist: no scripts,
handlers or outside references; no entities; the rasteriser's limits) and is drawn once
at badge size within the render budget, so a bomb or an image too costly to draw is
refused at upload rather than at every badge request. The stored value is the sanitised
SVG as a base64 ``data:`` URI.
"""

from __future__ import annotations

import base64

from credentials.documents.svg_raster import rasterise_svg
from credentials.documents.svg_sanitise import decode_svg_data_uri, sanitise_data_uri
from credentials.errors import MicrocredError
from microcred.platform.refusals import UnprocessableError

#: Badge images and logos: a PNG/SVG data: URI or an https URL, at most 512 KiB of text.
MAX_IMAGE_CHARS = 512 * 1024
IMAGE_PREFIXES = (
    "data:image/png;base64,",
    "data:image/svg+xml;base64,",
    "data:image/svg+xml,",
    "https://",
)
#: The side uploads are drawn at to prove they draw within the budget (the badge's size).
PROBE_PX = 400
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def checked_image(value: str, *, field: str = "image") -> str:
    """``value`` as it is stored (an SVG sanitised), or 422 naming ``field`` and why."""
    if not value.startswith(IMAGE_PREFIXES):
        raise UnprocessableError(
            "Must be a data:image/png or data:image/svg+xml URI, or an https:// URL.",
            field=field,
        )
    if len(value) > MAX_IMAGE_CHARS:
        raise UnprocessableError(f"Must be at most {MAX_IMAGE_CHARS} characters.", field=field)
    try:
        clean = sanitise_data_uri(value)
        if clean is not value:
            rasterise_svg(decode_svg_data_uri(clean), size=PROBE_PX)
    except MicrocredError as exc:
        message = exc.message.replace("SVG badge image", "SVG image")
        raise UnprocessableError(message, field=field) from None
    return clean


def uploaded_image(data: bytes, *, field: str = "image") -> str:
    """An uploaded file (PNG or SVG, told apart by its content, not its name) as a checked
    ``data:`` URI."""
    if data.startswith(_PNG_SIGNATURE):
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    elif b"<svg" in data[:4096]:
        uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    else:
        raise UnprocessableError("Upload a PNG or an SVG image.", field=field)
    return checked_image(uri, field=field)
