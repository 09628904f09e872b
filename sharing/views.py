"""Public document endpoints: credential JSON, PDF certificate, baked badges, QR codes,
and the achievement image. No login; rate limited per client address.

Caching headers follow what can change:

- the signed JSON and the QR code never change → long ``max-age``;
- the PDF and the badges show the credential's current status → ``no-cache`` with the
  cache key as a strong ETag, so a client revalidates each time and gets a 304 while
  nothing changed, and a new document the moment the credential is revoked;
- the achievement image follows the provider's uploads → a few minutes.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from typing import Final

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from credentials.documents.qr import qr_matrix, qr_png, qr_svg
from credentials.errors import InvalidInputError
from microcred.platform.extensions import limit_public
from microcred.platform.refusals import NotFoundError
from microcred.platform.security import allow_cross_origin
from sharing.certificate import certification_name, recipient_name, summary_of
from sharing.interfaces import StoredCredential
from sharing.links import download_filename
from sharing.state import credential_links, load_issued, sharing

blp = Blueprint("sharing_documents", __name__)
limit_public(blp)
# Wallets and verifiers in a browser fetch the credential JSON and the images.
allow_cross_origin(blp, methods=("GET", "HEAD"))

#: JSON (RFC 8259) is what wallets and browsers expect; VC 2.0's own media type
#: (application/vc, IANA 2024) only when the client asks for it.
JSON_TYPES: Final = ("application/json", "application/vc", "application/vc+ld+json")
DOCUMENT_CACHE_CONTROL: Final = "public, no-cache"
IMMUTABLE_CACHE_CONTROL: Final = "public, max-age=86400"
IMAGE_CACHE_CONTROL: Final = "public, max-age=300"
#: An SVG opened on its own is a document of our origin: it must run nothing, load nothing.
SVG_POLICY: Final = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
QR_SIZES: Final = (64, 2048)
QR_DEFAULT_SIZE: Final = 400
MEDIA: Final = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def _respond(
    body: bytes,
    *,
    mimetype: str,
    etag: str,
    cache_control: str,
    filename: str | None = None,
    attachment: bool = False,
) -> Response:
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    if mimetype == MEDIA["svg"]:
        response.headers["Content-Security-Policy"] = SVG_POLICY
    if filename:
        disposition = "attachment" if attachment else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response.make_conditional(request)


def _wants_download() -> bool:
    return request.args.get("download", "").lower() in ("1", "true", "yes")


def _filename(issued: StoredCredential, ext: str, *, suffix: str | None = None) -> str:
    summary = summary_of(issued)
    return download_filename(
        recipient_name(issued, summary),
        certification_name(issued, summary),
        suffix,
        fallback=f"credential-{issued.short_code}",
        ext=ext,
    )


@blp.get("/credentials/<uuid:credential_id>.json")
def credential_json(credential_id: uuid.UUID) -> Response:
    """The signed credential exactly as issued, byte for byte (what wallets import)."""
    issued = load_issued(credential_id)
    body = issued.document.encode("utf-8")
    mimetype = request.accept_mimetypes.best_match(JSON_TYPES, default="application/json")
    if mimetype not in ("application/vc", "application/vc+ld+json"):
        mimetype = "application/json"
    response = _respond(
        body,
        mimetype=mimetype,
        etag=hashlib.sha256(body).hexdigest(),
        cache_control=IMMUTABLE_CACHE_CONTROL,
        filename=_filename(issued, "json"),
        attachment=True,
    )
    response.vary.add("Accept")
    return response


@blp.get("/credentials/<uuid:credential_id>.pdf")
def certificate_pdf(credential_id: uuid.UUID) -> Response:
    issued = load_issued(credential_id)
    service = sharing()
    state = service.status.state(issued)
    rendered = service.documents.certificate(issued, state)
    return _respond(
        rendered.body,
        mimetype=MEDIA["pdf"],
        etag=rendered.key,
        cache_control=DOCUMENT_CACHE_CONTROL,
        filename=_filename(issued, "pdf"),
        attachment=True,
    )


@blp.get("/credentials/<uuid:credential_id>/badge.<any(png, svg):fmt>")
def baked_badge(credential_id: uuid.UUID, fmt: str) -> Response:
    issued = load_issued(credential_id)
    service = sharing()
    state = service.status.state(issued)
    rendered = service.documents.badge(issued, fmt, state)  # type: ignore[arg-type]
    return _respond(
        rendered.body,
        mimetype=MEDIA[fmt],
        etag=rendered.key,
        cache_control=DOCUMENT_CACHE_CONTROL,
        filename=_filename(issued, fmt, suffix="badge"),
        attachment=_wants_download(),
    )


def _qr_size() -> int:
    raw = request.args.get("size")
    if raw is None:
        return QR_DEFAULT_SIZE
    low, high = QR_SIZES
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInputError(
            f"size must be a whole number of pixels between {low} and {high}, got {raw!r}",
            field="size",
        )
    return int(raw)


@functools.lru_cache(maxsize=256)
def _qr_image(url: str, fmt: str, size: int) -> bytes:
    if fmt == "svg":
        return qr_svg(url, size_px=size).encode("utf-8")
    # Whole pixels per module keep the edges sharp: the PNG is at most ``size`` wide.
    modules = len(qr_matrix(url))
    return qr_png(url, box_size=max(1, size // modules))


@blp.get("/credentials/<uuid:credential_id>/qr.<any(png, svg):fmt>")
def qr_code(credential_id: uuid.UUID, fmt: str) -> Response:
    """The verification URL as a QR code; ``size`` is the side in pixels (64-2048)."""
    size = _qr_size()
    issued = load_issued(credential_id)
    body = _qr_image(credential_links(issued).verify, fmt, size)
    return _respond(
        body,
        mimetype=MEDIA[fmt],
        etag=hashlib.sha256(body).hexdigest(),
        cache_control=IMMUTABLE_CACHE_CONTROL,
        filename=_filename(issued, fmt, suffix="qr"),
        attachment=_wants_download(),
    )


@blp.get("/issuers/<slug>/certifications/<cert_id>/image.<any(png, svg):fmt>")
def achievement_image(slug: str, cert_id: str, fmt: str) -> Response:
    """The micro-certification's badge image, without any credential in it."""
    service = sharing()
    found = service.sources.certification_images(slug, cert_id)
    if found is None:
        raise NotFoundError(
            f"no micro-certification with id {cert_id!r} at training provider {slug!r}"
        )
    body = service.documents.achievement_image(found.certification, found.provider, fmt)  # type: ignore[arg-type]
    return _respond(
        body,
        mimetype=MEDIA[fmt],
        etag=hashlib.sha256(body).hexdigest(),
        cache_control=IMAGE_CACHE_CONTROL,
    )
