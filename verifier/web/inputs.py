"""Reading the credential out of a verification request, whatever it was sent as.

- ``application/json`` (or any ``+json`` type): the credential itself, or an object
  ``{"verifiableCredential": …}`` (the VC API's request shape);
- ``multipart/form-data``: a ``file`` part (JSON, PDF, PNG or SVG), or a ``credential``
  text part (pasted JSON);
- a raw body of type ``application/pdf``, ``image/png``, ``image/svg+xml`` (or
  ``application/octet-stream``: the bytes are sniffed, never the declared type trusted).

Every failure is a typed error with its status: malformed JSON 400, unsupported media
415, nothing embedded or no credential at all 422 (``format.no_credential``), a credential
format not verified yet (a JWT, Open Badges 2.0) 422 (``format.unsupported``,
``credentials.formats``), over the size limit 413 (werkzeug stops reading at
MAX_CONTENT_LENGTH, so a huge upload is refused before it is buffered).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Request, current_app

from credentials import formats as jwt_formats  # v-jwt
from credentials.errors import MalformedCredentialError, UnsupportedMediaError
from credentials.formats import UNSUPPORTED, classify, load_supported, refusal, refuse_unsupported
from verifier.extract import DEFAULT_MAX_UPLOAD_BYTES, read_upload

FILE_TYPES = ("application/pdf", "image/png", "image/svg+xml", "application/octet-stream")
JSON_TYPES = ("application/json", "application/ld+json", "application/vc+ld+json")
#: Bodies that may hold a JWT (or pasted text): answered by what they are.
TEXT_TYPES = ("application/jwt", "application/vc+jwt", "application/vc+sd-jwt", "text/plain")
ENVELOPE_KEY = "verifiableCredential"


def upload_limit() -> int:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return int(limit) if limit else DEFAULT_MAX_UPLOAD_BYTES


def is_json_type(mimetype: str) -> bool:
    return mimetype in JSON_TYPES or mimetype.endswith("+json")


def unwrap(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The credential of a ``{"verifiableCredential": …}`` request, or ``document`` itself.

    A credential has an ``@context``; an envelope does not (that is how the two are told
    apart: a credential may legitimately have other top-level properties).
    """
    if ENVELOPE_KEY not in document or "@context" in document:
        return document
    inner = document[ENVELOPE_KEY]
    # --- v-jwt: {"verifiableCredential": "<VC JWT>"} ---
    enveloped = jwt_formats.jwt_envelope(inner)
    if enveloped is not None:
        return enveloped
    # --- end v-jwt ---
    if not isinstance(inner, Mapping):
        found = classify(inner) if inner is not None else None
        refused = refusal(found, ENVELOPE_KEY) if found and found.kind in UNSUPPORTED else None
        if refused is not None:
            raise refused  # a JWT string, a link: named
        raise MalformedCredentialError(
            "verifiableCredential must be a JSON object (the credential)", field=ENVELOPE_KEY
        )
    return inner


def credential_from_request(request: Request) -> Mapping[str, Any]:
    """The credential in ``request`` (see the module docs for what is accepted)."""
    mimetype = request.mimetype
    if is_json_type(mimetype) or mimetype in TEXT_TYPES:
        return _credential(load_supported(request.get_data(cache=False), whole=False))
    if mimetype == "multipart/form-data":
        return credential_from_form(request)
    if mimetype in FILE_TYPES:
        data = request.get_data(cache=False)
        return read_upload(data, content_type=mimetype, max_bytes=upload_limit()).credential
    raise UnsupportedMediaError(
        f"cannot verify a body of type {mimetype or 'none'!r}: send the credential as "
        "application/json, a file as multipart/form-data (field 'file'), or the raw bytes "
        "as application/pdf, image/png or image/svg+xml",
        field="body",
    )


def credential_from_form(request: Request) -> Mapping[str, Any]:
    """The credential of a form: an uploaded ``file``, else pasted ``credential`` text."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.stream.read(upload_limit() + 1)
        extracted = read_upload(
            data,
            filename=upload.filename,
            content_type=upload.mimetype or None,
            max_bytes=upload_limit(),
        )
        return extracted.credential
    text = request.form.get("credential", "")
    if text.strip():
        return _credential(load_supported(text, field="credential", whole=False))
    raise MalformedCredentialError(
        "nothing to verify: choose a file (JSON, PDF, PNG or SVG) or paste the credential JSON",
        field="file",
    )


def _credential(document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The credential of a parsed body, refused plainly when it is no credential we verify."""
    credential = unwrap(document)
    refuse_unsupported(credential, field=ENVELOPE_KEY if credential is not document else None)
    return credential
