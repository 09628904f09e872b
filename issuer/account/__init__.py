"""The freelancer's side (issue 14, item 2): claiming a credential by its e-mailed link,
and the recipient account at /account (sign-in by e-mail link or an optional password,
every credential of the address across providers, visibility per credential, downloads,
LinkedIn and the embed snippet).

- ``views``: the ``account`` blueprint (/claim/<token>, /account…), CSRF on every POST;
- ``sessions``: server-side sessions in ``recipient_sessions`` for /account and /claim,
  under their own cookie (never the console's);
- ``interfaces``: what the pages need from ``sharing`` (handed over by ``microcred.app``)
  and the key of the claim-link maker (``app.extensions["microcred.claim_links"]``);
- the rules are ``issuer.services.recipients``. docs/RECIPIENTS.md says how it works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the account sessions in front of the app's session
    interface, and the claim-link maker for the mail helper."""
    from flask import current_app

    from issuer.account import views
    from issuer.account.interfaces import CLAIM_LINKS_KEY
    from issuer.account.sessions import AccountSessions
    from issuer.services.recipients import create_claim_link

    app.session_interface = AccountSessions(fallback=app.session_interface)
    # The account, its links and choices name the address: a privacy export shows them,
    # an erasure drops them (the account itself once no provider holds the address).
    from issuer.services import privacy, recipients

    privacy.register(
        privacy.PersonalData("recipient account", recipients.export_for, recipients.erase_for)
    )
    app.extensions[CLAIM_LINKS_KEY] = lambda credential_id: create_claim_link(
        credential_id, base_url=str(current_app.config["MICROCRED_BASE_URL"])
    )
    # --- fl-evidence: self-submitted evidence's routes join the account blueprint ---
    from issuer.account import submissions as _submissions  # noqa: F401

    # --- end fl-evidence ---
    app.register_blueprint(views.blp)
