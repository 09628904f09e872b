"""One small cache for the whole service, on cachetools: bounded, thread-safe, counted.

Every in-process cache (decoded contexts, RDF templates, decrypted keys, rendered
documents, verified status lists, trust answers…) is a ``Cache``: least recently used
entries go first, and with ``ttl`` entries also expire. Each counts its hits and misses
(``stats()``, and ``all_stats()`` over every named cache) so a benchmark can show what a
cache is worth. The HTTP cache of fetched documents (``verifier.cache.HttpCache``) stays
apart: it follows each response's own freshness headers and bounds bytes, not entries.

A cache must be keyed by everything that decided its value (docs/VERIFYING.md,
"No cross-talk"): the key's type says what that is at each use.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from cachetools import Cache as _Store
from cachetools import LRUCache, TTLCache

__all__ = ["Cache", "CacheStats", "all_stats"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_MISSING = object()
_NAMED: weakref.WeakValueDictionary[str, Cache[object, object]] = weakref.WeakValueDictionary()


@dataclass(frozen=True, slots=True)
class CacheStats:
    name: str
    size: int
    maxsize: int
    hits: int
    misses: int

    @property
    def hit_ratio(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0


class Cache(Generic[K, V]):
    """A bounded LRU (``ttl``: also expiring after that many seconds), safe across threads."""

    def __init__(
        self,
        maxsize: int,
        *,
        ttl: float | None = None,
        name: str = "",
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        """``timer`` (with ``ttl``): the clock entries expire by; tests pass their own."""
        self.name = name
        # Without ``ttl`` a plain dict mirrors the entries, for ``peek``'s lock-free reads.
        self._index: dict[K, V] | None = None
        if ttl is None:
            self._index = {}
            self._data: _Store[K, V] = _IndexedLRU(maxsize, self._index)
        else:
            self._data = TTLCache(maxsize=maxsize, ttl=ttl, timer=timer)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if name:
            _NAMED[name] = self  # type: ignore[assignment]

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __contains__(self, key: K) -> bool:
        with self._lock:
            return key in self._data

    def get(self, key: K) -> V | None:
        """The cached value (refreshing its recency), or None."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return None
            self.hits += 1
            return value  # type: ignore[return-value]

    def peek(self, key: K) -> V | None:
        """The cached value or None, read without the lock and without refreshing recency.

        For the verification hot path (RDF shapes, looked up once per document), where a
        refreshing ``get`` hashes the key three times (cachetools' lookup, read and
        reordering), and an RDF shape key is a tuple of hundreds of tokens: 0.6 % more
        instructions per verify-and-sign round (docs/PERFORMANCE.md, "Issue 12: caches";
        the processed contexts, with short keys, use ``get``). A plain dict read is atomic
        under the GIL and the index only changes under the lock, so the read is sound; the
        price is that a hit does not count as a use, so under churn a hot entry can be
        evicted and computed once more. Hit and miss counts may lose an increment between
        threads.
        A cache with ``ttl`` has no index (entries must expire): ``peek`` is ``get`` there.
        """
        if self._index is None:
            return self.get(key)
        value = self._index.get(key, _MISSING)
        if value is _MISSING:
            self.misses += 1
            return None
        self.hits += 1
        return value  # type: ignore[return-value]

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """(found, value): for caches whose values may themselves be None."""
        with self._lock:
            value = self._data.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return False, None
            self.hits += 1
            return True, value  # type: ignore[return-value]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._data[key] = value

    def setdefault(self, key: K, value: V) -> V:
        """The cached value if there is one (refreshing its recency), else ``value``, stored:
        one step under the lock, so two threads racing to add a key agree on its value."""
        with self._lock:
            found = self._data.get(key, _MISSING)
            if found is _MISSING:
                self._data[key] = value
                return value
            return found  # type: ignore[return-value]

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()``'s (stored). Computed outside the lock: two
        threads may compute the same value once each, which is harmless for pure values."""
        found, value = self.lookup(key)
        if found:
            return value  # type: ignore[return-value]
        value = compute()
        self.put(key, value)
        return value

    def pop(self, key: K) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self.name, len(self._data), int(self._data.maxsize), self.hits, self.misses
            )


class _IndexedLRU(LRUCache[K, V]):
    """An ``LRUCache`` keeping ``index`` (a plain dict) equal to its entries. Evictions and
    ``pop`` go through ``__delitem__`` in cachetools; ``clear`` does not."""

    def __init__(self, maxsize: int, index: dict[K, V]) -> None:
        super().__init__(maxsize=maxsize)
        self._index = index

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)  # evicts first, through __delitem__
        self._index[key] = value

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._index.pop(key, None)

    def clear(self) -> None:
        super().clear()
        self._index.clear()


def all_stats() -> list[CacheStats]:
    """Every named cache's figures, by name."""
    return [cache.stats() for _, cache in sorted(_NAMED.items())]
