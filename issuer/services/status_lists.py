"""Bitstring Status Lists of each training provider: allocation, bits, publication.

Every credential microcred builds gets one entry in a *revocation* list and one in a
*suspension* list of its issuer (W3C Bitstring Status List 1.0). Lists hold
``MIN_STATUS_LIST_BITS`` (131,072) entries; the index is drawn at random (herd privacy:
neighbours in a list are not neighbours in time) and checked against the database before
the credential is signed. Uniqueness itself is the database's job: UNIQUE
(status_list_id, index) makes the loser of a race fail its insert, and the issuance
service draws again (see ``issuer.services.issuance``). A list that is full is followed
by a new one with the next number.

Changing a status (revoke, suspend, unsuspend) flips one bit under a row lock and bumps
the list's ``version``. The public, signed ``BitstringStatusListCredential`` is made by
``StatusListPublisher``: signed lazily when first asked for after a change, stored with
the version and key it was made from, and cached per process on (list, version, key).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from random import Random
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, and_, bindparam, select
from sqlalchemy.exc import IntegrityError

from credentials.errors import StatusListError
from credentials.proofs import RDFC, add_proof
from credentials.statuslist import (
    Bitstring,
    allocate_random_index,
    build_status_list_credential,
    status_list_entry,
)
from issuer.models import MIN_STATUS_LIST_BITS, STATUS_PURPOSES, Issuer, SigningKey, StatusList
from issuer.models import StatusAllocation as Allocation
from issuer.services.signers import ActiveSigner, active_signer
from microcred.db import write_transaction
from microcred.extensions import db

#: Candidates drawn per purpose and checked with one query; a collision is then rare
#: until a list is nearly full.
CANDIDATES = 8
#: After this many fully taken batches the list's taken indices are read in one go.
BATCHES_BEFORE_SCAN = 4
#: Status lists are signed with the suite every verifier can read (OB 3.0 requires it).
LIST_SUITE = RDFC

_URL_PATH = re.compile(
    r"/issuers/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)/status/([a-z]+)/([1-9][0-9]{0,8})"
)


def status_list_url(base_url: str, slug: str, purpose: str, number: int) -> str:
    return f"{base_url}/issuers/{quote(slug, safe='')}/status/{purpose}/{number}"


def parse_status_list_url(base_url: str, url: str) -> tuple[str, str, int] | None:
    """``(slug, purpose, number)`` of one of our list URLs, or None if it is not one."""
    if not isinstance(url, str) or not url.startswith(base_url + "/"):
        return None
    match = _URL_PATH.fullmatch(url[len(base_url) :])
    if match is None or match[2] not in STATUS_PURPOSES:
        return None
    return match[1], match[2], int(match[3])


# --- allocation ------------------------------------------------------------------------------


@dataclass(slots=True)
class _ListState:
    """What one issuance knows about the list it allocates from."""

    id: int
    number: int
    size_bits: int
    taken: set[int] = field(default_factory=set)
    full_batches: int = 0
    scanned: bool = False


@dataclass(frozen=True, slots=True)
class Pick:
    """A candidate entry: list and index, not yet inserted."""

    purpose: str
    list_id: int
    index: int
    url: str

    def entry(self) -> dict[str, Any]:
        return status_list_entry(list_url=self.url, index=self.index, purpose=self.purpose)

    def allocation(self, credential_id: str) -> Allocation:
        return Allocation(
            status_list_id=self.list_id, index=self.index, credential_id=credential_id
        )


class IndexAllocator:
    """Draws free random indices in an issuer's current lists, for one issuance.

    ``picks()`` proposes one entry per purpose, checked free with one query for all
    purposes; ``collided(picks)`` is called after the insert lost a race, so that the
    indices taken meanwhile are not drawn again.

    ``known_lists`` (one dict per app, see ``list_cache``) remembers each issuer's current
    lists between issuances. Only lists read from the database go into it, never one
    created in a transaction that might still roll back; a stale entry (another process
    opened the next list) costs nothing but a failed create when the list fills up.
    """

    def __init__(
        self,
        issuer: Any,  # Issuer or issuance_records.IssuerRecord: id and slug are read
        *,
        base_url: str,
        purposes: Sequence[str] = STATUS_PURPOSES,
        rng: Random | None = None,
        known_lists: MutableMapping[tuple[int, str], tuple[int, int, int]] | None = None,
        connection: Connection | None = None,
    ) -> None:
        self._issuer = issuer
        self._base_url = base_url
        self._purposes = tuple(purposes)
        self._rng = rng if rng is not None else secrets.SystemRandom()
        self._known = known_lists if known_lists is not None else {}
        self._lists: dict[str, _ListState] = {}
        self._connection = connection

    def picks(self) -> list[Pick]:
        if not self._lists:
            self._lists = self._current_lists()
        states = self._lists
        batches = {p: self._batch(states[p]) for p in self._purposes if not states[p].scanned}
        taken = _taken_pairs(
            {(states[p].id, i) for p, batch in batches.items() for i in batch}, self._connection
        )
        picks = []
        for purpose in self._purposes:
            state = states[purpose]
            batch = batches.get(purpose, [])
            state.taken.update(i for i in batch if (state.id, i) in taken)
            free = next((i for i in batch if (state.id, i) not in taken), None)
            if free is None:
                state.full_batches += 1
                picks.append(self._pick(purpose))
            else:
                picks.append(self._make_pick(purpose, state, free))
        return picks

    def collided(self, picks: Iterable[Pick]) -> bool:
        """Record indices found taken; True if any pick was (else the race was elsewhere)."""
        picks = list(picks)
        taken = _taken_pairs({(p.list_id, p.index) for p in picks}, self._connection)
        for pick in picks:
            if (pick.list_id, pick.index) in taken:
                self._lists[pick.purpose].taken.add(pick.index)
        return bool(taken)

    def forget(self) -> None:
        """Re-read the current lists on the next ``picks()`` (after an unexplained failure)."""
        for purpose in self._purposes:
            self._known.pop((self._issuer.id, purpose), None)
        self._lists = {}

    def _current_lists(self) -> dict[str, _ListState]:
        missing = [p for p in self._purposes if (self._issuer.id, p) not in self._known]
        if missing:
            rows = (
                _connection()
                .execute(
                    select(
                        StatusList.purpose, StatusList.id, StatusList.number, StatusList.size_bits
                    )
                    .where(StatusList.issuer_id == self._issuer.id, StatusList.purpose.in_(missing))
                    .order_by(StatusList.number)
                )
                .all()
            )
            for row in rows:  # ascending: the highest number wins
                self._known[(self._issuer.id, row.purpose)] = (row.id, row.number, row.size_bits)
        lists = {}
        for purpose in self._purposes:
            known = self._known.get((self._issuer.id, purpose))
            if known is not None:
                lists[purpose] = _ListState(*known)
            else:
                lists[purpose] = _next_list(self._issuer, purpose, 0)
        return lists

    def _make_pick(self, purpose: str, state: _ListState, index: int) -> Pick:
        url = status_list_url(self._base_url, self._issuer.slug, purpose, state.number)
        return Pick(purpose, state.id, index, url)

    def _pick(self, purpose: str) -> Pick:
        state = self._lists[purpose]
        while True:
            index = self._free_index(state)
            if index is not None:
                return self._make_pick(purpose, state, index)
            state = self._lists[purpose] = _next_list(self._issuer, purpose, state.number)
            # The new list may be uncommitted: remembered once it is read back later.
            self._known.pop((self._issuer.id, purpose), None)

    def _free_index(self, state: _ListState) -> int | None:
        """A free index of ``state``'s list, or None when the list is full."""
        while not state.scanned:
            if state.full_batches >= BATCHES_BEFORE_SCAN:
                # Nearly full: read every taken index once; drawing is then exact.
                state.taken.update(_all_taken(state.id))
                state.scanned = True
                break
            batch = self._batch(state)
            pairs = _taken_pairs({(state.id, i) for i in batch}, self._connection)
            taken = {index for _, index in pairs}
            state.taken.update(taken)
            free = [i for i in batch if i not in taken]
            if free:
                return free[0]
            state.full_batches += 1
        try:
            return allocate_random_index(
                state.taken.__contains__, size_bits=state.size_bits, rng=self._rng
            )
        except StatusListError:
            return None

    def _batch(self, state: _ListState) -> list[int]:
        """Up to CANDIDATES distinct random indices not known to be taken."""
        batch: list[int] = []
        for _ in range(CANDIDATES):
            try:
                index = allocate_random_index(
                    lambda i: i in state.taken or i in batch,
                    size_bits=state.size_bits,
                    rng=self._rng,
                    attempts=CANDIDATES,
                )
            except StatusListError:
                break
            batch.append(index)
        return batch


def _connection() -> Any:
    # Core statements on the session's connection: the ORM's per-statement bookkeeping
    # would cost more than the queries themselves on the issuance path.
    return db.session.connection()


_TAKEN = select(Allocation.__table__.c.status_list_id, Allocation.__table__.c.index).where(
    Allocation.__table__.c.status_list_id.in_(bindparam("lists", expanding=True)),
    Allocation.__table__.c.index.in_(bindparam("indices", expanding=True)),
)


def _taken_pairs(
    pairs: set[tuple[int, int]], connection: Connection | None = None
) -> set[tuple[int, int]]:
    """Which (list id, index) pairs are allocated already (one prepared query)."""
    if not pairs:
        return set()
    rows = (
        (connection if connection is not None else _connection())
        .execute(
            _TAKEN,
            {"lists": sorted({p[0] for p in pairs}), "indices": sorted({p[1] for p in pairs})},
        )
        .all()
    )
    return {(row[0], row[1]) for row in rows} & pairs


def _all_taken(list_id: int) -> set[int]:
    return set(
        db.session.scalars(select(Allocation.index).where(Allocation.status_list_id == list_id))
    )


def _next_list(issuer: Any, purpose: str, after: int) -> _ListState:
    """List number ``after + 1`` (created here unless a concurrent issuance just did)."""
    number = after + 1
    try:
        with db.session.begin_nested():
            created = StatusList(
                issuer_id=issuer.id,
                purpose=purpose,
                number=number,
                size_bits=MIN_STATUS_LIST_BITS,
                bitstring=bytes(MIN_STATUS_LIST_BITS // 8),
                version=1,
            )
            db.session.add(created)
            db.session.flush()
    except IntegrityError:
        existing = db.session.execute(
            select(StatusList.id, StatusList.size_bits).where(
                StatusList.issuer_id == issuer.id,
                StatusList.purpose == purpose,
                StatusList.number == number,
            )
        ).one()
        return _ListState(existing.id, number, existing.size_bits)
    return _ListState(created.id, number, created.size_bits)


# --- changing a status -----------------------------------------------------------------------


def allocation_for(credential_id: str, purpose: str) -> tuple[Allocation, StatusList] | None:
    row = db.session.execute(
        select(Allocation, StatusList)
        .join(StatusList, StatusList.id == Allocation.status_list_id)
        .where(Allocation.credential_id == credential_id, StatusList.purpose == purpose)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def set_status(allocation: Allocation, value: bool) -> StatusList:
    """Set the credential's bit under a row lock (concurrent changes to one list queue up)
    and bump the list's version; the caller's transaction commits both."""
    status_list = db.session.scalar(
        select(StatusList)
        .where(StatusList.id == allocation.status_list_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert status_list is not None  # noqa: S101 - the allocation's foreign key holds it
    bits = Bitstring.from_bytes(status_list.bitstring, min_bits=status_list.size_bits)
    bits.set(allocation.index, value)
    status_list.bitstring = bits.to_bytes()
    status_list.version += 1
    status_list.updated_at = datetime.now(UTC)
    return status_list


def read_bit(allocation: Allocation) -> bool:
    data = db.session.scalar(
        select(StatusList.bitstring).where(StatusList.id == allocation.status_list_id)
    )
    return Bitstring.from_bytes(data or b"").get(allocation.index)


# --- publication -----------------------------------------------------------------------------


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
        self._cache: OrderedDict[tuple[int, int, int], PublishedList] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def published(self, slug: str, purpose: str, number: int) -> PublishedList | None:
        """The current signed list, or None if there is no such list. May commit the session
        (when it has to sign): call it outside any transaction of your own."""
        row = (
            _connection()
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
        cached = self._cached(key)
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

    def _cached(self, key: tuple[int, int, int]) -> PublishedList | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _remember(
        self, key: tuple[int, int, int], url: str, version: int, body: str | None
    ) -> PublishedList:
        if not body:
            raise StatusListError(f"status list {url} has no stored signed copy")
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
        published = PublishedList(url, version, body, digest, json.loads(body))
        with self._lock:
            self._cache[key] = published
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
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
LIST_CACHE_KEY = "microcred.current_status_lists"


def list_cache(app: Any) -> MutableMapping[tuple[int, str], tuple[int, int, int]]:
    """The app's memory of each (issuer, purpose)'s current list: (id, number, size)."""
    cache: MutableMapping[tuple[int, str], tuple[int, int, int]] | None = app.extensions.get(
        LIST_CACHE_KEY
    )
    if cache is None:
        cache = app.extensions[LIST_CACHE_KEY] = {}
    return cache


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
