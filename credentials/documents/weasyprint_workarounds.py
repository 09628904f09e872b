"""Everything we do around WeasyPrint 70.0 / pydyf 0.13.0 behaviour, in one place.

Nothing here replaces a WeasyPrint or pydyf function or class. Each workaround goes through
an option WeasyPrint documents (``color_profiles`` and ``output_intent`` of ``render``, the
``finisher`` of ``write_pdf``) and changes only the PDF objects it is handed, through the
attributes pydyf documents (``Stream.stream``, ``.extra``, ``.compress``). They are written
for the pinned versions below; ``tests/credentials/documents/test_weasyprint_workarounds.py``
fails when a pin changes, and checks that each upstream behaviour is still there, so the
workaround is re-examined (and dropped when upstream has fixed it) on every upgrade.

1. **/AF lists each attachment twice** (Kozea/WeasyPrint#2917, fixed upstream after 70.0).
   With ``pdf_variant="pdf/a-3b"``, ``weasyprint/pdf/pdfa.py`` adds each attachment to the
   catalog's /AF array once from the EmbeddedFiles name tree and once more from its
   /Filespec object. The finisher keeps one reference of each.
2. **The built-in "srgb" output intent leaks a file** (``weasyprint/pdf/__init__.py`` opens
   ``sRGB2014.icc`` for every PDF and never closes it: a ``ResourceWarning`` per render,
   an error under our test settings). The same ICC profile, read once and registered
   under our own name, gives the identical /OutputIntent.
3. **pydyf compresses every stream twice** (``pydyf.PDF.write``: the file identifier PDF/A
   needs is the MD5 of every serialised object, and the objects are then serialised again
   to be written; ``Stream.data`` runs zlib level 9 each time). That was ≈ 7 ms of a ≈ 90 ms
   certificate, mostly the attached credential (docs/PERFORMANCE.md, "Documents"). The
   finisher compresses each stream once, exactly as ``Stream.data`` would, and hands pydyf
   the compressed bytes with ``compress`` off, so both serialisations only join bytes. The
   PDF is byte for byte the same.
"""

from __future__ import annotations

import functools
import io
import zlib
from importlib.resources import files
from typing import Any, Final

import pydyf  # type: ignore[import-untyped]  # no types; pinned via weasyprint
from weasyprint.css import ColorProfile

__all__ = [
    "OUTPUT_INTENT",
    "PINNED_PYDYF",
    "PINNED_WEASYPRINT",
    "color_profiles",
    "finish_pdf",
]

#: The versions these workarounds were written for (and checked against, by the tests).
PINNED_WEASYPRINT: Final = "70.0"
PINNED_PYDYF: Final = "0.13.0"

#: Name of our sRGB output intent (workaround 2).
OUTPUT_INTENT: Final = "microcred-srgb"


@functools.cache
def _srgb_icc() -> bytes:
    return (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def color_profiles() -> dict[str, Any]:
    """A fresh ``color_profiles`` for ``render``, holding the sRGB profile (workaround 2).

    Fresh per render: @color-profile rules in a template add to the dict, and Pillow's
    profile object changes what ``tobytes()`` returns once used, which would make otherwise
    identical PDFs differ.
    """
    profile = ColorProfile(
        io.BytesIO(_srgb_icc()), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )
    return {OUTPUT_INTENT: profile}


def finish_pdf(_document: Any, pdf: Any) -> None:
    """``write_pdf``'s finisher: workarounds 1 and 3, on the objects about to be written."""
    references = pdf.catalog.get("AF")
    if references:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(references))
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            _compress_once(obj)


def _compress_once(stream: Any) -> None:
    """Give ``stream`` its compressed content, so serialising it no longer runs zlib.

    The same bytes and dictionary as ``pydyf.Stream.data`` writes for a compressed stream:
    the items joined by newlines, zlib level 9, ``/Filter /FlateDecode`` after the stream's
    own entries (``/Length`` is added by ``data`` itself).
    """
    compressor = zlib.compressobj(level=9)
    content = compressor.compress(b"\n".join(_item_bytes(item) for item in stream.stream))
    stream.stream = [content + compressor.flush()]
    stream.extra["Filter"] = "/FlateDecode"
    stream.compress = False


def _item_bytes(item: Any) -> bytes:
    # What pydyf's own serialisation does with a stream item (pydyf 0.13.0, ``_to_bytes``).
    if isinstance(item, bytes):
        return item
    if isinstance(item, pydyf.Object):
        return bytes(item.data)
    if isinstance(item, float):
        text = str(int(item)) if item.is_integer() else f"{item:f}".rstrip("0")
        return text.encode("ascii")
    return str(item).encode("ascii")
