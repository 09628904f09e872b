"""Languages of the public pages (issue 14, item 7): Flask-Babel, the locale choice and the
language switcher.

The locale of a request is, in order: the ``microcred_lang`` cookie (set by the switcher,
``GET /language/<code>``), then the browser's ``Accept-Language``, then English. The
catalogues are compiled ``.mo`` files committed next to their ``.po``
(``microcred/translations``; ``make translations`` refreshes both): a fresh clone and the
wheel need no build step, and Flask-Babel loads each catalogue once per process and caches
it, so a page costs a dictionary look-up per string, never a file read.

Only pages say words; the JSON APIs answer in English codes and sentences, as documented.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from flask import Blueprint, Flask, has_request_context, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

from microcred.platform.extensions import limit_public

TRANSLATIONS_DIR: Final = Path(__file__).resolve().parents[1] / "translations"
DEFAULT_LANGUAGE: Final = "en"
#: Every language a page can be read in, with its name in itself (what the switcher shows).
LANGUAGES: Final[dict[str, str]] = {"en": "English", "es": "Español"}
COOKIE: Final = "microcred_lang"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600
#: The public pages that are translated and offer the switcher; the console, the API
#: reference and the rest stay English (add a blueprint here once its templates are).
SWITCHER_BLUEPRINTS: Final = frozenset(
    {
        "verify_pages",
        "sharing_pages",
        # --- i18n2: the freelancer's account and claim pages (issuer/account) ---
        "account",
        # --- end i18n2 ---
        # --- fl-wallet-account: the "Send to wallet" page the account leads to ---
        "wallet",
        # --- end fl-wallet-account ---
    }
)

blp = Blueprint("i18n", __name__)
limit_public(blp)  # the public pages' shared budget per client address


def select_locale() -> str:
    """The request's language: the switcher's cookie, else the browser's preference.
    Pages without the switcher (the console, the API reference, error pages) stay English.
    Outside a request (a queued mail, a PDF render) it is English unless the caller forces
    a language (``flask_babel.force_locale``, as issuer/mail_delivery.py does)."""
    if not has_request_context() or request.blueprint not in SWITCHER_BLUEPRINTS:
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def _same_site_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/``: the switcher never redirects
    off-site (``//evil.example`` and ``https://…`` are refused), and a backslash, which some
    browsers read as a slash, is refused too."""
    if not target or not target.startswith("/") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return "/"
    return target


@blp.get("/language/<code>")
def switch(code: str) -> ResponseReturnValue:
    """Remember ``code`` in a cookie and go back to the page (``?next=``): a plain link,
    so it works without JavaScript. An unknown code is a 404, not a silent English."""
    if code not in LANGUAGES:
        return "Unknown language", 404, {"Content-Type": "text/plain; charset=utf-8"}
    response = redirect(_same_site_path(request.args.get("next")), code=303)
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    response.headers["Cache-Control"] = "no-store"  # a per-reader answer: never cached
    return response


def _language_context() -> dict[str, object]:
    # A template rendered outside a request (a queued mail) has no page and no switcher.
    if not has_request_context():
        return {"html_lang": current_language()}
    if request.blueprint not in SWITCHER_BLUEPRINTS:
        return {"html_lang": DEFAULT_LANGUAGE}
    here = request.full_path.rstrip("?") if request.query_string else request.path
    language = current_language()
    links = [
        {"code": code, "name": name, "current": code == language, "next": here}
        for code, name in LANGUAGES.items()
    ]
    return {"html_lang": language, "language_links": links}


def _vary_on_language(response: Response) -> Response:
    """A page's words depend on the cookie and Accept-Language: caches must know."""
    if request.blueprint in SWITCHER_BLUEPRINTS and response.mimetype == "text/html":
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Babel(app, locale_selector=select_locale)
    app.context_processor(_language_context)
    app.after_request(_vary_on_language)
    app.register_blueprint(blp)
