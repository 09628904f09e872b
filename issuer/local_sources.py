"""Our own issuers' DID documents and status lists, for the verifier, from the database.

``DatabaseSources(app)`` implements ``verifier.resolvers.LocalDidSource`` and
``LocalStatusListSource`` (and ``verifier.trust.LocalIssuerDirectory``). It answers:

- ``document_for(did)`` — the DID document of one of our did:web providers
  (``did:web:<host>:issuers:<slug>`` under ``MICROCRED_BASE_URL``), built exactly as
  ``/issuers/<slug>/did.json`` serves it; ``None`` for any other DID;
- ``status_list_for(url)`` — the current signed status list credential for one of our
  ``{BASE}/issuers/<slug>/status/<purpose>/<number>`` URLs; ``None`` for other URLs.

A DID or URL in our namespace that names nothing (an unknown provider or list) raises
``ResolutionError``: it is ours, and looking it up over HTTP instead would only ask this
very service again (fail closed).

``find_stored_credential(kind, value)`` is ``verifier.web.interfaces.CredentialStore``:
one of our stored credentials, for the page QR codes open.

The composition root wires these into the verifier; nothing here imports it.

Each call runs in its own application context, hence its own database session: the
caller's transaction is never read from nor committed, and signing a changed status list
(once per change, see ``StatusListPublisher``) commits only its own work. (So do not
verify from inside a write transaction on SQLite: that signing would wait for the
caller's write lock.) Status lists
are cached per (list, version, signing key), so a revocation is visible to the very next
verification and an unchanged list costs one query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import bindparam, select

from credentials.did import did_web_for
from credentials.errors import ResolutionError
from issuer.models import IssuedCredential, Issuer
from issuer.services import base_urls
from issuer.services.identity import identity_record
from issuer.services.recipients import hidden_clause  # fl-account
from issuer.services.signing_keys import did_document
from issuer.services.status_lists import parse_status_list_url, publisher
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["DatabaseSources", "StoredCredential", "find_stored_credential"]


class DatabaseSources:
    """DID documents and status lists of this service's own training providers."""

    def __init__(self, app: Flask) -> None:
        # Nothing touches the database here: the verifier is built while the app is.
        self._app = app
        self._base_url: str = app.config["MICROCRED_BASE_URL"]
        self._did_prefix = did_web_for(self._base_url, "issuers") + ":"
        self._status_prefix = self._base_url + "/issuers/"
        self._former_prefixes: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def __repr__(self) -> str:
        return f"DatabaseSources({self._base_url!r})"

    def owns_did(self, did: str) -> bool:
        if not isinstance(did, str):
            return False
        if did.startswith(self._did_prefix):
            return True
        # A DID one of our providers had before its base URL moved (one indexed query, only
        # for DIDs under a former base URL).
        if not did.startswith(self._former()[0]):
            return False
        with self._app.app_context():
            return base_urls.former_did(did) is not None

    def _former(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(DID prefixes, status list URL prefixes) of our former base URLs, read once: a
        move changes MICROCRED_BASE_URL, so it takes a restart anyway."""
        if self._former_prefixes is None:
            with self._app.app_context():
                bases = base_urls.former_base_urls()
            self._former_prefixes = (
                tuple(base_urls.did_prefix(base) for base in bases),
                tuple(base + "/issuers/" for base in bases),
            )
        return self._former_prefixes

    def document_for(self, did: str) -> Mapping[str, Any] | None:
        """The DID document of our provider ``did``; None when the DID is not ours."""
        if not self.owns_did(did):
            return None
        with self._app.app_context():
            if not did.startswith(self._did_prefix):
                return base_urls.former_did_document(did)
            issuer = db.session.scalar(select(Issuer).where(Issuer.did == did))
            if issuer is None or issuer.did_method != "web":
                raise ResolutionError(
                    f"{did} names no training provider of this service", details={"did": did}
                )
            return did_document(issuer)

    def identity_for(self, did: str) -> Mapping[str, Any] | None:
        """What this service knows about the provider with ``did`` (the "registered
        here" trust source); None when no provider of ours has that DID (did:key included)."""
        if not isinstance(did, str) or not did.startswith("did:"):
            return None
        with self._app.app_context():
            issuer = db.session.scalar(select(Issuer).where(Issuer.did == did))
            if issuer is None and did.startswith("did:web:"):
                former = base_urls.former_did(did)
                issuer = former.issuer if former is not None else None
            return identity_record(issuer) if issuer is not None else None

    def status_list_for(self, url: str) -> Mapping[str, Any] | None:
        """The signed status list credential at ``url``; None when the URL is not ours."""
        if not isinstance(url, str):
            return None
        if not url.startswith(self._status_prefix):
            if not url.startswith(self._former()[1]):
                return None
            with self._app.app_context():  # a status list URL under a former base URL
                return base_urls.former_status_list(self._app, url)
        parsed = parse_status_list_url(self._base_url, url)
        if parsed is None:
            raise ResolutionError(
                f"{url} is not a status list of this service", details={"url": url}
            )
        with self._app.app_context():
            published = publisher(self._app).published(*parsed)
        if published is None:
            raise ResolutionError(f"there is no status list at {url}", details={"url": url})
        return published.document


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """What the verification page needs of a stored credential (no ORM object escapes)."""

    id: str  # the UUID: the documents' URLs are built from it
    short_code: str
    document: str  # the signed JSON, exactly as issued; "" once withdrawn (erasure)


# --- fl-account: a credential its holder hid is answered as unknown at /v/
# (docs/RECIPIENTS.md); an upload of the holder's copy still verifies. A wallet copy
# follows its original's choice (``hidden_clause`` reads the choice of
# coalesce(wallet_copy_of, id)): hiding a credential hides its copies' /v/ pages too,
# while the copy in the wallet verifies as the original does, by signature and status.
# Both statements are built once, the value bound at each call: building the NOT EXISTS
# per call cost 60 % of the look-up (cachegrind), built once the filtered look-up costs
# less than before. ---
def _lookup(column: Any) -> Any:
    return select(
        IssuedCredential.id,
        IssuedCredential.short_code,
        IssuedCredential.document,
        IssuedCredential.erased_at,  # fl-privacy
    ).where(column == bindparam("value"), ~hidden_clause())


_LOOKUPS: Final = {
    "id": _lookup(IssuedCredential.id),
    "short_code": _lookup(IssuedCredential.short_code),
}
# --- end fl-account ---


def find_stored_credential(kind: str, value: str, /) -> StoredCredential | None:
    """By ``("id", uuid)`` or ``("short_code", code)``, in the request's session; the value
    is bound as a parameter, never spliced into SQL."""
    statement = _LOOKUPS["id" if kind == "id" else "short_code"]
    row = db.session.execute(statement, {"value": value}).one_or_none()
    if row is None:
        return None
    # --- fl-privacy: an erased freelancer's credential: we hold no copy any more (the
    # holder keeps the signed file), which the page says with an empty document.
    if row.erased_at is not None:
        return StoredCredential(id=row.id, short_code=row.short_code, document="")
    # --- end fl-privacy ---
    return StoredCredential(id=row.id, short_code=row.short_code, document=row.document)
