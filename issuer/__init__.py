"""The issuing side: training providers, micro-certifications, evidence, and the issuer API.

``issuer.models`` (persistence), ``issuer.services`` (operations, one transaction each,
called by the API views and the CLI), ``issuer.schemas`` (marshmallow, at the HTTP edge),
``issuer.api`` (the authenticated ``/api/v1`` blueprints) and ``issuer.public`` (DID
documents and other unauthenticated endpoints).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the issuer API, its docs page and the public DID documents."""
    from issuer import public
    from issuer.api import register_api
    from microcred.platform.extensions import api

    register_api(app, api)
    app.register_blueprint(public.blp)
    # --- fl-mail: mail to freelancers on issue, revoke and expiry (issuer.mail_delivery) ---
    from issuer import mail_delivery

    mail_delivery.init_app(app)
    # --- end fl-mail ---
