"""The app-wide verifier: built once per process, shared by every request.

One ``Verifier`` per process because it carries caches worth keeping: the HTTP cache of
other issuers' DID documents and status lists, and the record of which status lists'
signatures were already checked. Our own issuers' DIDs and status lists are answered by
the ``OwnSources`` the composition root hands in (``verifier.web.interfaces``; in this
service, the issuing side's database behind ``issuer.own_sources.FreshOwnSources``), so
verifying our own credentials needs no HTTP, and a revocation is seen by the very next
verification.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app

from credentials.dates import utcnow
from credentials.presentations import PresentationResult
from credentials.results import VerificationResult
from credentials.verify import DEFAULT_DEADLINE, Verifier
from verifier.factory import build_verifier
from verifier.web.interfaces import CountVerification, OwnSources

if TYPE_CHECKING:
    from flask import Flask

EXTENSION_KEY = "microcred.verifier"
OWN_SOURCES_KEY = "microcred.verifier.own"


def build_app_verifier(app: Flask, own: OwnSources) -> Verifier:
    """MICROCRED_ALLOW_PRIVATE_FETCH (development only) lets did:web and status list fetches
    reach loopback and private addresses over plain http. MICROCRED_VERIFIER_CLOCK (tests)
    is a callable returning the aware "now" that validity windows are checked against.
    MICROCRED_VERIFIER_FETCHER (tests) is the ``verifier.http.SafeFetcher`` to fetch with."""
    development = bool(app.config["MICROCRED_ALLOW_PRIVATE_FETCH"])
    clock: Callable[[], datetime] = app.config.get("MICROCRED_VERIFIER_CLOCK") or utcnow
    registered = own.issuers if app.config.get("MICROCRED_TRUST_REGISTERED", True) else None
    return build_verifier(
        # Tests only: a SafeFetcher that trusts a test CA and maps fixture hosts to local
        # servers (``SafeFetcher.host_map``); refused in production by finalize_config.
        fetcher=app.config.get("MICROCRED_VERIFIER_FETCHER"),
        allow_private=development,
        allow_http=development,
        local_dids=own.dids,
        local_status_lists=own.status_lists,
        clock=clock,
        local_issuers=registered,
        registries=app.config.get("MICROCRED_TRUST_REGISTRIES"),
        deadline=app.config.get("MICROCRED_VERIFY_DEADLINE", DEFAULT_DEADLINE),
        # --- v-status: an ecosystem's shorter status lists (None: 131,072 entries) ---
        status_min_entries=app.config.get("MICROCRED_STATUS_MIN_ENTRIES"),
        # --- end v-status ---
    )


def init_verifier(app: Flask, own: OwnSources) -> None:
    app.extensions[OWN_SOURCES_KEY] = own
    app.extensions[EXTENSION_KEY] = build_app_verifier(app, own)


def own_sources() -> OwnSources:
    """What this service's issuing side lends the verifier (``OwnSources.nothing()`` alone)."""
    own: OwnSources = current_app.extensions[OWN_SOURCES_KEY]
    return own


def verifier_now() -> datetime:
    """The instant verifications are checked against (the configured clock, if any)."""
    clock: Callable[[], datetime] = current_app.config.get("MICROCRED_VERIFIER_CLOCK") or utcnow
    return clock()


def current_verifier() -> Verifier:
    verifier: Verifier = current_app.extensions[EXTENSION_KEY]
    return verifier


#: The checks that say a credential is what it claims to be: when none of these failed,
#: its verification is counted (``OwnSources.count``), whatever its status or dates.
AUTHENTIC = frozenset(("structure", "proof", "issuer"))


def verify(credential: object) -> VerificationResult:
    """Verify with the app-wide verifier (one read of our own lists' stamps per issuer)."""
    own = own_sources()
    with own.scope():
        result = current_verifier().verify(credential)
    if own.count is not None:
        _count(own.count, result)
    return result


def verify_presentation(presentation: object) -> PresentationResult:
    """A presentation and every credential in it, with the app-wide verifier."""
    own = own_sources()
    with own.scope():
        result = current_verifier().verify_presentation(presentation)
    if own.count is not None:
        for each in result.credentials:
            if each is not None:
                _count(own.count, each)
    return result


def _count(count: CountVerification, result: VerificationResult) -> None:
    """Hand (issuer DID, credential id) of an authentic credential to ``count``."""
    for check in result.checks:
        if check.failed and check.name in AUTHENTIC:
            return
    document = result.credential
    issuer = document.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    credential_id = document.get("id")
    if isinstance(did, str) and isinstance(credential_id, str):
        count(did, credential_id)
