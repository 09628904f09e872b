"""A bounded, thread-safe cache of fetched JSON documents that obeys HTTP caching headers.

DID documents and status lists change rarely but must not be believed forever: a revoked
key or a newly revoked credential has to show within the issuer's stated freshness.
Freshness follows RFC 9111 as a shared cache would (``s-maxage`` over ``max-age`` over
``Expires``, minus ``Age``); ``no-store`` and ``no-cache`` are never stored (we do not
revalidate, so "must revalidate every time" means "fetch every time"). Without any header
the entry lives ``default_ttl`` seconds. Lifetimes are clamped to ``[0, max_ttl]``.

There is no stale serving: an expired entry is fetched again, and if that fetch fails the
caller gets the failure. For status lists that is the point (fail closed): a list that is
no longer reachable must not keep vouching for a credential.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from credentials import budget
from credentials.errors import ResolutionError, VerificationTimeoutError
from verifier.http import FetchResult

MIB = 1024 * 1024
#: Without a verification budget a waiter waits as long as a fetch may take in all.
_NO_BUDGET_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class _Entry:
    data: Mapping[str, Any]
    size: int
    expires: float  # on the cache's (monotonic) clock


@dataclass(slots=True)
class _Flight:
    """A fetch in progress that other threads wait for instead of fetching again."""

    done: threading.Event = field(default_factory=threading.Event)
    data: Mapping[str, Any] | None = None
    error: BaseException | None = None

    def outcome(self) -> Mapping[str, Any]:
        """The leader's result; raises VerificationTimeoutError when the waiter's own
        verification budget runs out first."""
        active = budget.current()
        if not self.done.wait(budget.remaining(_NO_BUDGET_WAIT)):
            if active is not None:
                raise active.error()
            raise ResolutionError("a shared fetch took too long")
        if self.error is not None:
            # A copy: one exception object raised in several threads would share a traceback.
            raise copy.copy(self.error)
        assert self.data is not None  # noqa: S101 - set before done when there is no error
        return self.data


class HttpCache:
    """URL → parsed JSON document, bounded by entry count and approximate size (LRU).

    Size is counted in fetched body bytes (each body is at most the fetcher's
    ``max_bytes``); parsed objects take a few times that in memory, so keep ``max_bytes``
    well below the memory a worker may spend. Cached documents are shared between
    callers: treat them as read-only.
    """

    def __init__(
        self,
        *,
        max_entries: int = 512,
        max_bytes: int = 16 * MIB,
        default_ttl: float = 300.0,
        max_ttl: float = 86_400.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._inflight: dict[str, _Flight] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def size(self) -> int:
        """Approximate bytes held (the size of the fetched bodies)."""
        with self._lock:
            return self._bytes

    def get(self, url: str) -> Mapping[str, Any] | None:
        """The fresh cached document, or None (an expired entry is dropped)."""
        with self._lock:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if self._clock() >= entry.expires:
                self._drop(url)
                return None
            self._entries.move_to_end(url)
            return entry.data

    def put(self, result: FetchResult) -> float:
        """Store a fetch result for as long as its headers allow; returns that lifetime
        (0 when it was not stored: uncacheable, or larger than the whole cache)."""
        ttl = self.ttl_for(result.headers, fetched_at=result.fetched_at)
        size = max(result.size, 1)
        with self._lock:
            if result.url in self._entries:
                self._drop(result.url)
            if ttl <= 0 or size > self.max_bytes:
                return 0.0
            self._entries[result.url] = _Entry(result.data, size, self._clock() + ttl)
            self._bytes += size
            self._evict()
        return ttl

    def get_or_fetch(self, url: str, fetch: Callable[[str], FetchResult]) -> Mapping[str, Any]:
        """The cached document, or ``fetch(url)``'s (stored if cacheable). Errors propagate.

        Concurrent misses for one URL share a single fetch and its outcome, failure
        included: a burst of verifications naming one slow or dead host costs one request.
        """
        cached = self.get(url)
        if cached is not None:
            return cached
        with self._lock:
            flight = self._inflight.get(url)
            leading = flight is None
            if flight is None:
                flight = self._inflight[url] = _Flight()
        if not leading:
            try:
                return flight.outcome()
            except VerificationTimeoutError:
                active = budget.current()
                if active is not None and active.spent:
                    raise
                # The leader ran out of *its* verification's time, not ours: one
                # request's budget must not decide another's verdict, so fetch again.
                return self._fetch_and_store(url, fetch)
        try:
            result = fetch(url)
            self.put(result)
            flight.data = result.data
            return result.data
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._inflight[url]
            flight.done.set()

    def _fetch_and_store(self, url: str, fetch: Callable[[str], FetchResult]) -> Mapping[str, Any]:
        result = fetch(url)
        self.put(result)
        return result.data

    def invalidate(self, url: str) -> None:
        with self._lock:
            if url in self._entries:
                self._drop(url)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    # --- freshness (RFC 9111 §4.2) ----------------------------------------------------------

    def ttl_for(self, headers: Mapping[str, str], *, fetched_at: datetime | None = None) -> float:
        """Seconds a response with these (lower-case) headers stays fresh, clamped."""
        lifetime = _freshness_lifetime(headers, fetched_at or datetime.now(UTC))
        if lifetime is None:
            lifetime = self.default_ttl
        age = _delta_seconds(headers.get("age"))
        if age is not None:
            lifetime -= age
        return float(min(max(lifetime, 0.0), self.max_ttl))

    # --- internals (callers hold the lock) ----------------------------------------------------

    def _drop(self, url: str) -> None:
        entry = self._entries.pop(url)
        self._bytes -= entry.size

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.max_entries or self._bytes > self.max_bytes
        ):
            _, entry = self._entries.popitem(last=False)
            self._bytes -= entry.size


def _freshness_lifetime(headers: Mapping[str, str], fetched_at: datetime) -> float | None:
    """Seconds from the headers, 0 for "do not store", or None when they say nothing."""
    directives = parse_cache_control(headers.get("cache-control", ""))
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    for name in ("s-maxage", "max-age"):  # a shared cache prefers s-maxage
        if name in directives:
            seconds = _delta_seconds(directives[name])
            # An invalid value makes the response stale (RFC 9111 §4.2.1), not long-lived.
            return 0.0 if seconds is None else float(seconds)
    if "expires" in headers:
        return _expires_lifetime(headers, fetched_at)
    return None


def _expires_lifetime(headers: Mapping[str, str], fetched_at: datetime) -> float:
    expires = _http_date(headers["expires"])
    if expires is None:
        return 0.0  # "Expires: 0" and other invalid dates mean already expired (§5.3)
    # Measure against the server's own Date when it sends one: clocks disagree.
    base = _http_date(headers.get("date", "")) or fetched_at
    return (expires - base).total_seconds()


def parse_cache_control(value: str) -> dict[str, str | None]:
    """``Cache-Control`` directives, lower-cased; for a repeated directive the smallest
    numeric value wins (the conservative reading of a contradictory header)."""
    directives: dict[str, str | None] = {}
    for part in value.split(","):
        name, sep, arg = part.strip().partition("=")
        name = name.strip().lower()
        if not name:
            continue
        argument = arg.strip().strip('"') if sep else None
        previous = directives.get(name)
        if name in directives and previous is not None and argument is not None:
            old, new = _delta_seconds(previous), _delta_seconds(argument)
            if old is None or (new is not None and new >= old):
                continue
        directives[name] = argument
    return directives


def _delta_seconds(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.isdigit():
        return None
    return min(int(value), 2**31)  # RFC 9111 §1.2.2: cap absurd values


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
