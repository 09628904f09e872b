"""Display text helpers shared by the certificate and the badge images.

User-supplied names are cleaned before they are drawn: control characters would garble
the output, and explicit bidi embeddings, overrides and isolates (UAX #9 §2) would let a
name display as something other than what it says ("Amara \\u202egnp.exe" shows as
"Amara exe.png"). The base direction of each value is computed here because WeasyPrint
does not implement ``dir="auto"``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

__all__ = ["clean_text", "text_direction"]

#: C0/C1 controls (tab and newline become spaces below) and bidi embeddings/overrides
#: (U+202A-U+202E) and isolates (U+2066-U+2069).
_CONTROLS: Final = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES: Final = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """``value`` without controls or bidi overrides, whitespace collapsed, trimmed."""
    if not value:
        return ""
    return _SPACES.sub(" ", _CONTROLS.sub("", value)).strip()


def text_direction(value: str) -> Literal["ltr", "rtl"]:
    """The direction of the first strong character (UAX #9 rules P2-P3), default ``ltr``."""
    for char in value:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"
