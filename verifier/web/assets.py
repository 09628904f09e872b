"""The public site's stylesheets, served from our own origin (no CDN, CSP ``style-src 'self'``).

URLs carry a hash of the file (``/assets/site.css?v=…``) so browsers may cache them for a
day and still see a changed file at once. Not rate limited: every page links them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Blueprint

from credentials.documents.certificate_words import long_date as certificate_date
from microcred.platform.i18n import current_language

if TYPE_CHECKING:
    from flask import Flask

STATIC_DIR = Path(__file__).resolve().parent / "static"
URL_PREFIX = "/assets"
MAX_AGE_SECONDS = 24 * 3600


class _AssetsBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return MAX_AGE_SECONDS


blp = _AssetsBlueprint(
    "site_assets", __name__, static_folder=str(STATIC_DIR), static_url_path=URL_PREFIX
)


def _versions() -> dict[str, str]:
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }


def init_app(app: Flask) -> None:
    versions = _versions()

    def site_asset_url(name: str) -> str:
        version = versions.get(name)
        return f"{URL_PREFIX}/{name}?v={version}" if version else f"{URL_PREFIX}/{name}"

    app.register_blueprint(blp)
    app.jinja_env.globals["site_asset_url"] = site_asset_url
    app.jinja_env.filters.update(
        long_date=long_date, long_datetime=long_datetime, iso_time=iso_time
    )


# --- date filters for the public pages (UTC, day-month-year: unambiguous everywhere) ---------


def long_date(value: datetime) -> str:
    """``7 December 2026``, ``7 de diciembre de 2026``: the certificate's date words (UTC),
    in the request's language."""
    return certificate_date(value.astimezone(UTC).date(), current_language())


def long_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return f"{long_date(utc)}, {utc:%H:%M} UTC"


def iso_time(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
