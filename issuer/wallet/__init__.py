"""Wallet delivery over HTTP: the offer page (QR codes, deep links), the VC API exchange
and the OpenID4VCI endpoints. The protocols themselves are in ``issuer.services.wallet``
and ``issuer.services.wallet_oid4vci``; docs/RECIPIENTS.md, "Wallets", describes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from issuer.wallet import doc, views
    from microcred.platform.extensions import api

    app.register_blueprint(views.blp)
    doc.document(app, api)
