"""The Flask application factory (Flask tutorial style: nothing is read at import time)."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Request, Response
from flask.sessions import NullSession, SessionInterface, SessionMixin
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from microcred.platform import MIGRATIONS_DIR, limits, mail, outages, queue
from microcred.platform.config import finalize_config, instance_path_from_env, load_config
from microcred.platform.db import configure_engine, reply_timeout
from microcred.platform.errors import register_error_handlers
from microcred.platform.extensions import api, db, limiter, migrate
from microcred.platform.security import init_app as init_security

if TYPE_CHECKING:
    from issuer.account.interfaces import ShareLinks  # fl-account
    from sharing.interfaces import SharingSources
    from verifier.web.interfaces import OwnSources

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _templates_dir() -> Path:
    """templates/ of the checkout, or the installed wheel's ``microcred_templates`` (the
    same folder, shipped under a package name: pyproject.toml's package-dir)."""
    spec = importlib.util.find_spec("microcred_templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return PROJECT_ROOT / "templates"  # a checkout on sys.path, not installed


TEMPLATES_DIR = _templates_dir()


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
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep schema field order
    app.session_interface = StatelessSessions()

    trusted = int(app.config["MICROCRED_TRUSTED_PROXIES"])
    if trusted:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted
        )

    limits.init_app(app)  # body size (chunked too), JSON nesting, NUL: before any parser
    register_error_handlers(app)
    init_security(app)  # security headers on every response, error pages included
    db.init_app(app)
    with app.app_context():
        reply = reply_timeout(app.config["MICROCRED_DB_STATEMENT_TIMEOUT"])
        busy = app.config["MICROCRED_DB_BUSY_TIMEOUT"]
        for engine in db.engines.values():
            configure_engine(engine, reply_timeout=reply, busy_timeout=busy)
    explicit = bool(os.environ.get("MICROCRED_BASE_URL")) or "MICROCRED_BASE_URL" in (
        test_config or {}
    )
    _settle_base_url(app, explicit=explicit)
    app.config.setdefault("API_SPEC_OPTIONS", _spec_options(app.config["MICROCRED_BASE_URL"]))
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    limiter.init_app(app)
    api.init_app(app)
    queue.init_app(app)  # Huey: the features register their tasks on it
    mail.init_app(app)  # outgoing mail, sent by the queue's workers
    # --- i18n: Flask-Babel, the public pages' language (cookie, Accept-Language) ---
    from microcred.platform import i18n

    i18n.init_app(app)
    # --- end i18n ---

    # The composition root wires the features in; imported here so that importing
    # microcred.app stays cheap for the CLI commands that never build an app.
    import issuer
    import issuer.api.issuing
    import issuer.console
    import sharing
    import verifier.web

    issuer.init_app(app)  # providers, certifications, freelancers, projects, DIDs
    issuer.api.issuing.init_app(app)  # credentials, bulk issuance, VC API issue
    # The issuer console at /console, with database sessions on its paths alone.
    issuer.console.init_app(app)
    # --- fl-wallet: wallet delivery (offer page, VC API exchange, OpenID4VCI) ---
    import issuer.wallet

    issuer.wallet.init_app(app)
    # --- end fl-wallet ---
    # --- fl-account: the freelancer's claim links and account at /claim and /account,
    # with their own database sessions on those paths alone ---
    import issuer.account

    issuer.account.init_app(app)
    # --- end fl-account ---
    verifier.web.init_app(app, own=_own_sources(app))  # public verification pages and APIs
    # certificates, badges, QR codes, profiles, share pages
    sharing.init_app(app, sources=_sharing_sources())
    _wire_across_features(app)
    outages.init_app(app)  # 503 when the database is down, /healthz and /livez
    return app


def _wire_across_features(app: Flask) -> None:
    """What one feature lends another, handed over here so that neither imports the
    other (the floors, docs/ARCHITECTURE.md)."""
    import sharing
    from issuer.console.design import CERTIFICATE_PREVIEW_KEY
    from issuer.console.issuing import PREVIEW_DOCUMENTS_KEY
    from issuer.console.org_profile import DOMAIN_FETCH_KEY
    from issuer.console.sso_views import SSO_FETCHER_KEY
    from issuer.services.vc_api import RELATED_RESOURCES_KEY
    from sharing.state import EXTENSION_KEY as SHARING_KEY
    from verifier.http import SafeFetcher
    from verifier.web.service import EXTENSION_KEY as VERIFIER_KEY

    # /credentials/issue checks relatedResource digests with the verifier's checker (its
    # SSRF-guarded fetcher and cache): nothing is signed that verification would refuse.
    app.extensions[RELATED_RESOURCES_KEY] = app.extensions[VERIFIER_KEY].related_resources
    # The console's "Check now" of a provider's domain fetches its did.json through the
    # SSRF guard (loopback only with MICROCRED_ALLOW_PRIVATE_FETCH, as the CLI's check).
    # Single sign-on (discovery, token and JWKS of an organisation's OpenID provider) uses
    # the same fetcher. SSL_CERT_FILE, when set, names the CA bundle (as for
    # ``microcred issuers verify-domain``).
    fetcher = SafeFetcher(
        allow_private=bool(app.config.get("MICROCRED_ALLOW_PRIVATE_FETCH")),
        ca_certs=os.environ.get("SSL_CERT_FILE") or None,
    )
    app.extensions[DOMAIN_FETCH_KEY] = lambda url: fetcher.fetch_json(url).data
    app.extensions[SSO_FETCHER_KEY] = fetcher
    # Issuing: the console's preview draws the PDF and badge of an unsigned draft.
    app.extensions[PREVIEW_DOCUMENTS_KEY] = sharing.preview_renderer(app)
    # The certificate design page previews a sample certificate through the sharing
    # feature's renderer (its render pool and document cache).
    documents = app.extensions[SHARING_KEY].documents
    app.extensions[CERTIFICATE_PREVIEW_KEY] = lambda data, fmt: (
        documents.sample_preview(data, fmt).body
    )
    # --- fl-mail: mail to freelancers carries the badge and the PDF ---
    from issuer.mail_delivery import MAIL_DOCUMENTS_KEY
    from sharing.mail_documents import mail_documents

    app.extensions[MAIL_DOCUMENTS_KEY] = mail_documents(app)
    # --- end fl-mail ---
    # --- fl-account: the account page's per-credential links (downloads, LinkedIn, the
    # embed snippet) are the sharing feature's, lent through issuer.account.interfaces ---
    from issuer.account.interfaces import SHARE_LINKS_KEY

    app.extensions[SHARE_LINKS_KEY] = _account_share_links
    # --- end fl-account ---
    # --- fl-webhooks: deliveries POST through the SSRF guard ---
    _wire_webhooks(app)
    # --- end fl-webhooks ---
    # --- fl-privacy-self: an erasure also deletes the cached PDFs and badges of the
    # credentials it withdrew (they carry the person's name) ---
    _wire_document_erasure()
    # --- end fl-privacy-self ---


# --- fl-account ---
def _account_share_links(credential_id: str) -> ShareLinks | None:
    """One credential's public URLs, LinkedIn's add-to-profile URL and the embed snippet,
    as the sharing feature's share page makes them (``issuer`` never imports ``sharing``)."""
    from issuer.account.interfaces import ShareLinks
    from sharing.links import badge_snippet, linkedin_add_url
    from sharing.pages import badge_view
    from sharing.state import sharing

    issued = sharing().sources.credentials(credential_id)
    if issued is None:
        return None
    badge = badge_view(issued)
    links = badge.links
    linkedin = None
    if badge.issued_on is not None:
        linkedin = linkedin_add_url(
            name=badge.certification,
            organization=badge.issuer,
            issued_on=badge.issued_on,
            expires_on=badge.expires_on,
            cert_url=links.verify,
            cert_id=badge.credential_id,
        )
    embed = badge_snippet(
        links, certification=badge.certification, issuer=badge.issuer, recipient=badge.recipient
    )
    return ShareLinks(
        verify=links.verify,
        share=links.share,
        linkedin=linkedin,
        embed=str(embed),
    )


# --- end fl-account ---


# --- fl-privacy-self ---
def _wire_document_erasure() -> None:
    """Register the document cache with the issuer's privacy hooks: ``issuer`` never
    imports ``sharing``. The hook reads the app it runs in (``current_app``), so one
    registration serves every app of the process."""
    from issuer.services import privacy
    from sharing.state import forget_documents

    def erase(erasure: privacy.Erasure) -> None:
        try:
            forget_documents(erasure.credential_ids)
        except OSError:  # a disk error must not keep the database's erasure from happening
            logging.getLogger(__name__).exception("could not delete cached documents of an erasure")

    # Nothing to export: the cached files are renderings of the credentials the export
    # already holds.
    privacy.register(privacy.PersonalData("document cache", lambda email, ids: None, erase))


# --- end fl-privacy-self ---


# --- fl-webhooks: the webhooks' network, lent to the issuer ---
def _wire_webhooks(app: Flask) -> None:
    """Webhook deliveries POST through the verifier's SSRF-guarded client (vetted public
    addresses, bounded time and answer, no redirect), its own instance: receivers get 15 s
    in all. MICROCRED_WEBHOOK_FETCHER (tests, refused in production) replaces it;
    MICROCRED_ALLOW_PRIVATE_FETCH lets it reach loopback, as for the other fetchers."""
    from issuer.services import webhooks
    from verifier.http import SafeFetcher

    fetcher = app.config.get("MICROCRED_WEBHOOK_FETCHER") or SafeFetcher(
        allow_private=bool(app.config.get("MICROCRED_ALLOW_PRIVATE_FETCH")),
        ca_certs=os.environ.get("SSL_CERT_FILE") or None,
        connect_timeout=5.0,
        read_timeout=10.0,
        total_timeout=15.0,
        user_agent="microcred-webhooks/0.1",
    )
    webhooks.init_app(app, webhooks.transport_over(fetcher))


# --- end fl-webhooks ---


def _settle_base_url(app: Flask, *, explicit: bool) -> None:
    """Without MICROCRED_BASE_URL, the base URL ``microcred init`` recorded; then refuse
    one that the issuers' DIDs were not minted for (ConfigurationError saying how to fix
    it). ``microcred init`` and ``issuers move-base-url`` skip the refusal: they are how
    it is fixed (config MICROCRED_CHECK_BASE_URL)."""
    from issuer.services.base_urls import check_base_url
    from microcred.platform.instance import BASE_URL, recorded

    with app.app_context():
        try:
            was = recorded(BASE_URL)
            if was and not explicit:
                app.config["MICROCRED_BASE_URL"] = was
            if app.config.get("MICROCRED_CHECK_BASE_URL", True):
                check_base_url(app.config["MICROCRED_BASE_URL"])
        except SQLAlchemyError as exc:
            # Not migrated yet (`microcred init` comes next), or the database is down: the
            # requests will say so; starting must not depend on it.
            logging.getLogger(__name__).warning("base URL not checked: %s", exc.__class__.__name__)
        finally:
            db.session.remove()
            # Close the connection the check opened: an app may never serve a request (a CLI
            # command, a refused start, a forking server), and its pool must not outlive it
            # holding an open connection.
            for engine in db.engines.values():
                engine.dispose()


def _own_sources(app: Flask) -> OwnSources:
    """The issuing side's credentials, DIDs, status lists and providers, lent to the
    verifier through its interface (the verifier itself never imports ``issuer``)."""
    from issuer import verification_counter
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
        count=verification_counter.init_app(app),  # anonymous counts, flushed in batches
    )


def _sharing_sources() -> SharingSources:
    """The issuing side's stored credentials, public profiles and certification images,
    lent to the documents and pages through their interface (``sharing`` itself never
    imports ``issuer``)."""
    from issuer.sharing_sources import (
        find_certification_image,
        find_credential,
        find_public_profile,
    )
    from sharing.interfaces import SharingSources

    return SharingSources(
        credentials=find_credential,
        profiles=find_public_profile,
        certification_images=find_certification_image,
    )


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
