"""Baked badges (Open Badges 3.0 §"Baked Badge") and extraction from any upload.

``bake_png``/``extract_png`` and ``bake_svg``/``extract_svg`` follow the OB 3.0 baking
rules (see :mod:`credentials.documents.png_chunks` and
:mod:`credentials.documents.svg_baking`); ``extract_credential`` is what the verifier
calls on an upload of unknown type: it sniffs the bytes (never trusting the file name or
the declared content type) and returns the credential text from a PNG, SVG, PDF or JSON.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from credentials.documents import png_chunks, svg_baking
from credentials.documents.pdf_extract import extract_pdf_credential
from credentials.errors import InvalidInputError, MalformedCredentialError, UnsupportedMediaError
from credentials.formats import UNSUPPORTED, Kind, identify, refusal

__all__ = [
    "CredentialFormat",
    "bake_png",
    "bake_svg",
    "credential_text",
    "extract_credential",
    "extract_png",
    "extract_svg",
    "sniff_format",
]

CredentialFormat = Literal["png", "svg", "pdf", "json", "jwt"]  # v-jwt: "jwt"

#: A baked credential is a few kilobytes; a megabyte-sized one is a mistake or an attack.
MAX_CREDENTIAL_BYTES: Final = 4 * 1024 * 1024
_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")


def credential_text(credential: Mapping[str, Any] | str) -> str:
    """The text to bake: a mapping as compact UTF-8 JSON, a string as given.

    A string is baked byte for byte (a signed credential must not be re-serialised), so it
    must already be a JSON object or, for VC-JWT, a compact JWS.
    """
    if isinstance(credential, str):
        text = credential
        stripped = text.strip()
        if not _COMPACT_JWS.match(stripped) and not _is_json_object(stripped):
            raise MalformedCredentialError(
                "the credential to bake must be a JSON object or a compact JWS",
                field="credential",
            )
    elif isinstance(credential, Mapping):
        try:
            text = json.dumps(
                credential,
                ensure_ascii=False,
                separators=(",", ":"),
                allow_nan=False,
                default=_plain,
            )
        except (TypeError, ValueError) as exc:
            raise MalformedCredentialError(
                f"the credential cannot be serialised as JSON: {exc}", field="credential"
            ) from exc
    else:
        raise InvalidInputError(
            f"the credential must be a mapping or a JSON string, not {type(credential).__name__}",
            field="credential",
        )
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise MalformedCredentialError(
            "the credential contains a lone surrogate and is not valid Unicode text",
            field="credential",
        ) from exc
    if size > MAX_CREDENTIAL_BYTES:
        raise InvalidInputError(
            f"the credential is too large to bake ({size} bytes; limit {MAX_CREDENTIAL_BYTES})",
            field="credential",
        )
    return text


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | list):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _is_json_object(text: str) -> bool:
    if not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


# --- PNG --------------------------------------------------------------------------------


def bake_png(png: bytes, credential: Mapping[str, Any] | str) -> bytes:
    """The PNG with one uncompressed ``iTXt`` ``openbadgecredential`` chunk after IHDR.

    Any existing credential chunk is replaced; every other chunk is copied byte for byte.
    Raises :class:`UnsupportedMediaError` for anything that is not an intact PNG.
    """
    return png_chunks.bake(png, credential_text(credential))


def extract_png(png: bytes) -> str:
    """The baked credential text. :class:`NoEmbeddedCredentialError` if there is none or
    more than one; :class:`UnsupportedMediaError` for a corrupt or non-PNG input."""
    text = png_chunks.extract(png)
    _check_size(text)
    return text


# --- SVG --------------------------------------------------------------------------------


def bake_svg(svg: str | bytes, credential: Mapping[str, Any] | str) -> str:
    """The SVG with one ``<openbadges:credential>`` (JSON in CDATA) after the ``<svg>`` tag.

    An existing credential element is removed; the rest of the document is kept as written.
    """
    return svg_baking.bake(svg, credential_text(credential))


def extract_svg(svg: str | bytes) -> str:
    """The baked credential text (a DOCTYPE is refused before parsing anything)."""
    text = svg_baking.extract(svg)
    _check_size(text)
    return text


def _check_size(text: str) -> None:
    if len(text) > MAX_CREDENTIAL_BYTES:
        raise InvalidInputError(
            f"the embedded credential is too large ({len(text)} characters)", field="image"
        )


# --- any upload -------------------------------------------------------------------------


def sniff_format(data: bytes) -> CredentialFormat | None:
    """The format by magic bytes: PNG signature, ``%PDF-``, an XML root, a JSON object."""
    if data.startswith(png_chunks.PNG_SIGNATURE):
        return "png"
    # PDF readers accept a header within the first 1024 bytes (ISO 32000-1 annex H.3).
    if b"%PDF-" in data[:1024]:
        return "pdf"
    head = _text_head(data)
    if head.startswith("<"):
        return "svg"
    if head.startswith("{"):
        return "json"
    return None


def _text_head(data: bytes) -> str:
    """The first few non-blank characters if the data starts like text, else ``""``."""
    prefix = data[:512]
    if prefix.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        prefix_text = prefix.decode("utf-16", errors="ignore")
    else:
        prefix_text = prefix.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    return prefix_text.lstrip(" \t\r\n")[:16]


def extract_credential(
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
) -> tuple[CredentialFormat, str]:
    """``(format, credential text)`` from an upload of any supported type.

    The format is decided by the bytes alone; ``filename`` and ``content_type`` only make
    the error message more helpful.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnsupportedMediaError("the upload must be bytes", field="file")
    data = bytes(data)
    kind = sniff_format(data)
    if kind == "png":
        return kind, extract_png(data)
    if kind == "svg":
        return kind, extract_svg(data)
    if kind == "pdf":
        return kind, extract_pdf_credential(data)
    if kind == "json":
        return kind, _json_text(data)
    found = identify(data[:MAX_CREDENTIAL_BYTES])
    # --- v-jwt: a file holding a VC JWT (compact JWS text) is verified ---
    if found.kind is Kind.VC_JWT:
        return "jwt", data[:MAX_CREDENTIAL_BYTES].decode("utf-8-sig").strip()
    # --- end v-jwt ---
    if found.kind in UNSUPPORTED:  # a .jwt file, a saved link: said plainly (issue 15)
        refused = refusal(found, "file")
        if refused is not None:
            raise refused
    raise UnsupportedMediaError(_unsupported_message(data, filename, content_type), field="file")


def _json_text(data: bytes) -> str:
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise InvalidInputError(
            f"the JSON upload is too large ({len(data)} bytes; limit {MAX_CREDENTIAL_BYTES})",
            field="file",
        )
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        return data.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedCredentialError(
            f"the JSON upload is not valid UTF-8 (byte {exc.start})", field="file"
        ) from exc


def _unsupported_message(data: bytes, filename: str | None, content_type: str | None) -> str:
    seen = f"a file starting with {data[:8]!r}" if data else "an empty file"
    claimed = [f"named {filename!r}"] if filename else []
    if content_type:
        claimed.append(f"declared as {content_type!r}")
    said = f" ({', '.join(claimed)})" if claimed else ""
    return (
        f"unsupported upload{said}: saw {seen}; expected a baked PNG or SVG badge, "
        "a PDF certificate or credential JSON"
    )
