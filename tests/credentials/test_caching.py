"""credentials.caching: the one bounded, thread-safe, counted cache every module uses."""

from __future__ import annotations

import threading

from credentials.caching import Cache, all_stats


def test_least_recently_used_goes_first() -> None:
    cache: Cache[str, int] = Cache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)
    assert len(cache) == 2


def test_entries_expire_by_the_given_clock() -> None:
    now = [100.0]
    cache: Cache[str, str] = Cache(8, ttl=60, timer=lambda: now[0])
    cache.put("k", "v")
    now[0] += 59
    assert cache.get("k") == "v"
    now[0] += 2
    assert cache.get("k") is None


def test_none_is_a_value_that_lookup_tells_apart_from_a_miss() -> None:
    cache: Cache[str, str | None] = Cache(4)
    assert cache.lookup("k") == (False, None)
    cache.put("k", None)
    assert cache.lookup("k") == (True, None)


def test_hits_and_misses_are_counted() -> None:
    cache: Cache[str, int] = Cache(4, name="test.counted")
    cache.get("x")
    cache.put("x", 1)
    cache.get("x")
    assert cache.get_or_compute("y", lambda: 2) == 2
    assert cache.get_or_compute("y", lambda: 3) == 2
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.size, stats.maxsize) == (2, 2, 2, 4)
    assert stats.hit_ratio == 0.5
    assert any(s.name == "test.counted" and s.hits == 2 for s in all_stats())


def test_threads_never_overfill_it() -> None:
    cache: Cache[int, int] = Cache(50)

    def fill(offset: int) -> None:
        for i in range(2_000):
            cache.put(offset + i, i)
            cache.get(offset + i // 2)

    threads = [threading.Thread(target=fill, args=(n * 10_000,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50


def test_pop_and_clear() -> None:
    cache: Cache[str, int] = Cache(4)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.pop("a")
    cache.pop("missing")
    assert "a" not in cache
    assert "b" in cache
    cache.clear()
    assert len(cache) == 0


def test_peek_reads_without_refreshing_recency_and_forgets_evicted_entries() -> None:
    cache: Cache[str, int] = Cache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.peek("a") == 1  # a hit, but "a" stays the least recently used
    cache.put("c", 3)
    assert cache.peek("a") is None  # evicted: the lock-free index follows cachetools
    assert (cache.peek("b"), cache.peek("c")) == (2, 3)
    cache.pop("b")
    assert cache.peek("b") is None
    cache.clear()
    assert cache.peek("c") is None
    assert (cache.hits, cache.misses) == (3, 3)


def test_peek_on_an_expiring_cache_still_expires() -> None:
    now = [0.0]
    cache: Cache[str, str] = Cache(4, ttl=10, timer=lambda: now[0])
    cache.put("k", "v")
    assert cache.peek("k") == "v"
    now[0] += 11
    assert cache.peek("k") is None


def test_setdefault_keeps_the_first_value() -> None:
    cache: Cache[str, list[int]] = Cache(4)
    first = cache.setdefault("k", [1])
    assert cache.setdefault("k", [2]) is first
    assert cache.peek("k") is first
