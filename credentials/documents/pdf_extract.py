"""The signed credential attached to a PDF certificate (PDF/A-3 associated file).

Kept apart from :mod:`credentials.documents.pdf` so that the verifier can read uploads
without importing WeasyPrint. pypdf parses untrusted input here: every exception it can
raise on a hostile file (``PdfReadError``, ``RecursionError`` on deep nesting, ``KeyError``
on broken dictionaries...) becomes an :class:`UnsupportedMediaError`, and sizes are bounded
before and after decompression.
"""

from __future__ import annotations

import io
from typing import Final

from pypdf import PdfReader
from pypdf.generic import EmbeddedFile

from credentials.errors import (
    MalformedCredentialError,
    MicrocredError,
    NoEmbeddedCredentialError,
    UnsupportedMediaError,
)

__all__ = ["ATTACHMENT_NAME", "MAX_PDF_BYTES", "extract_pdf_credential"]

ATTACHMENT_NAME: Final = "credential.json"
MAX_PDF_BYTES: Final = 32 * 1024 * 1024
_MAX_ATTACHMENTS: Final = 64
_MAX_ATTACHMENT_BYTES: Final = 4 * 1024 * 1024


def extract_pdf_credential(pdf: bytes) -> str:
    """The text of the ``credential.json`` attachment (or of the only ``.json`` one).

    :class:`NoEmbeddedCredentialError` when there is none or the choice is ambiguous;
    :class:`UnsupportedMediaError` for anything pypdf cannot read.
    """
    if not isinstance(pdf, bytes | bytearray | memoryview):
        raise UnsupportedMediaError("a PDF must be given as bytes", field="file")
    data = bytes(pdf)
    if len(data) > MAX_PDF_BYTES:
        raise UnsupportedMediaError(
            f"PDF too large ({len(data)} bytes; limit {MAX_PDF_BYTES})", field="file"
        )
    if b"%PDF-" not in data[:1024]:
        raise UnsupportedMediaError("not a PDF: the %PDF- header is missing", field="file")
    try:
        content = _attachment_bytes(data)
    except MicrocredError:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input
        raise UnsupportedMediaError(
            f"unreadable PDF: {type(exc).__name__}: {str(exc)[:200]}", field="file"
        ) from exc
    try:
        return content.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedCredentialError(
            "the PDF's credential attachment is not UTF-8 text", field="file"
        ) from exc


def _attachment_bytes(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise UnsupportedMediaError("encrypted PDFs are not supported", field="file")
    named: list[EmbeddedFile] = []
    json_files: list[EmbeddedFile] = []
    for index, entry in enumerate(reader.attachment_list):
        if index >= _MAX_ATTACHMENTS:
            raise UnsupportedMediaError(
                f"PDF has more than {_MAX_ATTACHMENTS} attachments", field="file"
            )
        names = {entry.name, entry.alternative_name or entry.name}
        if ATTACHMENT_NAME in names:
            named.append(entry)
        elif any(name.lower().endswith(".json") for name in names):
            json_files.append(entry)
    if len(named) > 1:
        raise NoEmbeddedCredentialError(
            f"the PDF has {len(named)} {ATTACHMENT_NAME!r} attachments; expected one",
            field="file",
        )
    chosen = named or json_files
    if len(chosen) == 1:
        return _content(chosen[0])
    if chosen:
        listed = ", ".join(sorted(entry.name for entry in chosen)[:5])
        raise NoEmbeddedCredentialError(
            f"the PDF has no {ATTACHMENT_NAME!r} attachment and several JSON attachments "
            f"({listed}); cannot tell which one is the credential",
            field="file",
        )
    raise NoEmbeddedCredentialError(
        f"the PDF has no {ATTACHMENT_NAME!r} attachment (no embedded credential)", field="file"
    )


def _content(entry: EmbeddedFile) -> bytes:
    declared = entry.size
    if declared is not None and declared > _MAX_ATTACHMENT_BYTES:
        raise UnsupportedMediaError(
            f"the credential attachment is too large ({declared} bytes)", field="file"
        )
    content = entry.content
    if len(content) > _MAX_ATTACHMENT_BYTES:
        raise UnsupportedMediaError(
            f"the credential attachment is too large ({len(content)} bytes)", field="file"
        )
    return content
