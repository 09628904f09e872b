"""The cross-site check of the verification form.

The page headers and Content-Security-Policy are the platform's
(``microcred.platform.security``), shared by every page of the app.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from microcred.platform.refusals import ForbiddenError

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
