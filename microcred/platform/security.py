"""HTTP security headers for every response, the pages' Content-Security-Policy, and
cross-origin access (CORS) for the public documents and verification APIs.

Every response (``init_app``; error pages, the API reference and JSON answers included):

- ``X-Content-Type-Options: nosniff``: a browser never guesses a type we did not send;
- ``Referrer-Policy: same-origin``: links to gig projects on other sites must not tell
  them which credential was being looked at; our own form posts keep a real ``Origin``;
- ``X-Frame-Options: DENY`` (and ``frame-ancestors 'none'`` in the CSP): no page of ours
  can be framed, so no verdict can be click-jacked into another site;
- ``Permissions-Policy``: no page needs a camera, microphone, location, payment or USB;
- ``Cross-Origin-Opener-Policy: same-origin``;
- ``Strict-Transport-Security`` when the request came over https (behind a proxy, as
  ``MICROCRED_TRUSTED_PROXIES``/``X-Forwarded-Proto`` say): http stays usable locally;
- HTML gets the page CSP below; JSON gets ``default-src 'none'; frame-ancestors 'none'``.
  Other types (PDF, PNG, SVG) keep what their view set: an SVG sets its own sandbox.

A header a view or blueprint already set wins, so a stricter or looser choice stays local.

The page CSP runs no script and loads only same-origin styles and images (same origin or
``data:`` badge images). A template that needs an inline ``<style>`` or ``<script>`` marks
it with ``nonce="{{ csp_nonce() }}"``: the nonce is drawn per request, only when asked
for, and only then added to the policy (never ``'unsafe-inline'``).

``protect_pages(blueprint)`` adds ``Cache-Control: no-store`` for pages showing a status
that can change (revocation, suspension): never served from a cache afterwards.
``allow_cross_origin(blueprint, ...)`` opens a blueprint to any origin, without
credentials (see docs/VERIFYING.md, "CORS"); nothing else gets CORS headers.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from flask import request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Blueprint, Flask
    from werkzeug.wrappers import Response

__all__ = [
    "API_HEADERS",
    "CONTENT_SECURITY_POLICY",
    "CORS_MAX_AGE",
    "SecureHeaders",
    "allow_cross_origin",
    "api_headers",
    "content_security_policy",
    "csp_nonce",
    "init_app",
    "page_headers",
    "protect_pages",
    "with_security_headers",
]


def content_security_policy(nonce: str | None = None) -> str:
    """The pages' policy; with ``nonce``, inline styles and scripts carrying it may run."""
    with_nonce = f" 'nonce-{nonce}'" if nonce else ""
    directives = [
        "default-src 'none'",
        f"style-src 'self'{with_nonce}",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
    if nonce:
        directives.insert(2, f"script-src{with_nonce}")
        # A page's own script may ask its own origin (the console's bulk progress bar
        # polls a JSON endpoint); without a nonce no script runs, so nothing connects.
        directives.insert(3, "connect-src 'self'")
    return "; ".join(directives)


#: The policy of a page that asked for no nonce (every page today but the API reference).
CONTENT_SECURITY_POLICY: Final = content_security_policy()
#: For JSON (a browser shows it as a document when opened directly): nothing may load.
JSON_CONTENT_SECURITY_POLICY: Final = "default-src 'none'; frame-ancestors 'none'"
PERMISSIONS_POLICY: Final = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
#: One year, the usual minimum for HSTS preload lists; no includeSubDomains: the operator's
#: other hosts are not ours to decide for.
HSTS: Final = "max-age=31536000"

#: On every response unless the view set the header itself.
BASE_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}
_BASE_HEADERS_LOWER: Final = tuple(
    (name.lower(), name, value) for name, value in BASE_HEADERS.items()
)

#: JSON answers of the verification APIs must not be cached (a status can change).
API_HEADERS: Final = {"Cache-Control": "no-store"}

#: Kept in the request's WSGI environ, not ``g``: the middleware that writes the policy
#: runs after the app context has gone.
_NONCE_KEY: Final = "microcred.csp_nonce"


def csp_nonce() -> str:
    """This request's nonce for inline ``<style>``/``<script>`` (a template global)."""
    environ = request.environ
    nonce: str | None = environ.get(_NONCE_KEY)
    if nonce is None:
        nonce = environ[_NONCE_KEY] = secrets.token_urlsafe(18)
    return nonce


def page_headers(response: Response) -> Response:
    """``after_request`` hook for blueprints of HTML pages that show a live status."""
    response.headers["Content-Security-Policy"] = content_security_policy(
        request.environ.get(_NONCE_KEY)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def api_headers(response: Response) -> Response:
    for name, value in API_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def protect_pages(blueprint: Blueprint) -> None:
    """Give every response of ``blueprint`` the page policy and ``no-store``."""
    blueprint.after_request(page_headers)


class SecureHeaders:
    """WSGI middleware: the headers of every response (the module docstring), added as
    the response starts, so error pages, rate-limit answers and redirects get them too.

    A middleware rather than an ``after_request`` hook because it is the cheaper place:
    one pass over a plain list of headers, where werkzeug's ``Headers.setdefault`` scans
    and lower-cases the whole list once per header (a tenth of a verification's
    instructions went to that).
    """

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, with_security_headers(headers, environ), exc_info)

        return self.wsgi_app(environ, start)


def with_security_headers(
    headers: list[tuple[str, str]], environ: WSGIEnvironment
) -> list[tuple[str, str]]:
    """``headers`` and those of BASE_HEADERS, the CSP and HSTS the response lacks."""
    present = {name.lower(): value for name, value in headers}
    extra = [(name, value) for lower, name, value in _BASE_HEADERS_LOWER if lower not in present]
    if "content-security-policy" not in present:
        mimetype = present.get("content-type", "").partition(";")[0].strip().lower()
        if mimetype == "text/html":
            policy = content_security_policy(environ.get(_NONCE_KEY))
            extra.append(("Content-Security-Policy", policy))
        elif mimetype == "application/json" or mimetype.endswith("+json"):
            extra.append(("Content-Security-Policy", JSON_CONTENT_SECURITY_POLICY))
    # ProxyFix (when proxies are trusted) has rewritten the scheme in this same environ
    # by the time the response starts.
    if (
        environ.get("wsgi.url_scheme") in _SECURE_SCHEMES
        and "strict-transport-security" not in present
    ):
        extra.append(("Strict-Transport-Security", HSTS))
    return headers + extra if extra else headers


_SECURE_SCHEMES: Final = frozenset({"https", "wss"})


# --- CORS -----------------------------------------------------------------------------------

#: How long a browser may reuse a preflight answer (browsers cap it: Chromium at 2 h).
CORS_MAX_AGE: Final = 86400


def allow_cross_origin(blueprint: Blueprint, *, methods: Iterable[str]) -> None:
    """Let pages of any origin call ``blueprint``'s routes, without credentials.

    ``Access-Control-Allow-Origin: *`` on every answer (errors included: a wallet must be
    able to read why); a preflight (``OPTIONS`` with ``Access-Control-Request-Method``)
    learns the ``methods``, that ``Content-Type`` may be sent, and how long to remember
    it. ``Access-Control-Allow-Credentials`` is never sent, so a browser sends no cookie
    nor ``Authorization`` (and a wildcard origin refuses them anyway): these routes are
    public and answer everybody the same.
    """
    allowed = ", ".join(sorted({method.upper() for method in methods} | {"OPTIONS"}))

    def add_cors_headers(response: Response) -> Response:
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            headers["Access-Control-Allow-Methods"] = allowed
            headers["Access-Control-Allow-Headers"] = "Content-Type"
            headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
        return response

    blueprint.after_request(add_cors_headers)


def init_app(app: Flask) -> None:
    app.wsgi_app = SecureHeaders(app.wsgi_app)  # type: ignore[method-assign]
    app.add_template_global(csp_nonce)
