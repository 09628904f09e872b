"""Turning an uploaded file into a parsed credential: JSON, PDF certificate, baked PNG/SVG.

The order matters for robustness: the size limit first (before any parsing, so a huge
upload costs nothing), then format sniffing and extraction
(``credentials.documents.baking.extract_credential``, which trusts the bytes, never the
file name or declared type), then strict JSON (``credentials.verify.load_credential``).

Every failure is a typed error from ``credentials.errors`` with its HTTP status:
``PayloadTooLargeError`` (413) for an oversized upload, ``UnsupportedMediaError`` (415) for
anything that is not one of the formats, ``NoEmbeddedCredentialError`` (422,
``format.no_credential``) for a PDF or image without a credential,
``UnsupportedFormatError`` (422, ``format.unsupported``) for a JWT or an Open Badges 2.0
badge, ``MalformedCredentialError`` (400) for broken JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from credentials.documents.baking import CredentialFormat, extract_credential
from credentials.errors import PayloadTooLargeError, UnsupportedMediaError
from credentials.formats import load_supported

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "ExtractedCredential", "read_upload"]

#: A PDF certificate with its fonts is a few hundred kilobytes; 10 MiB is generous.
DEFAULT_MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ExtractedCredential:
    """The credential found in an upload: its carrier format, parsed JSON and exact text."""

    format: CredentialFormat
    credential: dict[str, Any]
    raw_text: str


def read_upload(
    data: bytes | bytearray | memoryview,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> ExtractedCredential:
    """The credential in an uploaded file (see the module docs for the errors)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnsupportedMediaError("the upload must be bytes", field="file")
    size = len(data) if not isinstance(data, memoryview) else data.nbytes
    if size > max_bytes:
        raise PayloadTooLargeError(
            f"the upload is {_mib(size)}, larger than the {_mib(max_bytes)} limit",
            field="file",
            details={"size": size, "limit": max_bytes},
        )
    kind, text = extract_credential(bytes(data), filename=filename, content_type=content_type)
    # A JWT, an Open Badges 2.0 assertion or a link is named, not called broken JSON.
    return ExtractedCredential(
        format=kind, credential=load_supported(text, field="file"), raw_text=text
    )


def _mib(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size} bytes"
    return f"{size / (1024 * 1024):.1f} MiB"
