"""Default badge images for micro-certifications that have none: a round seal with a ribbon.

The SVG and the PNG are drawn from one layout (:func:`badge_layout`), so both look alike:
a brand-coloured disc with an accent ring, three stars, the title on up to three lines and
a ribbon carrying the subtitle. Line breaks are measured with the same fonts Pillow draws
with (DejaVu/Noto); SVG viewers with narrower fonts simply get a little more margin.
The SVG has no external fonts, links or scripts, and every string in it is XML-escaped.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw

from credentials.documents.badge_text import draw_line, line_width
from credentials.documents.certificate_model import check_colour
from credentials.documents.fonts import FONT_LOCK
from credentials.documents.text import clean_text, text_direction
from credentials.errors import InvalidInputError

__all__ = ["BadgeLayout", "badge_layout", "default_badge_png", "default_badge_svg"]

VIEWBOX: Final = 400
_TITLE_WIDTH: Final = 250
_RIBBON_WIDTH: Final = 244
_TRACKING: Final = 1.5  # letter-spacing of the ribbon text
_TITLE_SIZES: Final = (44, 38, 33, 29, 25, 22)
_SUBTITLE_SIZES: Final = (16, 14, 12, 11)
_TITLE_CENTRE_Y: Final = 190
_RIBBON_TEXT_Y: Final = 300  # baseline
_DEFAULT_SUBTITLE: Final = "Micro-credential"
_MAX_TEXT: Final = 300
_FONT_STACK: Final = "'Noto Sans', 'DejaVu Sans', 'Helvetica Neue', Arial, sans-serif"


@dataclass(frozen=True, kw_only=True)
class BadgeLayout:
    """Lines, sizes and colours shared by the SVG and PNG renderers (viewBox units)."""

    title_lines: tuple[str, ...]
    title_size: int
    title_baselines: tuple[float, ...]
    subtitle: str
    subtitle_size: int
    primary: str
    primary_dark: str
    ring: str
    accent: str
    accent_dark: str
    accent_darker: str
    title_ink: str
    ribbon_ink: str


# --- colours ----------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _mix(colour: str, other: str, amount: float) -> str:
    mixed = (round(a + (b - a) * amount) for a, b in zip(_rgb(colour), _rgb(other), strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def _luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _ink_on(background: str, *candidates: str) -> str:
    """The candidate text colour with the best contrast on ``background``."""
    return max(candidates, key=lambda ink: _contrast(background, ink))


# --- layout -----------------------------------------------------------------------------


def _clean(value: str, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a string", field=field)
    return clean_text(value)[:_MAX_TEXT]


def _wrap(words: Sequence[str], size: int, width: float) -> list[str]:
    """Greedy word wrap; a word wider than a line is split between characters."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if line_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for char in word:
            if line_width(current + char, size) > width and current:
                lines.append(current)
                current = ""
            current += char
    if current:
        lines.append(current)
    return lines


def _ellipsize(text: str, size: int, width: float, tracking: float = 0.0) -> str:
    if line_width(text, size, tracking) <= width:
        return text
    while text and line_width(text + "…", size, tracking) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _fit_title(title: str) -> tuple[list[str], int]:
    words = title.split()
    for size in _TITLE_SIZES:
        lines = _wrap(words, size, _TITLE_WIDTH)
        if len(lines) <= 3:
            return lines, size
    size = _TITLE_SIZES[-1]
    lines = _wrap(words, size, _TITLE_WIDTH)
    rest = " ".join(lines[2:])
    return [*lines[:2], _ellipsize(rest + " …", size, _TITLE_WIDTH)], size


def _fit_subtitle(subtitle: str) -> tuple[str, int]:
    for size in _SUBTITLE_SIZES:
        if line_width(subtitle, size, _TRACKING) <= _RIBBON_WIDTH:
            return subtitle, size
    size = _SUBTITLE_SIZES[-1]
    return _ellipsize(subtitle, size, _RIBBON_WIDTH, _TRACKING), size


def badge_layout(
    title: str, *, subtitle: str | None = None, primary: str = "#1f4e79", accent: str = "#f2a900"
) -> BadgeLayout:
    """Validate the inputs and lay the badge out."""
    primary = check_colour(primary, field="primary")
    accent = check_colour(accent, field="accent")
    clean_title = _clean(title, "title")
    if not clean_title:
        raise InvalidInputError("title must not be empty", field="title")
    clean_subtitle = _clean(subtitle, "subtitle") if subtitle is not None else ""
    with FONT_LOCK:
        lines, size = _fit_title(clean_title)
        ribbon_text, ribbon_size = _fit_subtitle((clean_subtitle or _DEFAULT_SUBTITLE).upper())
    leading = size * 1.14
    first = _TITLE_CENTRE_Y - leading * (len(lines) - 1) / 2 + size * 0.36
    primary_dark = _mix(primary, "#000000", 0.2)
    return BadgeLayout(
        title_lines=tuple(lines),
        title_size=size,
        title_baselines=tuple(round(first + i * leading, 1) for i in range(len(lines))),
        subtitle=ribbon_text,
        subtitle_size=ribbon_size,
        primary=primary,
        primary_dark=primary_dark,
        ring=_mix(primary, "#ffffff", 0.45),
        accent=accent,
        accent_dark=_mix(accent, "#000000", 0.22),
        accent_darker=_mix(accent, "#000000", 0.45),
        title_ink=_ink_on(primary_dark, "#ffffff", "#1b2430"),
        ribbon_ink=_ink_on(accent, primary_dark, "#ffffff", "#1b2430"),
    )


# --- shared geometry --------------------------------------------------------------------

_STARS: Final = ((200.0, 92.0, 21.0), (158.0, 104.0, 11.0), (242.0, 104.0, 11.0))
_RIBBON_BAND: Final = ((60, 270), (340, 270), (340, 314), (60, 314))
_RIBBON_TAILS: Final = (
    ((26, 284), (92, 284), (92, 328), (26, 328), (42, 306)),
    ((374, 284), (308, 284), (308, 328), (374, 328), (358, 306)),
)
_RIBBON_FOLDS: Final = (((60, 314), (92, 314), (92, 328)), ((340, 314), (308, 314), (308, 328)))


def _star(cx: float, cy: float, radius: float) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.42
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((round(cx + r * math.cos(angle), 2), round(cy + r * math.sin(angle), 2)))
    return points


# --- SVG --------------------------------------------------------------------------------


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def default_badge_svg(
    title: str, *, subtitle: str | None = None, primary: str = "#1f4e79", accent: str = "#f2a900"
) -> str:
    """A standalone 400×400 SVG badge (no external resources)."""
    layout = badge_layout(title, subtitle=subtitle, primary=primary, accent=accent)
    label = " ".join(layout.title_lines)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{VIEWBOX}" height="{VIEWBOX}" '
        f'viewBox="0 0 {VIEWBOX} {VIEWBOX}" role="img" aria-label={quoteattr(label)}>',
        f"<title>{escape(label)}</title>",
        f'<circle cx="200" cy="200" r="190" fill="{layout.primary}"/>',
        f'<circle cx="200" cy="200" r="175" fill="none" stroke="{layout.accent}" '
        'stroke-width="7"/>',
        f'<circle cx="200" cy="200" r="166" fill="{layout.primary_dark}"/>',
        f'<circle cx="200" cy="200" r="157" fill="none" stroke="{layout.ring}" '
        'stroke-width="1.5"/>',
        *(f'<polygon points="{_points(_star(*star))}" fill="{layout.accent}"/>' for star in _STARS),
        f'<g font-family="{_FONT_STACK}" font-weight="700" text-anchor="middle">',
        f'<g fill="{layout.title_ink}" font-size="{layout.title_size}">',
        *(
            f'<text x="200" y="{baseline:g}"{_direction(line)}>{escape(line)}</text>'
            for line, baseline in zip(layout.title_lines, layout.title_baselines, strict=True)
        ),
        "</g>",
        *(
            f'<polygon points="{_points(tail)}" fill="{layout.accent_dark}"/>'
            for tail in _RIBBON_TAILS
        ),
        *(
            f'<polygon points="{_points(fold)}" fill="{layout.accent_darker}"/>'
            for fold in _RIBBON_FOLDS
        ),
        f'<polygon points="{_points(_RIBBON_BAND)}" fill="{layout.accent}"/>',
        f'<text x="200" y="{_RIBBON_TEXT_Y}" font-size="{layout.subtitle_size}" '
        f'{_tracking(layout.subtitle)}fill="{layout.ribbon_ink}"{_direction(layout.subtitle)}>'
        f"{escape(layout.subtitle)}</text>",
        "</g></svg>",
    ]
    return "".join(parts)


def _tracking(text: str) -> str:
    # Letter-spacing would break the joining of Arabic letters.
    return "" if text_direction(text) == "rtl" else f'letter-spacing="{_TRACKING:g}" '


def _direction(text: str) -> str:
    return ' direction="rtl"' if text_direction(text) == "rtl" else ""


# --- PNG --------------------------------------------------------------------------------

#: Pillow's shapes are not anti-aliased: draw at this multiple, then box-average down.
#: Large badges use a smaller factor so the canvas stays at most 2048² (16 MB RGBA).
_MAX_PNG_SIZE: Final = 1024


def _supersample(size: int) -> int:
    return 4 if size <= 512 else 2


def default_badge_png(
    title: str,
    *,
    subtitle: str | None = None,
    primary: str = "#1f4e79",
    accent: str = "#f2a900",
    size: int = 400,
) -> bytes:
    """The same badge as an RGBA PNG of ``size``×``size`` pixels (transparent corners)."""
    if isinstance(size, bool) or not isinstance(size, int) or not 32 <= size <= _MAX_PNG_SIZE:
        raise InvalidInputError(
            f"size must be an integer between 32 and {_MAX_PNG_SIZE}", field="size"
        )
    with FONT_LOCK:
        image = _draw_badge(
            badge_layout(title, subtitle=subtitle, primary=primary, accent=accent), size
        )
    image = image.reduce(_supersample(size))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _draw_badge(layout: BadgeLayout, size: int) -> Image.Image:
    scale = size * _supersample(size) / VIEWBOX
    image = Image.new("RGBA", (size * _supersample(size),) * 2, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    _draw_shapes(draw, layout, scale)
    for line, baseline in zip(layout.title_lines, layout.title_baselines, strict=True):
        draw_line(
            image,
            line,
            centre_x=200 * scale,
            baseline=baseline * scale,
            size=round(layout.title_size * scale),
            fill=layout.title_ink,
        )
    draw_line(
        image,
        layout.subtitle,
        centre_x=200 * scale,
        baseline=_RIBBON_TEXT_Y * scale,
        size=round(layout.subtitle_size * scale),
        fill=layout.ribbon_ink,
        tracking=_TRACKING * scale,
    )
    return image


def _draw_shapes(draw: ImageDraw.ImageDraw, layout: BadgeLayout, scale: float) -> None:
    def circle(radius: float, **kwargs: object) -> None:
        box = [
            (200 - radius) * scale,
            (200 - radius) * scale,
            (200 + radius) * scale,
            (200 + radius) * scale,
        ]
        draw.ellipse(box, **kwargs)  # type: ignore[arg-type]

    def polygon(points: Sequence[tuple[float, float]], fill: str) -> None:
        draw.polygon([(x * scale, y * scale) for x, y in points], fill=fill)

    circle(190, fill=layout.primary)
    circle(178.5, fill=layout.accent)
    circle(171.5, fill=layout.primary)
    circle(166, fill=layout.primary_dark)
    circle(157.75, outline=layout.ring, width=max(1, round(1.5 * scale)))
    for star in _STARS:
        polygon(_star(*star), layout.accent)
    for tail in _RIBBON_TAILS:
        polygon(tail, layout.accent_dark)
    for fold in _RIBBON_FOLDS:
        polygon(fold, layout.accent_darker)
    polygon(_RIBBON_BAND, layout.accent)
