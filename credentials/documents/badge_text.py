"""One line of text drawn with Pillow, with per-character font fallback.

Pillow draws with exactly one font per call and has no fallback, so a title mixing Latin,
Arabic or Hebrew and emoji is split into runs, each drawn with a font that has its glyphs
(checked against the font's cmap). Raqm, when Pillow has it, shapes Arabic and orders
right-to-left text inside a run; runs of a right-to-left line are laid out right to left.
Emoji come from Noto Color Emoji's single bitmap strike, scaled to the text size.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from credentials.documents.fonts import EMOJI_STRIKE, FontFace, covers, load_font
from credentials.documents.text import text_direction

__all__ = ["draw_line", "line_width", "runs"]

_FALLBACKS: Final = ("sans-bold", "arabic-bold", "hebrew-bold", "emoji")
#: Emoji are drawn a little smaller than the em so they sit inside the line.
_EMOJI_SCALE: Final = 0.92


def _attaches(char: str) -> bool:
    """Characters that belong to the run before them (marks, joiners, selectors, spaces)."""
    return unicodedata.category(char) in ("Mn", "Me", "Cf", "Sk", "Zs") or (
        0x1F3FB <= ord(char) <= 0x1F3FF  # skin-tone modifiers
    )


def _cursive(text: str) -> bool:
    """Right-to-left scripts (Arabic joins letters): never letter-space them."""
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def _face_for(char: str) -> FontFace:
    for face in _FALLBACKS:
        if covers(face, char):
            return face
    return "sans-bold"


def runs(text: str) -> Iterator[tuple[FontFace, str]]:
    """``(font face, text)`` runs in logical order."""
    face: FontFace | None = None
    current = ""
    for char in text:
        if face is not None and (_attaches(char) or _face_for(char) == face):
            current += char
            continue
        if current and face is not None:
            yield face, current
        face, current = _face_for(char), char
    if current and face is not None:
        yield face, current


def _run_width(face: FontFace, text: str, size: int, tracking: float) -> float:
    if face == "emoji" or _cursive(text):
        tracking = 0.0
    font = load_font(face, size)
    width = float(font.getlength(text))
    if face == "emoji":
        width *= size * _EMOJI_SCALE / EMOJI_STRIKE
    return width + tracking * len(text)


def line_width(text: str, size: int, tracking: float = 0.0) -> float:
    """The drawn width of ``text`` at ``size`` px (the layout measure for SVG and PNG)."""
    return sum(_run_width(face, part, size, tracking) for face, part in runs(text))


def draw_line(
    image: Image.Image,
    text: str,
    *,
    centre_x: float,
    baseline: float,
    size: int,
    fill: str,
    tracking: float = 0.0,
) -> None:
    """Draw ``text`` centred on ``centre_x`` with its baseline at ``baseline``."""
    parts = list(runs(text))
    if text_direction(text) == "rtl":
        parts.reverse()
    x = centre_x - line_width(text, size, tracking) / 2
    draw = ImageDraw.Draw(image)
    for face, part in parts:
        if face == "emoji":
            _paste_emoji(image, part, x=x, baseline=baseline, size=size)
        elif tracking and not _cursive(part):
            _draw_tracked(
                draw, load_font(face, size), part, at=(x, baseline), fill=fill, tracking=tracking
            )
        else:
            draw.text((x, baseline), part, font=load_font(face, size), fill=fill, anchor="ls")
        x += _run_width(face, part, size, tracking)


def _draw_tracked(
    draw: ImageDraw.ImageDraw,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    text: str,
    *,
    at: tuple[float, float],
    fill: str,
    tracking: float,
) -> None:
    """Letter-spaced text (the ribbon), one character at a time."""
    x, baseline = at
    for char in text:
        draw.text((x, baseline), char, font=font, fill=fill, anchor="ls")
        x += float(font.getlength(char)) + tracking


def _paste_emoji(image: Image.Image, text: str, *, x: float, baseline: float, size: int) -> None:
    font = load_font("emoji", size)
    width = max(1, round(float(font.getlength(text))))
    strip = Image.new("RGBA", (width, round(EMOJI_STRIKE * 1.3)), (0, 0, 0, 0))
    ImageDraw.Draw(strip).text((0, EMOJI_STRIKE), text, font=font, anchor="ls", embedded_color=True)
    scale = size * _EMOJI_SCALE / EMOJI_STRIKE
    scaled = strip.resize(
        (max(1, round(strip.width * scale)), max(1, round(strip.height * scale))),
        Image.Resampling.LANCZOS,
    )
    top = round(baseline - EMOJI_STRIKE * scale)
    image.alpha_composite(scaled, (max(round(x), 0), max(top, 0)))
