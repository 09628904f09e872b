"""The credential page's "Send to wallet" action: a new wallet offer, then its page.

The offer page (``/wallet/offers/<token>``) is the public one the freelancer opens: the
member is sent there to show the QR codes (on a screen, in a meeting) or to copy its
address. Issuer and owner roles only: an offer leads to a credential being signed.
"""

from __future__ import annotations

from flask import redirect, url_for
from werkzeug.wrappers import Response

from issuer.console.blueprint import blp
from issuer.console.policy import requires, signed_in
from issuer.services import accounts, credentials, wallet
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db


@blp.route("/credentials/<credential_id>/wallet-offer", methods=["POST"])
@requires("issuer")
def credential_wallet_offer(credential_id: str) -> Response:
    me = signed_in()
    with write_transaction(db.session):
        # Another provider's credential is a 404, exactly like an unknown one.
        credential = credentials.get_credential(me.issuer, credential_id)
        offer = wallet.create_offer(credential.id, actor=accounts.actor_of(me.user))
    # Relative: the page is ours, wherever the console is reached from.
    return redirect(url_for("wallet.offer_page", token=offer.token), code=303)
