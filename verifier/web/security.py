"""HTTP headers of the public verification pages, and the cross-site check of their form.

Content-Security-Policy: the pages run no script at all and load only same-origin
styles (a static stylesheet, no inline ``<style>``) and images (same origin or
``data:`` badge images). Even if an issued string slipped through escaping, the browser
would refuse to run it. ``form-action 'self'`` keeps the upload form from being pointed
elsewhere; ``frame-ancestors 'none'`` stops click-jacking a verdict into another site.

``Cache-Control: no-store``: a credential's status changes (revocation, suspension) and
the page must never be served from a cache afterwards.

``Referrer-Policy: same-origin``: gig-project links lead to other sites, which must not
learn which credential was being looked at; our own form posts keep a real ``Origin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app, request

from microcred.platform.refusals import ForbiddenError

if TYPE_CHECKING:
    from flask import Blueprint
    from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: JSON answers need no CSP (browsers do not render them) but must not be cached either.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def page_headers(response: Response) -> Response:
    """``after_request`` hook for blueprints of HTML pages (errors included)."""
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    return response


def api_headers(response: Response) -> Response:
    for name, value in API_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def protect_pages(blueprint: Blueprint) -> None:
    """Give every response of ``blueprint`` the page headers above (for other public pages)."""
    blueprint.after_request(page_headers)


# --- cross-site form posts ----------------------------------------------------------------


def _origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def our_origins() -> set[str]:
    """The origins a form post of ours can come from: as configured, and as requested."""
    origins = {_origin_of(request.host_url)}
    origins.add(_origin_of(str(current_app.config["MICROCRED_BASE_URL"])))
    return {origin for origin in origins if origin}


def refuse_cross_site_post() -> None:
    """403 for a browser form post made by another site (see docs/VERIFYING.md, "CSRF").

    The form changes nothing on the server, so there is nothing for a forged request to
    steal or alter; what a cross-site post *could* do is use visitors' browsers to make our
    server fetch did:web documents. Browsers always label a form post with ``Origin`` (and
    ``Sec-Fetch-Site``); a request that carries neither is not from a browser, and a
    non-browser client can call the JSON API anyway, so it is let through.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site in ("cross-site", "same-site"):
        raise _cross_site(f"Sec-Fetch-Site: {fetch_site}")
    origin = request.headers.get("Origin")
    if origin is not None:
        if _origin_of(origin) not in our_origins():
            raise _cross_site(f"Origin: {origin[:100]}")
        return
    referer = request.headers.get("Referer")
    if referer is not None and _origin_of(referer) not in our_origins():
        raise _cross_site("Referer of another site")


def _cross_site(evidence: str) -> ForbiddenError:
    return ForbiddenError(
        "This form only accepts submissions from this site's own verification page "
        f"({evidence}). To verify from another site or program, POST the credential to "
        "/api/v1/verify.",
        code="cross_site_post",
    )
