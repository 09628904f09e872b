"""PNG baking per Open Badges 3.0 §"Baked Badge / PNG" (ob_v3p0 docformat)."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from credentials.documents.baking import bake_png, extract_png
from credentials.documents.png_chunks import PNG_SIGNATURE, make_chunk
from credentials.errors import (
    InvalidInputError,
    MalformedCredentialError,
    NoEmbeddedCredentialError,
    UnsupportedFormatError,
    UnsupportedMediaError,
)

CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:5b1d6b6e-2f5a-4a7e-9d5e-0b1c2d3e4f50",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Front-end développement — ✓",
}


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """An independent chunk walker: (type, data) pairs, no CRC checks."""
    assert png.startswith(PNG_SIGNATURE)
    pos, out = 8, []
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def _idat(png: bytes) -> bytes:
    return b"".join(data for kind, data in _chunks(png) if kind == b"IDAT")


def _credential_chunks(png: bytes) -> list[bytes]:
    return [
        data
        for kind, data in _chunks(png)
        if kind == b"iTXt" and data.startswith(b"openbadgecredential\x00")
    ]


@pytest.fixture
def plain_png() -> bytes:
    """A small RGBA image with a gradient, so pixel comparisons mean something."""
    image = Image.new("RGBA", (24, 16))
    image.putdata([(x * 10, y * 15, (x * y) % 256, 200) for y in range(16) for x in range(24)])
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=_text_info())
    return out.getvalue()


def _text_info() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "keep me")
    return info


def test_bake_then_extract_returns_the_json(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)

    assert json.loads(extract_png(baked)) == CREDENTIAL


def test_a_string_credential_is_baked_byte_for_byte(plain_png: bytes) -> None:
    text = json.dumps(CREDENTIAL, indent=2, ensure_ascii=False)

    assert extract_png(bake_png(plain_png, text)) == text


def test_chunk_layout_is_uncompressed_itxt_with_empty_tags(plain_png: bytes) -> None:
    text = json.dumps(CREDENTIAL, ensure_ascii=False)
    baked = bake_png(plain_png, text)

    [data] = _credential_chunks(baked)
    # keyword NUL, compression flag 0, method 0, empty language tag NUL, empty
    # translated keyword NUL, then UTF-8 text (PNG §11.3.4.5; OB 3.0 forbids compression).
    assert data == b"openbadgecredential\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode()


def test_chunk_sits_right_after_ihdr_with_valid_crcs(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)

    kinds = [kind for kind, _ in _chunks(baked)]
    assert kinds[:2] == [b"IHDR", b"iTXt"]
    assert kinds.index(b"iTXt") < kinds.index(b"IDAT")
    pos = 8
    while pos < len(baked):
        (length,) = struct.unpack(">I", baked[pos : pos + 4])
        body = baked[pos + 4 : pos + 8 + length]
        (crc,) = struct.unpack(">I", baked[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(body) == crc
        pos += 12 + length


def test_image_data_and_other_chunks_are_untouched(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)

    assert _idat(baked) == _idat(plain_png)
    without = [c for c in _chunks(baked) if c[0] != b"iTXt" or c[1].startswith(b"Title")]
    assert without == _chunks(plain_png)
    with Image.open(io.BytesIO(baked)) as after, Image.open(io.BytesIO(plain_png)) as before:
        assert after.tobytes() == before.tobytes()


def test_pillow_reads_the_chunk_as_itxt(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)

    with Image.open(io.BytesIO(baked)) as image:
        image.load()
        assert json.loads(image.text["openbadgecredential"]) == CREDENTIAL
        assert image.text["Title"] == "keep me"


def test_rebaking_replaces_the_credential(plain_png: bytes) -> None:
    once = bake_png(plain_png, CREDENTIAL)
    replacement = {**CREDENTIAL, "id": "urn:uuid:00000000-0000-4000-8000-000000000002"}

    twice = bake_png(once, replacement)

    assert len(_credential_chunks(twice)) == 1
    assert json.loads(extract_png(twice)) == replacement
    assert _idat(twice) == _idat(plain_png)


def test_png_without_credential(plain_png: bytes) -> None:
    with pytest.raises(NoEmbeddedCredentialError, match="no iTXt chunk"):
        extract_png(plain_png)


def test_png_with_two_credential_chunks_names_the_count(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)
    [data] = _credential_chunks(baked)
    ihdr_end = 8 + 12 + 13
    doubled = baked[:ihdr_end] + make_chunk(b"iTXt", data) + baked[ihdr_end:]

    with pytest.raises(NoEmbeddedCredentialError, match="2 'openbadgecredential'") as info:
        extract_png(doubled)
    assert info.value.details["count"] == 2


def test_open_badges_2_chunk_is_explained(plain_png: bytes) -> None:
    ob2 = make_chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00https://example.org/assertion")
    png = plain_png[:33] + ob2 + plain_png[33:]

    with pytest.raises(
        UnsupportedFormatError, match=r"not supported yet .*Open Badges 2\.0"
    ) as raised:
        extract_png(png)
    assert raised.value.code == "format.unsupported"
    assert raised.value.details["format"] == "ob2"


def test_compressed_credential_chunk_is_refused(plain_png: bytes) -> None:
    data = b"openbadgecredential\x00\x01\x00\x00\x00" + zlib.compress(b'{"id": "x"}')
    png = plain_png[:33] + make_chunk(b"iTXt", data) + plain_png[33:]

    with pytest.raises(UnsupportedMediaError, match="forbids compression"):
        extract_png(png)


def test_non_utf8_credential_text_is_malformed(plain_png: bytes) -> None:
    data = b"openbadgecredential\x00\x00\x00\x00\x00" + b'{"name": "\xff"}'
    png = plain_png[:33] + make_chunk(b"iTXt", data) + plain_png[33:]

    with pytest.raises(MalformedCredentialError, match="UTF-8"):
        extract_png(png)


def test_corrupt_crc_is_refused(plain_png: bytes) -> None:
    baked = bytearray(bake_png(plain_png, CREDENTIAL))
    baked[-20] ^= 0xFF  # a byte inside the last IDAT

    with pytest.raises(UnsupportedMediaError, match="CRC mismatch"):
        extract_png(bytes(baked))
    with pytest.raises(UnsupportedMediaError, match="CRC mismatch"):
        bake_png(bytes(baked), CREDENTIAL)


def test_tampered_credential_text_fails_the_crc(plain_png: bytes) -> None:
    baked = bake_png(plain_png, CREDENTIAL)
    tampered = baked.replace(b"urn:uuid:5b1d", b"urn:uuid:6b1d")

    with pytest.raises(UnsupportedMediaError, match="CRC mismatch in the iTXt chunk"):
        extract_png(tampered)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a\x01\x00\x01\x00", "signature is missing"),
        (b"", "signature is missing"),
        (PNG_SIGNATURE, "ends before its IEND"),
    ],
)
def test_not_a_png_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(UnsupportedMediaError, match=message):
        extract_png(data)


def test_truncated_png_is_refused(plain_png: bytes) -> None:
    with pytest.raises(UnsupportedMediaError, match="truncated PNG"):
        extract_png(bake_png(plain_png, CREDENTIAL)[:-30])


def test_absurd_chunk_length_is_refused_without_allocating() -> None:
    header = PNG_SIGNATURE + struct.pack(">I", 0xFFFFFFF0) + b"IHDR"

    with pytest.raises(UnsupportedMediaError, match="exceeds the PNG maximum"):
        extract_png(header + b"\x00" * 64)


def test_chunk_length_beyond_the_end_is_truncation() -> None:
    header = PNG_SIGNATURE + struct.pack(">I", 1_000_000) + b"IHDR"

    with pytest.raises(UnsupportedMediaError, match="declares 1000000 bytes"):
        extract_png(header + b"\x00" * 64)


def test_first_chunk_must_be_ihdr(plain_png: bytes) -> None:
    idat_first = PNG_SIGNATURE + make_chunk(b"IDAT", b"") + plain_png[8:]

    with pytest.raises(UnsupportedMediaError, match="first chunk is not IHDR"):
        extract_png(idat_first)


def test_invalid_chunk_type_is_refused(plain_png: bytes) -> None:
    bad = plain_png[:33] + struct.pack(">I", 0) + b"\x00\x01\x02\x03" + b"\x00" * 4

    with pytest.raises(UnsupportedMediaError, match="invalid chunk type"):
        extract_png(bad + plain_png[33:])


@pytest.mark.parametrize(
    "credential",
    ["", "not json", "[1, 2]", '{"unterminated": ', 42],
)
def test_bake_refuses_what_is_not_a_credential(plain_png: bytes, credential: object) -> None:
    with pytest.raises(InvalidInputError):
        bake_png(plain_png, credential)  # type: ignore[arg-type]


def test_bake_accepts_a_compact_jws(plain_png: bytes) -> None:
    jws = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"

    assert extract_png(bake_png(plain_png, jws)) == jws


def test_bake_refuses_a_mapping_with_nan(plain_png: bytes) -> None:
    with pytest.raises(MalformedCredentialError, match="cannot be serialised"):
        bake_png(plain_png, {"score": float("nan")})
