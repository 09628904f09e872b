"""Our own issuers' DID documents and status lists, cached with an exact freshness check.

The composition root (``microcred.app``) lends these to the public verifier as
``verifier.web.interfaces.OwnSources``; this module knows nothing of the verifier.

``issuer.local_sources.DatabaseSources`` answers from the database through the ORM, in an
application context of its own, on every call. A verification asks it three times (the
DID document, the revocation list, the suspension list), which cost more than the
signature check itself: about 60 % of a request, profiled (docs/VERIFYING.md).

``FreshOwnSources`` keeps what it answered and reads only *stamps* that change whenever
the answer would:

- a DID document: the issuer's DID method and each signing key's id, fragment, public
  key, active and revoked state (``issuer.services.signing_keys.did_document`` is a
  function of exactly these);
- a status list: the list's id and ``version`` (bumped by every revoke, suspend and
  unsuspend) and the issuer's active key (a new key re-signs the list): the key
  ``StatusListPublisher`` caches its signed lists under.

Stamps are read with small indexed queries straight on a pooled DBAPI connection: the
issuer's keys and, in a ``verification_scope()``, all of its lists at once, kept for the
rest of that verification (one pool round trip per verification). Never the caller's
session or transaction, and without the ORM's per-call statement building.

When a stamp differs (or nothing is cached) the database source is asked as before, so a
revocation is seen by the very next verification, and whatever the source raises still
fails the check closed. Not-ours answers cost no query at all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import and_, bindparam, select

from credentials.caching import Cache
from credentials.did import did_web_for
from issuer.models import Issuer, SigningKey, StatusList
from issuer.services.status_lists import parse_status_list_url
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy import Engine
    from sqlalchemy.sql import ClauseElement

CACHE_SIZE = 1024

_ListStamps = dict[tuple[str, int], tuple[Any, ...]]
#: Status list stamps read during the current verification, per issuer slug.
_scope: ContextVar[dict[str, _ListStamps] | None] = ContextVar("own_list_stamps", default=None)


@contextmanager
def verification_scope() -> Iterator[None]:
    """Read each issuer's list stamps once for the verification run inside (it reads a
    credential's revocation and suspension lists one after the other)."""
    token = _scope.set({})
    try:
        yield
    finally:
        _scope.reset(token)


_KEY_STAMP = (
    select(
        Issuer.did_method,
        SigningKey.id,
        SigningKey.fragment,
        SigningKey.public_key_multibase,
        SigningKey.is_active,
        SigningKey.revoked_at,
    )
    .outerjoin(SigningKey, SigningKey.issuer_id == Issuer.id)
    .where(Issuer.did == bindparam("did"))
    .order_by(SigningKey.id)
)
_LIST_STAMPS = (
    select(StatusList.purpose, StatusList.number, StatusList.id, StatusList.version, SigningKey.id)
    .join(Issuer, Issuer.id == StatusList.issuer_id)
    .outerjoin(
        SigningKey,
        and_(
            SigningKey.issuer_id == Issuer.id,
            SigningKey.is_active,
            SigningKey.revoked_at.is_(None),
        ),
    )
    .where(Issuer.slug == bindparam("slug"))
)


class DatabaseSourcesLike(Protocol):
    def owns_did(self, did: str) -> bool: ...

    def document_for(self, did: str) -> Mapping[str, Any] | None: ...

    def status_list_for(self, url: str) -> Mapping[str, Any] | None: ...


class _StampedCache:
    """A bounded LRU of key -> (stamp, value), safe across request threads."""

    def __init__(self, size: int, *, name: str = "") -> None:
        self._items: Cache[str, tuple[Hashable, Mapping[str, Any]]] = Cache(size, name=name)

    def get(self, key: str, stamp: Hashable) -> Mapping[str, Any] | None:
        found = self._items.get(key)
        if found is None or found[0] != stamp:
            return None
        return found[1]

    def put(self, key: str, stamp: Hashable, value: Mapping[str, Any]) -> None:
        self._items.put(key, (stamp, value))


class _Query:
    """A statement compiled once for the engine's dialect, run on a raw DBAPI cursor."""

    def __init__(self, engine: Engine, statement: ClauseElement) -> None:
        self._compiled: Any = cast(Any, statement.compile(dialect=engine.dialect))  # SQLCompiler
        self._positional = self._compiled.positiontup  # None for named paramstyles

    def rows(self, cursor: Any, **values: Any) -> list[tuple[Any, ...]]:
        params = self._compiled.construct_params(values)
        args: Any = [params[name] for name in self._positional] if self._positional else params
        cursor.execute(self._compiled.string, args)
        return [tuple(row) for row in cursor.fetchall()]


def _fetch(engine: Engine, *calls: tuple[_Query, dict[str, Any]]) -> list[list[tuple[Any, ...]]]:
    """Run queries on one pooled connection (returned at once; the pool rolls back)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            return [query.rows(cursor, **values) for query, values in calls]
        finally:
            cursor.close()
    finally:
        connection.close()


class FreshOwnSources:
    """``LocalDidSource`` + ``LocalStatusListSource`` over ``DatabaseSources``, cached."""

    def __init__(self, app: Flask, inner: DatabaseSourcesLike, *, size: int = CACHE_SIZE) -> None:
        self._app = app
        self._inner = inner
        self._base_url: str = app.config["MICROCRED_BASE_URL"]
        self._dids = _StampedCache(size, name="verify.own_did_documents")
        self._lists = _StampedCache(size, name="verify.own_status_lists")
        self._did_prefix = did_web_for(self._base_url, "issuers") + ":"
        self._engine: Engine | None = None
        self._queries: tuple[_Query, _Query] | None = None

    def __repr__(self) -> str:
        return f"FreshOwnSources({self._inner!r})"

    def document_for(self, did: str) -> Mapping[str, Any] | None:
        if not self._inner.owns_did(did):
            return None
        keys, lists = self._compiled()
        memo = _scope.get()
        slug = did[len(self._did_prefix) :] if did.startswith(self._did_prefix) else None
        if memo is not None and slug and slug not in memo:
            # The status lists come next in a verification: read their stamps now, on the
            # same connection (one round trip to the pool per verification).
            key_rows, list_rows = _fetch(
                self._get_engine(), (keys, {"did": did}), (lists, {"slug": slug})
            )
            memo[slug] = _list_stamps(list_rows)
        else:
            (key_rows,) = _fetch(self._get_engine(), (keys, {"did": did}))
        return self._answer(self._dids, did, tuple(key_rows), self._inner.document_for)

    def status_list_for(self, url: str) -> Mapping[str, Any] | None:
        parsed = parse_status_list_url(self._base_url, url)
        if parsed is None:
            # Not ours, or ours but malformed: the database source tells which (and raises).
            return self._inner.status_list_for(url)
        slug, purpose, number = parsed
        stamp = self._list_stamps(slug).get((purpose, number), ())
        return self._answer(self._lists, url, stamp, self._inner.status_list_for)

    def _list_stamps(self, slug: str) -> _ListStamps:
        """Every list of the issuer (once per ``verification_scope``)."""
        memo = _scope.get()
        if memo is not None and slug in memo:
            return memo[slug]
        (rows,) = _fetch(self._get_engine(), (self._compiled()[1], {"slug": slug}))
        stamps = _list_stamps(rows)
        if memo is not None:
            memo[slug] = stamps
        return stamps

    def _answer(
        self,
        cache: _StampedCache,
        key: str,
        stamp: tuple[Any, ...],
        ask: Callable[[str], Mapping[str, Any] | None],
    ) -> Mapping[str, Any] | None:
        if stamp:  # nothing in the database: let the source say so (it raises)
            cached = cache.get(key, stamp)
            if cached is not None:
                return cached
        answer = ask(key)
        if answer is not None and stamp:
            cache.put(key, stamp, answer)
        return answer

    def _get_engine(self) -> Engine:
        if self._engine is None:
            with self._app.app_context():
                self._engine = db.engine
        return self._engine

    def _compiled(self) -> tuple[_Query, _Query]:
        if self._queries is None:
            engine = self._get_engine()
            self._queries = (_Query(engine, _KEY_STAMP), _Query(engine, _LIST_STAMPS))
        return self._queries


def _list_stamps(rows: list[tuple[Any, ...]]) -> _ListStamps:
    return {(row[0], row[1]): row[2:] for row in rows}
