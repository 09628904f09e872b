"""HttpCache: freshness from HTTP headers, bounds, no stale serving, one fetch per burst.

End-to-end tests count the hits a real loopback server sees; the cache's clock is a
settable number so that "after max-age" needs no sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from credentials.errors import ResolutionError
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    https_server_fixture,
    tls_fixture,
)
from verifier.cache import HttpCache, parse_cache_control
from verifier.http import FetchResult, SafeFetcher

FETCHED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def result(url: str = "https://a.example/x", size: int = 10, **headers: str) -> FetchResult:
    return FetchResult(
        url=url,
        status=200,
        headers={k.replace("_", "-"): v for k, v in headers.items()},
        data={"url": url},
        fetched_at=FETCHED,
        size=size,
    )


@pytest.fixture
def fetcher(tls: TlsMaterial) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path)


# --- against a server: hits are counted -----------------------------------------------------


def test_cached_within_max_age_and_fetched_again_after(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    clock = Clock()
    cache = HttpCache(clock=clock)
    https_server.route("/did.json", {"v": 1}, headers={"Cache-Control": "public, max-age=60"})
    url = https_server.url("/did.json")

    assert cache.get_or_fetch(url, fetcher.fetch_json) == {"v": 1}
    clock.now += 59
    assert cache.get_or_fetch(url, fetcher.fetch_json) == {"v": 1}
    assert https_server.hits("/did.json") == 1

    https_server.route("/did.json", {"v": 2}, headers={"Cache-Control": "max-age=60"})
    clock.now += 2
    assert cache.get_or_fetch(url, fetcher.fetch_json) == {"v": 2}
    assert https_server.hits("/did.json") == 2


@pytest.mark.parametrize("header", ["no-store", "no-cache", "max-age=0", "private, no-store"])
def test_uncacheable_responses_are_fetched_every_time(
    https_server: TestServer, fetcher: SafeFetcher, header: str
) -> None:
    cache = HttpCache(clock=Clock())
    https_server.route("/status/1", {"v": 1}, headers={"Cache-Control": header})
    url = https_server.url("/status/1")

    for _ in range(3):
        assert cache.get_or_fetch(url, fetcher.fetch_json) == {"v": 1}

    assert https_server.hits("/status/1") == 3
    assert len(cache) == 0


def test_expired_entry_whose_refetch_fails_is_not_served_stale(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    clock = Clock()
    cache = HttpCache(clock=clock)
    https_server.route("/status/1", {"v": 1}, headers={"Cache-Control": "max-age=60"})
    url = https_server.url("/status/1")
    cache.get_or_fetch(url, fetcher.fetch_json)

    https_server.route("/status/1", {"error": "down"}, status=503)
    clock.now += 61

    with pytest.raises(ResolutionError, match=r"answered HTTP 503"):
        cache.get_or_fetch(url, fetcher.fetch_json)
    assert cache.get(url) is None


def test_concurrent_misses_share_one_fetch(https_server: TestServer, fetcher: SafeFetcher) -> None:
    cache = HttpCache(clock=Clock())
    https_server.route("/did.json", {"v": 1}, headers={"Cache-Control": "max-age=60"}, delay=0.3)
    url = https_server.url("/did.json")
    answers: list[object] = []

    def verify() -> None:
        answers.append(cache.get_or_fetch(url, fetcher.fetch_json))

    threads = [threading.Thread(target=verify) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert answers == [{"v": 1}] * 8
    assert https_server.hits("/did.json") == 1


def test_concurrent_misses_share_one_failure(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    cache = HttpCache(clock=Clock())
    https_server.route("/status/1", {"error": "x"}, status=500, delay=0.3)
    url = https_server.url("/status/1")
    errors: list[str] = []

    def verify() -> None:
        try:
            cache.get_or_fetch(url, fetcher.fetch_json)
        except ResolutionError as exc:
            errors.append(exc.message)

    threads = [threading.Thread(target=verify) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(errors) == 6
    assert all("answered HTTP 500" in message for message in errors)
    assert https_server.hits("/status/1") == 1


# --- freshness rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "ttl"),
    [
        ({}, 300.0),  # no information: the default
        ({"cache_control": "max-age=120"}, 120.0),
        ({"cache_control": "max-age=120, s-maxage=30"}, 30.0),  # shared cache
        ({"cache_control": 'max-age="45"'}, 45.0),
        ({"cache_control": "MAX-AGE=10"}, 10.0),
        ({"cache_control": "max-age=120", "age": "100"}, 20.0),
        ({"cache_control": "max-age=120", "age": "500"}, 0.0),
        ({"cache_control": "max-age=-5"}, 0.0),  # invalid: stale
        ({"cache_control": "max-age=ten"}, 0.0),
        ({"cache_control": "max-age=60, max-age=600"}, 60.0),  # contradiction: shortest
        ({"cache_control": "max-age=9999999"}, 86_400.0),  # clamped to max_ttl
        ({"cache_control": "no-store, max-age=600"}, 0.0),
        ({"cache_control": "no-cache, max-age=600"}, 0.0),
        ({"cache_control": "public"}, 300.0),
        (
            {"date": "Mon, 01 Jun 2026 12:00:00 GMT", "expires": "Mon, 01 Jun 2026 12:10:00 GMT"},
            600.0,
        ),
        ({"expires": "Mon, 01 Jun 2026 12:05:00 GMT"}, 300.0),  # against fetched_at
        ({"expires": "Mon, 01 Jun 2026 11:00:00 GMT"}, 0.0),  # in the past
        ({"expires": "0"}, 0.0),  # invalid date = already expired
        ({"expires": "Mon, 01 Jun 2026 12:10:00 GMT", "cache_control": "max-age=5"}, 5.0),
    ],
)
def test_ttl_from_headers(headers: dict[str, str], ttl: float) -> None:
    cache = HttpCache()

    got = cache.ttl_for({k.replace("_", "-"): v for k, v in headers.items()}, fetched_at=FETCHED)

    assert got == ttl


def test_parse_cache_control() -> None:
    assert parse_cache_control(' Public , max-age="60", no-transform,,') == {
        "public": None,
        "max-age": "60",
        "no-transform": None,
    }


# --- bounds -----------------------------------------------------------------------------


def test_least_recently_used_entry_is_evicted_first() -> None:
    cache = HttpCache(max_entries=2, clock=Clock())
    cache.put(result("https://a.example/1"))
    cache.put(result("https://a.example/2"))
    assert cache.get("https://a.example/1") is not None  # 1 is now the most recent

    cache.put(result("https://a.example/3"))

    assert cache.get("https://a.example/2") is None
    assert cache.get("https://a.example/1") is not None
    assert cache.get("https://a.example/3") is not None


def test_size_bound_evicts_and_an_oversized_document_is_not_stored() -> None:
    cache = HttpCache(max_bytes=1000, clock=Clock())
    cache.put(result("https://a.example/1", size=400))
    cache.put(result("https://a.example/2", size=400))
    cache.put(result("https://a.example/3", size=400))

    assert cache.get("https://a.example/1") is None
    assert cache.size == 800

    assert cache.put(result("https://a.example/big", size=1001)) == 0.0
    assert cache.get("https://a.example/big") is None
    assert len(cache) == 2


def test_replacing_an_entry_keeps_the_size_accounting_right() -> None:
    cache = HttpCache(clock=Clock())
    cache.put(result(size=100))
    cache.put(result(size=30))
    cache.put(result(size=50, cache_control="no-store"))  # drops the stored one

    assert cache.size == 0
    assert len(cache) == 0


def test_expired_entries_are_dropped_on_read() -> None:
    clock = Clock()
    cache = HttpCache(clock=clock)
    cache.put(result(cache_control="max-age=10"))
    clock.now += 10

    assert cache.get("https://a.example/x") is None
    assert cache.size == 0
