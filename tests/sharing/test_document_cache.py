"""The content-addressed document cache: atomic writes, bounds, least-recently-used eviction."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from credentials.errors import ConfigurationError
from sharing.cache import DocumentCache


def key(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_put_then_get_returns_the_bytes(tmp_path: Path) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=10)
    assert cache.get(key(1), "pdf") is None
    cache.put(key(1), "pdf", b"%PDF-1.7 one")
    assert cache.get(key(1), "pdf") == b"%PDF-1.7 one"
    assert cache.get(key(1), "png") is None  # the extension is part of the name
    assert (cache.hits, cache.misses) == (1, 2)
    # No temporary files are left behind.
    assert [p.name for p in tmp_path.rglob(".tmp-*")] == []


def test_a_new_cache_on_the_same_folder_sees_the_entries(tmp_path: Path) -> None:
    DocumentCache(root=tmp_path, max_bytes=10_000, max_files=10).put(key(1), "pdf", b"shared")
    other_process = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=10)
    assert other_process.get(key(1), "pdf") == b"shared"


@pytest.mark.parametrize("bad", ["", "0" * 63, "g" * 64, "../" + "0" * 61, "A" * 64])
def test_only_sha256_hex_keys_name_files(tmp_path: Path, bad: str) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=10)
    with pytest.raises(ValueError, match="not a cache key"):
        cache.put(bad, "pdf", b"x")
    with pytest.raises(ValueError, match="not a cache key"):
        cache.get(key(1), "../pdf")


def test_byte_bound_evicts_least_recently_used_first(tmp_path: Path) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=1000, max_files=100)
    for n in range(4):
        cache.put(key(n), "pdf", bytes(200))
        # Distinct modification times: the oldest entry is the least recently used.
        stamp = time.time() - 10_000 + n * 100
        os.utime(cache._path(key(n), "pdf"), (stamp, stamp))
    # Reading entry 0 makes it recently used (its mtime is refreshed, being older than an hour).
    assert cache.get(key(0), "pdf") is not None
    cache.put(key(4), "pdf", bytes(200))  # 1000 bytes: still within the bound
    assert cache.usage() == (1000, 5)
    cache.put(key(5), "pdf", bytes(200))  # 1200 > 1000: evict down to 80 %
    size, count = cache.usage()
    assert size <= 800
    assert count == 4
    assert cache.get(key(1), "pdf") is None  # the oldest untouched entries went first
    assert cache.get(key(2), "pdf") is None
    assert cache.get(key(0), "pdf") is not None  # read recently: kept
    assert cache.get(key(5), "pdf") is not None
    assert cache.evictions == 2


def test_file_bound_holds_under_many_writes(tmp_path: Path) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=10**9, max_files=20)
    for n in range(200):
        cache.put(key(n), "png", b"badge")
    _, count = cache.usage()
    assert count <= 20


def test_unwritable_folder_does_not_fail_the_request(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder should be")
    cache = DocumentCache(root=blocker, max_bytes=1000, max_files=10)
    cache.put(key(1), "pdf", b"rendered anyway")  # no exception
    assert cache.get(key(1), "pdf") is None


def test_bounds_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="positive"):
        DocumentCache(root=tmp_path, max_bytes=0, max_files=10)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MICROCRED_DOCUMENT_CACHE_MAX_BYTES", "lots"),
        ("MICROCRED_DOCUMENT_CACHE_MAX_FILES", 0),
        ("MICROCRED_STATUS_MEMO_SECONDS", "-1"),
    ],
)
def test_bad_settings_are_configuration_errors(
    make_app: Callable[..., Flask], name: str, value: object
) -> None:
    with pytest.raises(ConfigurationError, match=name):
        make_app(**{name: value})


def test_settings_may_come_from_the_environment(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROCRED_DOCUMENT_CACHE_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("MICROCRED_DOCUMENT_CACHE_MAX_FILES", "7")
    app = make_app()
    cache = app.extensions["microcred.sharing"].cache
    assert cache.root == tmp_path / "from-env"
    assert cache.max_files == 7


# --- fl-privacy-self: entries tagged with their credential, forgotten on erasure ---


def test_forget_deletes_the_entries_tagged_with_an_owner_only(tmp_path: Path) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=100)
    cache.put(key(1), "pdf", b"%PDF Ada", owner="cred-ada")
    cache.put(key(2), "png", b"badge Ada", owner="cred-ada")
    cache.put(key(3), "pdf", b"%PDF Bola", owner="cred-bola")
    cache.put(key(4), "pdf", b"a sample preview")  # no owner
    # An entry cached before tags existed is tagged when it is read again.
    cache.put(key(5), "svg", b"old badge Ada")
    cache.tag("cred-ada", key(5), "svg")
    assert cache.usage()[1] == 5  # the tags are not entries

    assert cache.forget(["cred-ada", "nobody"]) == 3
    assert [cache.get(key(n), ext) for n, ext in ((1, "pdf"), (2, "png"), (5, "svg"))] == [
        None,
        None,
        None,
    ]
    assert cache.get(key(3), "pdf") == b"%PDF Bola"
    assert cache.get(key(4), "pdf") == b"a sample preview"
    assert cache.usage()[1] == 2
    # Forgetting again finds nothing; the owner's index folder is gone.
    assert cache.forget(["cred-ada"]) == 0
    assert not cache._owner_dir("cred-ada").exists()
    # Another process on the same folder forgets what this one cached.
    other_process = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=100)
    assert other_process.forget(["cred-bola"]) == 1
    assert cache.get(key(3), "pdf") is None


def test_eviction_never_counts_the_tags_and_sweeps_stale_ones(tmp_path: Path) -> None:
    cache = DocumentCache(root=tmp_path, max_bytes=10_000, max_files=5)
    for n in range(5):
        cache.put(key(n), "pdf", bytes(10), owner=f"cred-{n}")
        stamp = time.time() - 10_000 + n * 100
        os.utime(cache._path(key(n), "pdf"), (stamp, stamp))
    cache.put(key(9), "pdf", bytes(10), owner="cred-9")  # 6 > 5: evict down to 4
    assert cache.usage()[1] == 4
    evicted = [n for n in range(5) if cache.get(key(n), "pdf") is None]
    assert evicted == [0, 1]
    # The evicted entries' tags were swept with them; the others' stay.
    for n in evicted:
        assert not cache._owner_dir(f"cred-{n}").exists()
    assert (cache._owner_dir("cred-9") / f"{key(9)}.pdf").exists()
