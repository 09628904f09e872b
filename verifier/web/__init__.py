"""The public face of the verifier: pages, the JSON API and the W3C VC API endpoint.

``init_app(app, own=...)`` (called once by ``microcred.app.create_app``, which fills in
``own``: this service's credentials, DIDs and status lists, see
``verifier.web.interfaces``) builds the process-wide verifier, registers the blueprints
and documents the API endpoints in the OpenAPI spec.

Routes (all public, no login or API key, rate limited per client address):

- ``GET /v/<ref>`` — the verification page QR codes open (short code, UUID or urn:uuid);
- ``GET|POST /verify`` — upload or paste any credential;
- ``POST /api/v1/verify`` — JSON answer with every check;
- ``POST /credentials/verify`` and ``POST /presentations/verify`` — W3C VC API;
- ``/assets/…`` — the site's stylesheets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from verifier.web.interfaces import OwnSources


def init_app(app: Flask, *, own: OwnSources | None = None) -> None:
    """``own`` defaults to ``OwnSources.nothing()``: a verifier with no issuing side."""
    from microcred.platform.extensions import api as openapi_api
    from verifier.web import api, assets, openapi, pages, service, vcapi
    from verifier.web.interfaces import OwnSources

    service.init_verifier(app, own if own is not None else OwnSources.nothing())
    assets.init_app(app)
    app.register_blueprint(pages.blp)
    app.register_blueprint(api.blp)
    app.register_blueprint(vcapi.blp)
    openapi.document(app, openapi_api)
