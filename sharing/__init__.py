"""Documents and sharing: what a freelancer shows, and every one of them leads back to
verification.

- :mod:`sharing.views` — ``/credentials/<uuid>.json|.pdf``, ``/credentials/<uuid>/badge.png|svg``,
  ``/credentials/<uuid>/qr.png|svg``, ``/issuers/<slug>/certifications/<id>/image.png|svg``;
- :mod:`sharing.pages` — ``/p/<handle>`` (opt-in profile) and ``/credentials/<uuid>/share``
  (embed snippet, add-to-LinkedIn link, downloads);
- :mod:`sharing.documents` — rendering behind a content-addressed cache
  (:mod:`sharing.cache`), with the status from :mod:`sharing.status`.

Configuration (Flask config keys, defaults in brackets; environment variables of the same
name are read when the key is not set):

- MICROCRED_DOCUMENT_CACHE_DIR: rendered PDFs and badges [<instance>/documents]
- MICROCRED_DOCUMENT_CACHE_MAX_BYTES: bound of that folder [268435456, 256 MiB]
- MICROCRED_DOCUMENT_CACHE_MAX_FILES: bound on the number of files [20000]
- MICROCRED_CERTIFICATE_TEMPLATES: templates folder [the project's templates/]
- MICROCRED_CERTIFICATE_TEMPLATE: the certificate template [certificate/default.html]
- MICROCRED_TEMPLATE_CHECK_SECONDS: how often template files are checked for changes [1]
- MICROCRED_STATUS_MEMO_SECONDS: how long a verifier verdict is reused while the
  credential's records are unchanged [60]
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from sharing.interfaces import SharingSources

_DEFAULTS: dict[str, Any] = {
    "MICROCRED_DOCUMENT_CACHE_DIR": None,
    "MICROCRED_DOCUMENT_CACHE_MAX_BYTES": 256 * 1024 * 1024,
    "MICROCRED_DOCUMENT_CACHE_MAX_FILES": 20_000,
    "MICROCRED_CERTIFICATE_TEMPLATES": None,
    "MICROCRED_CERTIFICATE_TEMPLATE": "certificate/default.html",
    "MICROCRED_TEMPLATE_CHECK_SECONDS": 1.0,
    "MICROCRED_STATUS_MEMO_SECONDS": 60.0,
}


def _configure(app: Flask) -> None:
    for key, default in _DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = os.environ.get(key) or default
    if app.config["MICROCRED_CERTIFICATE_TEMPLATES"] is None:
        # The app's own template folder (whoever built the app chose it): a feature never
        # imports the composition root to find it.
        app.config["MICROCRED_CERTIFICATE_TEMPLATES"] = os.path.join(
            app.root_path, app.template_folder or "templates"
        )


def init_app(app: Flask, *, sources: SharingSources | None = None) -> None:
    """Register the public document endpoints and pages, and build the renderers.

    ``sources`` (``sharing.interfaces``) is what the issuing side lends: stored
    credentials, public profiles, certification images. ``microcred.app.create_app`` fills
    it in; the default, ``SharingSources.nothing()``, has nothing to show.
    """
    from sharing import assets, pages, views
    from sharing.interfaces import SharingSources
    from sharing.state import EXTENSION_KEY, build_sharing

    _configure(app)
    app.extensions[EXTENSION_KEY] = build_sharing(
        app, sources if sources is not None else SharingSources.nothing()
    )
    assets.init_app(app)
    app.register_blueprint(views.blp)
    app.register_blueprint(pages.blp)


def preview_renderer(app: Flask) -> Any:
    """``(draft, "pdf" | "png") -> bytes``: the documents of a credential not issued yet
    (``DocumentService.draft_preview``), for the issuing side's console, which lends the draft
    as a ``StoredCredential``. Handed over by the composition root."""
    from sharing.state import EXTENSION_KEY

    return app.extensions[EXTENSION_KEY].documents.draft_preview
