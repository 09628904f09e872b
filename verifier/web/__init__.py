"""The public face of the verifier: pages, the JSON API and the W3C VC API endpoint.

``init_app(app)`` (called once by ``microcred.app.create_app``) builds the process-wide
verifier, registers the blueprints and documents the API endpoints in the OpenAPI spec.

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


def init_app(app: Flask) -> None:
    from microcred.extensions import api as openapi_api
    from verifier.web import api, assets, openapi, pages, service, vcapi

    service.init_verifier(app)
    assets.init_app(app)
    app.register_blueprint(pages.blp)
    app.register_blueprint(api.blp)
    app.register_blueprint(vcapi.blp)
    openapi.document(app, openapi_api)
