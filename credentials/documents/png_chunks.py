"""PNG baking by chunk surgery: the credential goes in one ``iTXt`` chunk, pixels stay as-is.

Open Badges 3.0 §"Baked Badge / PNG" (ob_v3p0 docformat): an ``iTXt`` chunk with keyword
``openbadgecredential``, compression MUST NOT be used, the text is the credential JSON (or a
compact JWS), and the keyword MUST NOT appear more than once. The image is never decoded
or re-encoded: chunks are copied byte for byte, only the credential chunk is added or
replaced, so a baked badge looks exactly like its source.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from credentials.errors import (
    MalformedCredentialError,
    NoEmbeddedCredentialError,
    UnsupportedFormatError,
    UnsupportedMediaError,
)

__all__ = ["KEYWORD", "PNG_SIGNATURE", "Chunk", "bake", "extract", "iter_chunks"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
#: Open Badges 2.0 baked images use this keyword; recognised only to explain the refusal.
_OB2_KEYWORD = b"openbadges"
#: The PNG spec caps chunk lengths at 2^31 - 1; we refuse anything near that long before
#: slicing, and bound whole files and the number of chunks so hostile input stays cheap.
MAX_PNG_BYTES = 64 * 1024 * 1024
MAX_CHUNKS = 100_000
_MAX_CHUNK_LENGTH = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Chunk:
    """One chunk as found in the file: its type, data and the raw bytes to copy."""

    type: bytes
    data: bytes
    raw: bytes


def iter_chunks(png: bytes) -> Iterator[Chunk]:
    """Every chunk from IHDR to IEND, each checked (type, length, CRC); refuses corrupt PNGs."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise UnsupportedMediaError("a PNG must be given as bytes", field="image")
    png = bytes(png)
    if not png.startswith(PNG_SIGNATURE):
        raise UnsupportedMediaError("not a PNG image: the PNG signature is missing", field="image")
    if len(png) > MAX_PNG_BYTES:
        raise UnsupportedMediaError(
            f"PNG image too large ({len(png)} bytes; limit {MAX_PNG_BYTES})", field="image"
        )
    offset = len(PNG_SIGNATURE)
    for index in range(MAX_CHUNKS):
        chunk, offset = _read_chunk(png, offset)
        if index == 0 and chunk.type != b"IHDR":
            raise UnsupportedMediaError("corrupt PNG: the first chunk is not IHDR", field="image")
        yield chunk
        if chunk.type == b"IEND":
            return  # Anything after IEND is not part of the image.
    raise UnsupportedMediaError(f"PNG has more than {MAX_CHUNKS} chunks", field="image")


def _read_chunk(png: bytes, offset: int) -> tuple[Chunk, int]:
    if offset + 8 > len(png):
        raise UnsupportedMediaError(
            "truncated PNG: the image ends before its IEND chunk", field="image"
        )
    length, chunk_type = struct.unpack_from(">I4s", png, offset)
    if length > _MAX_CHUNK_LENGTH:
        raise UnsupportedMediaError(
            f"corrupt PNG: chunk length {length} exceeds the PNG maximum", field="image"
        )
    if not chunk_type.isalpha() or not chunk_type.isascii():
        raise UnsupportedMediaError(
            f"corrupt PNG: invalid chunk type {chunk_type!r} at byte {offset}", field="image"
        )
    end = offset + 12 + length
    if end > len(png):
        name = chunk_type.decode("ascii")
        raise UnsupportedMediaError(
            f"truncated PNG: the {name} chunk at byte {offset} declares {length} bytes "
            "but the file ends first",
            field="image",
        )
    data = png[offset + 8 : offset + 8 + length]
    (crc,) = struct.unpack_from(">I", png, offset + 8 + length)
    if zlib.crc32(chunk_type + data) != crc:
        name = chunk_type.decode("ascii")
        raise UnsupportedMediaError(
            f"corrupt PNG: CRC mismatch in the {name} chunk at byte {offset}", field="image"
        )
    return Chunk(type=chunk_type, data=data, raw=png[offset:end]), end


def make_chunk(chunk_type: bytes, data: bytes) -> bytes:
    """Length, type, data and CRC-32 over type + data (PNG §5.3)."""
    if len(data) > _MAX_CHUNK_LENGTH:
        raise UnsupportedMediaError("chunk data too long for a PNG chunk", field="credential")
    return (
        struct.pack(">I", len(data))
        + chunk_type
        + data
        + struct.pack(">I", zlib.crc32(chunk_type + data))
    )


def credential_chunk(text: str) -> bytes:
    """The OB 3.0 chunk: keyword, NUL, compression flag 0, method 0, empty language tag
    and translated keyword (each NUL-terminated), then the UTF-8 text uncompressed."""
    data = KEYWORD + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    return make_chunk(b"iTXt", data)


def _itxt_keyword(data: bytes) -> bytes:
    end = data.find(b"\x00", 0, 80)
    return data[:end] if end > 0 else b""


def _itxt_text(data: bytes) -> str:
    """The text field of an ``openbadgecredential`` iTXt chunk, per PNG §11.3.4.5."""
    header_end = len(KEYWORD) + 1
    if len(data) < header_end + 2:
        raise UnsupportedMediaError(
            "corrupt openbadgecredential chunk: header is truncated", field="image"
        )
    compressed = data[header_end]
    if compressed != 0:
        raise UnsupportedMediaError(
            "the openbadgecredential chunk is compressed; Open Badges 3.0 forbids compression",
            field="image",
        )
    rest = data[header_end + 2 :]
    parts = rest.split(b"\x00", 2)  # language tag, translated keyword, text
    if len(parts) != 3:
        raise UnsupportedMediaError(
            "corrupt openbadgecredential chunk: missing language tag or translated keyword",
            field="image",
        )
    try:
        return parts[2].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedCredentialError(
            "the embedded credential is not valid UTF-8 text", field="image"
        ) from exc


def extract(png: bytes) -> str:
    """The text of the single ``openbadgecredential`` iTXt chunk."""
    found: list[bytes] = []
    ob2 = False
    for chunk in iter_chunks(png):
        if chunk.type == b"iTXt":
            keyword = _itxt_keyword(chunk.data)
            if keyword == KEYWORD:
                found.append(chunk.data)
            ob2 = ob2 or keyword == _OB2_KEYWORD
    if not found and ob2:
        raise UnsupportedFormatError(
            "this format is not supported yet (a PNG badge baked with an Open Badges 2.0 "
            "'openbadges' chunk); only Open Badges 3.0 credentials secured with an embedded "
            "Data Integrity proof can be verified here",
            field="image",
            details={"format": "ob2", "description": "an Open Badges 2.0 baked PNG"},
        )
    if not found:
        raise NoEmbeddedCredentialError(
            "this file holds no credential: the PNG has no iTXt chunk with keyword "
            "'openbadgecredential'",
            field="image",
        )
    if len(found) > 1:
        raise NoEmbeddedCredentialError(
            f"the PNG has {len(found)} 'openbadgecredential' iTXt chunks; "
            "Open Badges 3.0 allows exactly one",
            field="image",
            details={"count": len(found)},
        )
    return _itxt_text(found[0])


def bake(png: bytes, text: str) -> bytes:
    """The PNG with exactly one credential chunk, placed right after IHDR.

    Right after IHDR so that extractors, which stop at the first matching chunk (OB 3.0
    §"Extracting"), find it without reading the image data. Existing credential chunks
    are dropped (the spec lets the baker overwrite).
    """
    out = [PNG_SIGNATURE]
    for chunk in iter_chunks(png):
        if chunk.type == b"iTXt" and _itxt_keyword(chunk.data) == KEYWORD:
            continue
        out.append(chunk.raw)
        if chunk.type == b"IHDR":
            out.append(credential_chunk(text))
    return b"".join(out)
