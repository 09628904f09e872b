"""The public, signed ``BitstringStatusListCredential`` of each list.

Signed lazily when first asked for after a change, stored with the version and key it
was made from, and cached per process on (list, version, key).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select

from credentials.caching import Cache
from credentials.errors import StatusListError
from credentials.proofs import RDFC, add_proof
from credentials.statuslist import Bitstring, build_status_list_credential
from issuer.models import Issuer, SigningKey, StatusList
from issuer.services.signers import ActiveSigner, active_signer
from issuer.services.status_lists._session import session_connection
from issuer.services.status_lists.urls import status_list_url
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db

BATCHES_BEFORE_SCAN = 4
#: Status lists are signed with the suite every verifier can read (OB 3.0 requires it).
LIST_SUITE = RDFC


@dataclass(frozen=True, slots=True)
class PublishedList:
    """A signed status list credential as served; ``document`` must not be mutated."""

    url: str
    version: int
    body: str
    etag: str
    document: Mapping[str, Any]


_FRESHNESS = (
    select(
        StatusList.id,
        StatusList.version,
        StatusList.signed_version,
        StatusList.signed_key_id,
        SigningKey.id.label("active_key_id"),
    )
    .join(Issuer, Issuer.id == StatusList.issuer_id)
    .outerjoin(
        SigningKey,
        and_(
            SigningKey.issuer_id == Issuer.id,
            SigningKey.is_active,
            SigningKey.revoked_at.is_(None),
        ),
    )
    .where(
        Issuer.slug == bindparam("slug"),
        StatusList.purpose == bindparam("purpose"),
        StatusList.number == bindparam("number"),
    )
)


class StatusListPublisher:
    """Signed status list credentials, made lazily and cached per (list, version, key).

    One per app (``publisher(app)``), shared by the public endpoint and
    ``issuer.local_sources.DatabaseSources``. Asking for a list costs one query while it
    is unchanged; after a change the first request signs it once and stores it, so the
    other processes load it instead of signing it again.
    """

    def __init__(self, *, base_url: str, passphrase: bytes, cache_size: int = 1024) -> None:
        self._base_url = base_url
        self._passphrase = passphrase
        # (list id, version, key id) -> the signed list: a new version or key is a new key,
        # so a stale copy is never found, only evicted.
        self._cache: Cache[tuple[int, int, int], PublishedList] = Cache(
            cache_size, name="issuer.published_status_lists"
        )

    def published(self, slug: str, purpose: str, number: int) -> PublishedList | None:
        """The current signed list, or None if there is no such list. May commit the session
        (when it has to sign): call it outside any transaction of your own."""
        row = (
            session_connection()
            .execute(_FRESHNESS, {"slug": slug, "purpose": purpose, "number": number})
            .one_or_none()
        )
        if row is None:
            return None
        if row.active_key_id is None:
            raise StatusListError(
                f"training provider {slug!r} has no active signing key to sign its status lists"
            )
        key = (row.id, row.version, row.active_key_id)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if row.signed_version == row.version and row.signed_key_id == row.active_key_id:
            body = db.session.scalar(
                select(StatusList.signed_document).where(StatusList.id == row.id)
            )
            published = self._remember(key, self._url(slug, purpose, number), row.version, body)
        else:
            published = self._sign(row.id, slug)
        return published

    def _url(self, slug: str, purpose: str, number: int) -> str:
        return status_list_url(self._base_url, slug, purpose, number)

    def _remember(
        self, key: tuple[int, int, int], url: str, version: int, body: str | None
    ) -> PublishedList:
        if not body:
            raise StatusListError(f"status list {url} has no stored signed copy")
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
        published = PublishedList(url, version, body, digest, json.loads(body))
        self._cache.put(key, published)
        return published

    def _sign(self, list_id: int, slug: str) -> PublishedList:
        """Sign the list's current version with the active key, once, under a row lock."""
        with write_transaction(db.session):
            status_list = db.session.scalar(
                select(StatusList)
                .where(StatusList.id == list_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            assert status_list is not None  # noqa: S101 - lists are never deleted
            issuer = db.session.get(Issuer, status_list.issuer_id)
            assert issuer is not None  # noqa: S101 - the list's foreign key holds it
            signer = active_signer(issuer.id, issuer.did, passphrase=self._passphrase)
            url = self._url(slug, status_list.purpose, status_list.number)
            stale = (
                status_list.signed_version != status_list.version
                or status_list.signed_key_id != signer.key_id
                or not status_list.signed_document
            )
            if stale:
                status_list.signed_document = _signed_body(status_list, issuer.did, url, signer)
                status_list.signed_version = status_list.version
                status_list.signed_key_id = signer.key_id
            key = (status_list.id, status_list.version, signer.key_id)
            body, version = status_list.signed_document, status_list.version
        return self._remember(key, url, version, body)


def _signed_body(status_list: StatusList, did: str, url: str, signer: ActiveSigner) -> str:
    # Valid from when its bits last changed, not from when it was signed: it is signed
    # lazily, possibly in the middle of a verification that started a moment earlier.
    unsigned = build_status_list_credential(
        url=url,
        issuer=did,
        purpose=status_list.purpose,
        bitstring=Bitstring.from_bytes(status_list.bitstring, min_bits=status_list.size_bits),
        valid_from=status_list.updated_at,
    )
    signed = add_proof(
        unsigned,
        signer.signer,
        verification_method=signer.verification_method,
        cryptosuite=LIST_SUITE,
    )
    return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))


PUBLISHER_KEY = "microcred.status_lists"


def publisher(app: Any) -> StatusListPublisher:
    """The app's publisher (created on first use)."""
    found: StatusListPublisher | None = app.extensions.get(PUBLISHER_KEY)
    if found is None:
        found = StatusListPublisher(
            base_url=app.config["MICROCRED_BASE_URL"],
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
        )
        app.extensions[PUBLISHER_KEY] = found
    return found
