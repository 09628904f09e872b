"""What the public verifier needs from this service's issuing side, as interfaces.

The verifier never imports ``issuer``: the composition root (``microcred.app``) builds an
``OwnSources`` from the issuing side's implementations and hands it to
``verifier.web.init_app``. A verifier deployed on its own gets ``OwnSources.nothing()``:
no credential, DID or status list is "ours", so everything is resolved over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from verifier.resolvers import LocalDidSource, LocalStatusListSource
from verifier.trust import LocalIssuerDirectory

__all__ = ["CountVerification", "CredentialStore", "OwnSources", "RefKind", "StoredCredential"]

RefKind = Literal["id", "short_code"]


class StoredCredential(Protocol):
    """What the verification page needs of a stored credential (no ORM object escapes)."""

    @property
    def id(self) -> str: ...  # the UUID: the documents' URLs are built from it

    @property
    def short_code(self) -> str: ...

    @property
    def document(self) -> str: ...  # the signed JSON, exactly as issued

    # fl-privacy: "" when the issuer withdrew its copy (the recipient's data was erased):
    # the page then asks for the holder's file.


class CredentialStore(Protocol):
    """One of our stored credentials by ``("id", uuid)`` or ``("short_code", code)``; the
    value is already checked by ``verifier.web.lookup.parse_ref``. None when not found."""

    def __call__(self, kind: RefKind, value: str, /) -> StoredCredential | None: ...


class CountVerification(Protocol):
    """Told of each authentic credential verified (its structure, proof and issuer checks
    passed; revoked, suspended or expired still count): the issuer's DID and the
    credential's ``id``, nothing about who asked. It must not block or write to a
    database in the request: the issuing side buffers and decides later which of these
    are ours (``issuer.verification_counter``)."""

    def __call__(self, issuer_did: str, credential_id: str, /) -> None: ...


class _Nothing:
    """Owns no DID, no status list, no provider."""

    def document_for(self, did: str) -> Mapping[str, Any] | None:
        return None

    def status_list_for(self, url: str) -> Mapping[str, Any] | None:
        return None

    def identity_for(self, did: str) -> Mapping[str, Any] | None:
        return None


def _no_credential(kind: RefKind, value: str, /) -> StoredCredential | None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnSources:
    """This service's own DIDs, status lists, providers and stored credentials.

    ``scope`` is entered around each verification (and each presentation): an
    implementation may read what one verification needs once inside it. ``count`` hears
    of every authentic credential verified, ours or not.
    """

    dids: LocalDidSource
    status_lists: LocalStatusListSource
    issuers: LocalIssuerDirectory
    credentials: CredentialStore
    scope: Callable[[], AbstractContextManager[None]] = nullcontext
    #: Anonymous verification counts; None counts nothing.
    count: CountVerification | None = None

    @classmethod
    def nothing(cls) -> OwnSources:
        """For a verifier that runs without an issuing side."""
        nothing = _Nothing()
        return cls(dids=nothing, status_lists=nothing, issuers=nothing, credentials=_no_credential)
