"""Drawing a free random index in an issuer's current lists, for one issuance.

The index is drawn at random (herd privacy: neighbours in a list are not neighbours in
time) and checked against the database before the credential is signed. Uniqueness
itself is the database's job: UNIQUE (status_list_id, index) makes the loser of a race
fail its insert, and the issuance service draws again (see ``issuer.services.issuance``).
A list that is full is followed by a new one with the next number.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError

from credentials.errors import StatusListError
from credentials.statuslist import allocate_random_index, status_list_entry
from issuer.models import MIN_STATUS_LIST_BITS, STATUS_PURPOSES, StatusList
from issuer.models import StatusAllocation as Allocation
from issuer.services.status_lists._session import session_connection
from issuer.services.status_lists.urls import status_list_url
from microcred.platform.extensions import db

#: Candidates drawn per purpose and checked with one query; a collision is then rare
#: until a list is nearly full.
CANDIDATES = 8
#: After this many fully taken batches the list's taken indices are read in one go.
BATCHES_BEFORE_SCAN = 4


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
                session_connection()
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
        (connection if connection is not None else session_connection())
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


LIST_CACHE_KEY = "microcred.current_status_lists"


def list_cache(app: Any) -> MutableMapping[tuple[int, str], tuple[int, int, int]]:
    """The app's memory of each (issuer, purpose)'s current list: (id, number, size)."""
    cache: MutableMapping[tuple[int, str], tuple[int, int, int]] | None = app.extensions.get(
        LIST_CACHE_KEY
    )
    if cache is None:
        cache = app.extensions[LIST_CACHE_KEY] = {}
    return cache
