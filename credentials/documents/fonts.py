"""Finding system fonts for images drawn with Pillow (which has no font fallback).

The PDF certificate gets its fonts through fontconfig (WeasyPrint); Pillow needs file paths.
We look for the Debian packages the project installs (fonts-noto-core,
fonts-noto-color-emoji, fonts-dejavu) by file name and fall back to Pillow's built-in font,
so a badge can always be drawn, if less prettily, on a machine without them.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs; pinned via weasyprint
from PIL import ImageFont

__all__ = ["FONT_LOCK", "FontFace", "font_path", "glyph_coverage", "load_font"]

#: Pillow's FreeType fonts are shared through the cache below but are not safe to use from
#: two threads at once; measuring and drawing text hold this lock (badges are rare work).
FONT_LOCK: Final = threading.RLock()

_FONT_DIRS: Final = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
)

#: Font roles and the files that can fill them, best first.
FontFace = str
FACES: Final[dict[FontFace, Sequence[str]]] = {
    "sans-bold": ("NotoSans-Bold.ttf", "DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    "sans": ("NotoSans-Regular.ttf", "DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    "arabic-bold": ("NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf", "DejaVuSans-Bold.ttf"),
    "hebrew-bold": ("NotoSansHebrew-Bold.ttf", "DejaVuSans-Bold.ttf"),
    "emoji": ("NotoColorEmoji.ttf",),
}
#: Noto Color Emoji is a bitmap font with a single 109 px strike.
EMOJI_STRIKE: Final = 109


@functools.cache
def _index(dirs: tuple[str, ...] = _FONT_DIRS) -> dict[str, Path]:
    """File name → path of every TrueType/OpenType font under the font directories."""
    found: dict[str, Path] = {}
    for root in dirs:
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                if name.lower().endswith((".ttf", ".otf")):
                    found.setdefault(name, Path(dirpath) / name)
    return found


def font_path(face: FontFace) -> Path | None:
    """The first installed file for ``face``, or ``None``."""
    index = _index()
    for name in FACES.get(face, ()):
        if name in index:
            return index[name]
    return None


@functools.cache
def glyph_coverage(path: Path) -> frozenset[int]:
    """The code points the font maps (its best cmap)."""
    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # an unreadable font file just covers nothing
        return frozenset()


@functools.lru_cache(maxsize=64)
def load_font(face: FontFace, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A Pillow font for ``face`` at ``size`` px; Pillow's own font when none is installed."""
    path = font_path(face)
    if path is not None:
        try:
            if face == "emoji":
                return ImageFont.truetype(str(path), EMOJI_STRIKE)
            # Default layout engine: Raqm (bidi, Arabic shaping) when Pillow has it.
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def covers(face: FontFace, text: Iterable[str]) -> bool:
    """Whether the installed font for ``face`` has a glyph for every character."""
    path = font_path(face)
    if path is None:
        return False
    coverage = glyph_coverage(path)
    return all(ord(char) in coverage for char in text)
