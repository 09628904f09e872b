"""The issuer console: the issuing side's HTML face for training providers, at /console.

Server-rendered pages over the same services as the API (``issuer.services``; the console
never imports ``issuer.api``). What every page stands on (docs/CONSOLE.md, "How a console
page is built"):

- ``blueprint``: the ``console`` blueprint, its page headers, the form-refusal helpers;
- ``policy``: ``@requires(role)`` / ``@public`` on every view, checked before it runs,
  default deny; CSRF on every POST;
- ``sessions``: server-side sessions in the database, for /console paths only;
- ``forms``: WTForms classes; ``mailing``: account mail through ``microcred.platform.mail``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console: its blueprint, CSRF (checked by the console alone) and the
    database sessions for /console in front of the app's own session interface."""
    from issuer.console import auth_views, pages  # noqa: F401 - the routes register themselves
    from issuer.console import certifications as _certification_pages  # noqa: F401
    from issuer.console.blueprint import blp
    from issuer.console.policy import csrf
    from issuer.console.sessions import DatabaseSessions

    # CSRFProtect would check every POST of the app; the JSON API authenticates with bearer
    # keys (no ambient credential to forge), so only the console's enforce() calls protect().
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A token lives as long as the session that holds it, not a fixed hour.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    app.session_interface = DatabaseSessions(fallback=app.session_interface)
    # The pages: each module's routes register on the blueprint when it is imported, so
    # before the blueprint is.
    # --- fl-privacy: deleting and exporting a freelancer, recipient identity (issue 14) ---
    from issuer.console import (  # noqa: F401
        bulk_pages,  # issuing in bulk (item 5)
        credentials_pages,  # the credentials list, one credential, its status (item 5)
        design,  # the certificate's design and its preview (items 2-3)
        freelancers,  # freelancers, their import (item 4)
        issuing,  # issuing one, with a preview (item 5)
        mail_pages,  # fl-mail: a credential's mail to the freelancer, settings, the outbox
        org_profile,  # the organisation's profile and domain (item 2)
        organisation,  # API keys and signing keys (item 2)
        privacy,
        projects,  # gig projects and their assessments (item 4)
        sso_views,  # single sign-on, invitations revoked, several organisations (item 1)
        submissions_pages,
        wallet_pages,  # "Send to wallet" on a credential (issue 14, item 3)
        webhooks,  # fl-webhooks: webhook endpoints, their log, replay (issue 14, item 6)
    )
    # --- end fl-privacy ---

    app.register_blueprint(blp)
