"""Badge images: the certification's own image (or a generated one), status marks, baking.

A micro-certification's ``image`` is stored as a PNG or SVG ``data:`` URI, or as an https
URL (see ``issuer.schemas.common``). Both formats are served whatever was uploaded:

- PNG uploaded → the SVG wraps it in an ``<image>`` element;
- SVG uploaded → served as the allowlist sanitiser rebuilds it
  (:mod:`credentials.documents.svg_sanitise`, on read as well as at upload); the PNG is
  rasterised by resvg
  (:mod:`credentials.documents.svg_raster`: nothing is fetched or read, only ``data:``
  images resolve; bounded work and a time budget), else the default badge;
- nothing, an https URL (never fetched while serving), or an image that cannot be read →
  the generated default badge in the provider's colours.

A credential that is not valid gets a band across its badge naming its state
("REVOKED"), so an embedded badge on a gig profile changes the moment it is revoked.
Base images are memoised in memory (a handful per certification); baked badges go to the
document cache with the PDFs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import unquote_to_bytes
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from credentials.caching import Cache
from credentials.documents import svg_baking
from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.certificate_model import check_colour
from credentials.documents.fonts import FONT_LOCK, load_font
from credentials.documents.png_chunks import PNG_SIGNATURE
from credentials.documents.render_pool import RenderPool
from credentials.documents.svg_raster import rasterise_svg as _rasterise
from credentials.documents.svg_sanitise import sanitise_svg
from credentials.errors import MicrocredError, RenderOverloadError

__all__ = [
    "BAD_IMAGE_ERRORS",
    "BadgeImages",
    "BadgeSource",
    "badge_source",
    "mark_png",
    "mark_svg",
]

logger = logging.getLogger(__name__)

DEFAULT_PRIMARY: Final = "#1f4e79"
DEFAULT_ACCENT: Final = "#f2a900"
#: Side of rasterised SVG badges, in pixels (the default badge's size too).
RASTER_PX: Final = 400
_MAX_IMAGE_BYTES: Final = 2 * 1024 * 1024
_MAX_PIXELS: Final = 4096 * 4096
_FONT_STACK: Final = "'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
_BAND_COLOURS: Final = {"warning": "#8a5a00", "invalid": "#b3261e"}

SourceKind = Literal["png", "svg", "default"]

#: What reading, marking or baking an uploaded image can raise when the image is broken
#: (Pillow's errors are OSError/ValueError subclasses, its bomb check its own classes).
BAD_IMAGE_ERRORS: Final = (
    MicrocredError,
    OSError,
    ValueError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


@dataclass(frozen=True, slots=True)
class BadgeSource:
    """What a certification's badge is drawn from; ``digest`` names it in cache keys."""

    kind: SourceKind
    data: bytes
    title: str
    subtitle: str
    primary: str
    accent: str
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        digest = hashlib.sha256(f"{self.kind}\0".encode())
        if self.kind == "default":
            for part in (self.title, self.subtitle, self.primary, self.accent):
                digest.update(part.encode("utf-8") + b"\0")
        else:
            digest.update(self.data)
        object.__setattr__(self, "digest", digest.hexdigest())


def _colour(value: str | None, default: str) -> str:
    if not value:
        return default
    try:
        return check_colour(value, field="colour")
    except MicrocredError:
        return default


_MEDIA_KINDS: Final[dict[str, SourceKind]] = {"image/png": "png", "image/svg+xml": "svg"}


def _decode_data_uri(uri: str) -> tuple[SourceKind, bytes] | None:
    """``(kind, bytes)`` of a PNG or SVG ``data:`` URI that is what it claims; else None."""
    header, comma, payload = uri.partition(",")
    media, *params = header.removeprefix("data:").split(";")
    kind = _MEDIA_KINDS.get(media) if comma and header.startswith("data:") else None
    if kind is None:
        return None
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if "base64" in params
            else unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError):
        return None
    if not 0 < len(data) <= _MAX_IMAGE_BYTES:
        return None
    if kind == "png":
        return (kind, data) if data.startswith(PNG_SIGNATURE) else None
    sanitised = _sanitised_svg(data)
    return (kind, sanitised) if sanitised is not None else None


def _sanitised_svg(data: bytes) -> bytes | None:
    """The upload through the allowlist sanitiser (the same as at upload, so rows stored
    before it existed, or written by another path, are served sanitised too); None when it
    cannot be made safe or would not draw within the limits — checked before resvg or a
    browser ever sees it, so the PNG and the SVG badge fall back to the default together."""
    try:
        return sanitise_svg(data).encode("utf-8")
    except MicrocredError:
        return None


def badge_source(
    *,
    image: str | None,
    title: str,
    subtitle: str,
    primary: str | None,
    accent: str | None,
) -> BadgeSource:
    """The source for a certification: its uploaded image when usable, else the default."""
    decoded = _decode_data_uri(image) if image else None
    kind, data = decoded if decoded is not None else ("default", b"")
    return BadgeSource(
        kind=kind,
        data=data,
        title=title.strip() or "Micro-credential",
        subtitle=subtitle,
        primary=_colour(primary, DEFAULT_PRIMARY),
        accent=_colour(accent, DEFAULT_ACCENT),
    )


# --- formats ----------------------------------------------------------------------------


def rasterise_svg(svg: bytes, *, size: int = RASTER_PX) -> bytes:
    """A ``size``×``size`` transparent PNG of ``svg`` (scaled to fit, aspect kept)."""
    return _rasterise(svg_baking.decode_svg(svg), size=size)


def _png_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def wrap_png_in_svg(png: bytes) -> str:
    """An SVG showing ``png`` at its own size (for providers who uploaded a PNG)."""
    width, height = _png_size(png)
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<image width="{width}" height="{height}" href="{uri}" xlink:href="{uri}"/></svg>'
    )


# --- status marks -----------------------------------------------------------------------


def mark_png(png: bytes, label: str, kind: str) -> bytes:
    """``png`` greyed out, with a band across its middle reading ``label`` in capitals."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(png)) as opened:
            if opened.width * opened.height > _MAX_PIXELS:
                raise ValueError("badge image too large to mark")
            image = opened.convert("RGBA")
    width, height = image.size
    veil = Image.new("RGBA", image.size, (255, 255, 255, 120))
    image = Image.alpha_composite(image, veil)
    draw = ImageDraw.Draw(image)
    band = max(12, height // 7)
    top = (height - band) // 2
    draw.rectangle((0, top, width, top + band), fill=_BAND_COLOURS.get(kind, "#b3261e"))
    text = label.upper()
    with FONT_LOCK:
        size = max(8, int(band * 0.55))
        font = load_font("sans-bold", size)
        while size > 8 and draw.textlength(text, font=font) > width * 0.9:
            size -= 2
            font = load_font("sans-bold", size)
        draw.text((width / 2, top + band / 2), text, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def mark_svg(svg: str, label: str, kind: str) -> str:
    """``svg`` inside a 400×400 badge with the same band as :func:`mark_png`."""
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    side = RASTER_PX
    band = side // 7
    top = (side - band) // 2
    colour = _BAND_COLOURS.get(kind, "#b3261e")
    text = escape(label.upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="{side}" height="{side}" viewBox="0 0 {side} {side}" role="img" '
        f'aria-label="{text}"><title>{text}</title>'
        f'<image width="{side}" height="{side}" href="{uri}" xlink:href="{uri}"/>'
        f'<rect width="{side}" height="{side}" fill="#ffffff" fill-opacity="0.47"/>'
        f'<rect y="{top}" width="{side}" height="{band}" fill="{colour}"/>'
        f'<text x="{side // 2}" y="{top + band // 2}" dominant-baseline="central" '
        f'text-anchor="middle" font-family="{_FONT_STACK}" font-weight="700" '
        f'font-size="{int(band * 0.55)}" fill="#ffffff">{text}</text></svg>'
    )


# --- the memo ---------------------------------------------------------------------------


class BadgeImages:
    """PNG and SVG renditions of badge sources, memoised (bounded) per process."""

    def __init__(self, *, pool: RenderPool, size: int = 64) -> None:
        self.pool = pool
        self._memo: Cache[tuple[str, str], bytes] = Cache(size, name="sharing.badge_images")
        self.renders = 0

    def png(self, source: BadgeSource) -> bytes:
        return self._get(source, "png", self._draw_png)

    def svg(self, source: BadgeSource) -> str:
        return self._get(source, "svg", self._draw_svg).decode("utf-8")

    def _get(self, source: BadgeSource, fmt: str, draw: Any) -> bytes:
        key = (source.digest, fmt)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        data: bytes = draw(source)
        self.renders += 1
        self._memo.put(key, data)
        return data

    @staticmethod
    def _default_png(source: BadgeSource) -> bytes:
        return default_badge_png(
            source.title, subtitle=source.subtitle, primary=source.primary, accent=source.accent
        )

    def _draw_png(self, source: BadgeSource) -> bytes:
        if source.kind == "png":
            return source.data
        if source.kind == "svg":
            try:
                # In a renderer process: resvg cannot be stopped once it draws.
                return self.pool.run(_rasterise, svg_baking.decode_svg(source.data), size=RASTER_PX)
            except RenderOverloadError:
                raise  # busy, not broken: the caller answers 503
            except BAD_IMAGE_ERRORS as exc:
                logger.warning("could not rasterise a badge SVG (%s); using the default", exc)
        return self._default_png(source)

    def _draw_svg(self, source: BadgeSource) -> bytes:
        if source.kind == "svg":
            return source.data
        if source.kind == "png":
            try:
                return wrap_png_in_svg(source.data).encode("utf-8")
            except BAD_IMAGE_ERRORS as exc:
                logger.warning("could not read a badge PNG (%s); using the default", exc)
        svg = default_badge_svg(
            source.title, subtitle=source.subtitle, primary=source.primary, accent=source.accent
        )
        return svg.encode("utf-8")
