"""Reading Open Badges 2.0 (and pre-2.0) baked images: what the badge holds, as text.

Open Badges Baking 1.0 (ob_v2p0 "baking"):

- PNG: one ``iTXt`` chunk with keyword ``openbadges`` holding the assertion JSON or a
  signed assertion (JWS). The spec says compression MUST NOT be used, but badges baked
  with compression exist; a compressed one is inflated with a bound on its size. The
  pre-2013 "legacy" bakes put the hosted assertion's URL in a ``tEXt`` ``openbadges``
  chunk; that is read too. Chunks come from ``credentials.documents.png_chunks``
  (``iter_chunks``: length, type and CRC of every chunk checked, sizes bounded).
- SVG: one ``<openbadges:assertion>`` element (namespace ``http://openbadges.org``); its
  body (in CDATA) is the assertion JSON, else its ``verify`` attribute holds the JWS or
  the hosted assertion's URL. Parsed with expat, refusing any DOCTYPE before an entity
  can be declared (no entity expansion; expat never fetches anything), the same guard
  as ``credentials.documents.svg_baking``.

The readers answer the text, or None when the image holds no OB 2.0 data; a corrupt
image raises ``UnsupportedMediaError`` (415) naming the problem, never anything else (a
Hypothesis test feeds them arbitrary bytes).
"""

from __future__ import annotations

import xml.parsers.expat
import zlib
from typing import Final

from credentials.documents import png_chunks
from credentials.documents.svg_baking import decode_svg
from credentials.errors import InvalidInputError, UnsupportedMediaError

__all__ = ["MAX_TEXT", "NAMESPACE", "png_text", "svg_text"]

KEYWORD: Final = b"openbadges"
NAMESPACE: Final = "http://openbadges.org"
_ASSERTION: Final = f"{NAMESPACE} assertion"
#: A baked assertion is a few kilobytes (a JWS with an embedded badge class a few more).
MAX_TEXT: Final = 1024 * 1024


def _too_large() -> InvalidInputError:
    return InvalidInputError(f"the baked badge data is larger than {MAX_TEXT} bytes", field="image")


def _itxt(data: bytes) -> str:
    """The text of an ``openbadges`` iTXt chunk (PNG §11.3.4.5), inflated if compressed."""
    rest = data[len(KEYWORD) + 1 :]
    if len(rest) < 2:
        raise UnsupportedMediaError("corrupt openbadges chunk: header is truncated", field="image")
    compressed, method = rest[0], rest[1]
    parts = rest[2:].split(b"\x00", 2)  # language tag, translated keyword, text
    if len(parts) != 3:
        raise UnsupportedMediaError(
            "corrupt openbadges chunk: missing language tag or translated keyword", field="image"
        )
    text = parts[2]
    if compressed:
        if method != 0:
            raise UnsupportedMediaError(
                f"openbadges chunk uses unknown compression method {method}", field="image"
            )
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_TEXT + 1)
        except zlib.error as exc:
            raise UnsupportedMediaError(
                "corrupt openbadges chunk: its compressed text does not inflate", field="image"
            ) from exc
        if len(text) > MAX_TEXT or inflater.unconsumed_tail:
            raise _too_large()
    return _utf8(text)


def _utf8(raw: bytes) -> str:
    if len(raw) > MAX_TEXT:
        raise _too_large()
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaError(
            "the baked badge data is not UTF-8 text", field="image"
        ) from exc


def png_text(png: bytes) -> str | None:
    """The ``openbadges`` text of a PNG (JSON, JWS or URL), or None when there is none."""
    found: list[str] = []
    for chunk in png_chunks.iter_chunks(png):
        keyword = chunk.data[: len(KEYWORD) + 1]
        if keyword != KEYWORD + b"\x00":
            continue
        if chunk.type == b"iTXt":
            found.append(_itxt(chunk.data))
        elif chunk.type == b"tEXt":  # legacy bake: the hosted assertion's URL, Latin-1
            found.append(chunk.data[len(KEYWORD) + 1 :].decode("latin-1").strip())
    if len(found) > 1:
        raise InvalidInputError(
            f"the PNG has {len(found)} 'openbadges' chunks; the baking specification "
            "allows exactly one",
            field="image",
            details={"count": len(found)},
        )
    if found and not found[0]:
        raise InvalidInputError("the PNG's 'openbadges' chunk is empty", field="image")
    return found[0] if found else None


def svg_text(svg: str | bytes) -> str | None:
    """The ``<openbadges:assertion>`` body or ``verify`` value, or None when there is none."""
    buf = decode_svg(svg).encode("utf-8")
    parser = xml.parsers.expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    bodies: list[list[str]] = []
    verify: list[str] = []
    depth = 0

    def refuse_dtd(*_: object) -> None:
        raise UnsupportedMediaError(
            "SVG with a DOCTYPE (DTD) is refused: it could declare expanding entities",
            field="image",
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        if depth:
            depth += 1
        elif name == _ASSERTION:
            depth = 1
            bodies.append([])
            verify.append(attrs.get("verify", ""))

    def end(_name: str) -> None:
        nonlocal depth
        depth = max(depth - 1, 0)

    def text(data: str) -> None:
        if depth == 1:
            bodies[-1].append(data)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(buf, True)
    except xml.parsers.expat.ExpatError as exc:
        raise UnsupportedMediaError(
            f"not a well-formed SVG: {xml.parsers.expat.ErrorString(exc.code)} "
            f"at line {exc.lineno}, column {exc.offset}",
            field="image",
        ) from exc
    if not bodies:
        return None
    if len(bodies) > 1:
        raise InvalidInputError(
            f"the SVG has {len(bodies)} <openbadges:assertion> elements; the baking "
            "specification allows exactly one",
            field="image",
        )
    found = "".join(bodies[0]).strip() or verify[0].strip()
    if not found:
        raise InvalidInputError("the SVG's <openbadges:assertion> element is empty", field="image")
    if len(found) > MAX_TEXT:
        raise _too_large()
    return found
