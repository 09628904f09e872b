"""The Flask application factory (Flask tutorial style: nothing is read at import time)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response, jsonify
from flask.sessions import NullSession, SessionInterface, SessionMixin
from sqlalchemy import text
from werkzeug.middleware.proxy_fix import ProxyFix

from microcred.platform import MIGRATIONS_DIR, queue
from microcred.platform.config import finalize_config, instance_path_from_env, load_config
from microcred.platform.db import configure_engine
from microcred.platform.errors import register_error_handlers
from microcred.platform.extensions import api, db, limiter, migrate

if TYPE_CHECKING:
    from verifier.web.interfaces import OwnSources

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"


class StatelessSessions(SessionInterface):
    """No cookie sessions: the API authenticates with bearer keys and the public pages keep
    no state, so microcred sets no cookies. Flask's default would build a signing
    serializer on every request (≈ 0.1 ms, a thirtieth of an issuance) to read a cookie
    nobody sends; writing to ``flask.session`` raises, so a future use is not silent."""

    def open_session(self, app: Flask, request: Request) -> NullSession:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        return None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment, then ``test_config`` on top.

    Raises ``credentials.errors.ConfigurationError`` when production settings are unsafe.
    """
    app = Flask(
        "microcred",
        instance_path=instance_path_from_env(),
        template_folder=str(TEMPLATES_DIR),
        static_folder=None,
    )
    app.config.from_mapping(load_config(os.environ))
    if test_config:
        app.config.from_mapping(test_config)
    finalize_config(app.config)
    app.config.setdefault("API_SPEC_OPTIONS", _spec_options(app.config["MICROCRED_BASE_URL"]))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep schema field order
    app.session_interface = StatelessSessions()

    trusted = int(app.config["MICROCRED_TRUSTED_PROXIES"])
    if trusted:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted
        )

    register_error_handlers(app)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    limiter.init_app(app)
    api.init_app(app)
    queue.init_app(app)  # Huey: the features register their tasks on it

    # The composition root wires the features in; imported here so that importing
    # microcred.app stays cheap for the CLI commands that never build an app.
    import issuer
    import issuer.api.issuing
    import sharing
    import verifier.web

    issuer.init_app(app)  # providers, certifications, freelancers, projects, DIDs
    issuer.api.issuing.init_app(app)  # credentials, bulk issuance, VC API issue
    verifier.web.init_app(app, own=_own_sources(app))  # public verification pages and APIs
    # /credentials/issue checks relatedResource digests with the verifier's checker (its
    # SSRF-guarded fetcher and cache): nothing is signed that verification would refuse.
    from issuer.services.vc_api import RELATED_RESOURCES_KEY
    from verifier.web.service import EXTENSION_KEY as VERIFIER_KEY

    app.extensions[RELATED_RESOURCES_KEY] = app.extensions[VERIFIER_KEY].related_resources
    sharing.init_app(app)  # certificates, badges, QR codes, profiles, share pages
    app.add_url_rule("/healthz", "healthz", healthz)
    return app


def _own_sources(app: Flask) -> OwnSources:
    """The issuing side's credentials, DIDs, status lists and providers, lent to the
    verifier through its interface (the verifier itself never imports ``issuer``)."""
    from issuer.local_sources import DatabaseSources, find_stored_credential
    from issuer.own_sources import FreshOwnSources, verification_scope
    from verifier.web.interfaces import OwnSources

    database = DatabaseSources(app)
    fresh = FreshOwnSources(app, database)  # re-reads only what changed
    return OwnSources(
        dids=fresh,
        status_lists=fresh,
        issuers=database,
        credentials=find_stored_credential,
        scope=verification_scope,
    )


def healthz() -> Response:
    """Liveness and database reachability, for load balancers and gunicorn health checks."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


def _spec_options(base_url: str) -> dict[str, Any]:
    return {
        "info": {
            "description": (
                "Issue Open Badges 3.0 micro-credentials backed by gig projects. "
                "Authenticate with `Authorization: Bearer <API key>`; a key reaches only "
                "its own training provider's data. JSON field names are camelCase; unknown "
                "fields are rejected. Every error has the shape "
                "`{code, message, description, error, field?, errors?}`. "
                "Mutating requests accept an `Idempotency-Key` header."
            ),
        },
        "servers": [{"url": base_url}],
    }
