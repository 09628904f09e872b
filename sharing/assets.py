"""The sharing pages' stylesheet, served from our own origin under ``/assets/sharing/``.

Like the site's stylesheet (``verifier.web.assets``): no CDN, CSP ``style-src 'self'``, a
content hash in the URL so browsers may keep it for a day and still see a change at once.
Not rate limited: every page links it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Final

from flask import Blueprint

if TYPE_CHECKING:
    from flask import Flask

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
URL_PREFIX: Final = "/assets/sharing"
MAX_AGE_SECONDS: Final = 24 * 3600


class _AssetsBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        return MAX_AGE_SECONDS


blp = _AssetsBlueprint(
    "sharing_assets", __name__, static_folder=str(STATIC_DIR), static_url_path=URL_PREFIX
)


def init_app(app: Flask) -> None:
    versions = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in STATIC_DIR.iterdir()
        if path.is_file()
    }

    def sharing_asset_url(name: str) -> str:
        version = versions.get(name)
        return f"{URL_PREFIX}/{name}?v={version}" if version else f"{URL_PREFIX}/{name}"

    app.register_blueprint(blp)
    app.jinja_env.globals["sharing_asset_url"] = sharing_asset_url
