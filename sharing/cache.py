"""A bounded, content-addressed store of rendered documents (PDFs, baked badges) on disk.

Entries are named by their key, a SHA-256 over everything that shapes the output (see
:mod:`sharing.keys`), so an entry never needs invalidating: when the credential's status,
the template or the branding changes, the key changes and the next request renders anew.
Stale entries simply stop being read and are evicted, least recently used first, when the
store grows past its bounds.

Files live in the instance folder, so every worker process of one machine shares them;
writes go to a temporary file that is renamed into place, so a reader never sees half a
PDF, and two processes rendering the same key at once both write the same bytes. Each
process keeps only an estimate of the store's size; when it crosses a bound the process
rescans the directory and evicts, which also corrects the estimate.

A key cannot be recomputed once the inputs are gone (an erased credential has no stored
document to hash), so an entry may be *tagged* with the id of what it renders: an empty
marker file ``owners/<sha256(owner)>/<key>.<ext>``. ``forget(owners)`` deletes the tagged
entries and their markers (a privacy erasure: the PDF carries the person's name).
Markers whose entry was evicted are swept at the next eviction.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = ["DocumentCache"]

_KEY: Final = re.compile(r"[0-9a-f]{64}")
_EXT: Final = re.compile(r"[a-z0-9]{1,8}")
#: The entries' folders: the first two hex digits of the key. Anything else (the owners'
#: index) is not an entry and never counted or evicted as one.
_PREFIX: Final = re.compile(r"[0-9a-f]{2}")
_OWNERS: Final = "owners"
#: How many (owner, entry) tags a process remembers having written, so that a cache hit
#: costs no extra system call once its marker is known to exist.
_TAG_MEMO: Final = 8192
#: A hit refreshes the entry's mtime (its LRU age) at most this often: one utime per hour
#: per entry, not one per request.
_TOUCH_AFTER_SECONDS: Final = 3600.0
#: Eviction goes below the bound, so that the next few writes do not rescan again.
_LOW_WATER: Final = 0.8


@dataclass(frozen=True, slots=True)
class _Entry:
    path: Path
    size: int
    mtime: float


class DocumentCache:
    """``get``/``put`` rendered bytes by (key, extension), within ``max_bytes``/``max_files``."""

    def __init__(self, *, root: Path, max_bytes: int, max_files: int) -> None:
        if max_bytes < 1 or max_files < 1:
            raise ValueError("the document cache needs positive bounds")
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self._lock = threading.Lock()
        self._estimate: tuple[int, int] | None = None  # (bytes, files), None until scanned
        self._tagged: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def _path(self, key: str, ext: str) -> Path:
        if not _KEY.fullmatch(key) or not _EXT.fullmatch(ext):
            raise ValueError(f"not a cache key: {key!r}.{ext!r}")
        return self.root / key[:2] / f"{key}.{ext}"

    def get(self, key: str, ext: str) -> bytes | None:
        """The stored bytes, or None (missing, or removed by another process meanwhile)."""
        path = self._path(key, ext)
        try:
            data = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError:
            self.misses += 1
            return None
        self.hits += 1
        now = time.time()
        if now - mtime > _TOUCH_AFTER_SECONDS:
            with contextlib.suppress(OSError):
                os.utime(path, (now, now))
        return data

    def put(self, key: str, ext: str, data: bytes, *, owner: str | None = None) -> None:
        """Store ``data`` atomically (tagged with ``owner`` when given); evicts old entries
        when the bounds are exceeded.

        A failure to write (disk full, read-only instance folder) is not the request's
        problem: the document was rendered and is served anyway, just not cached.
        """
        path = self._path(key, ext)
        if owner is not None:
            # The marker first: an entry on disk is never without its tag.
            self.tag(owner, key, ext)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix="." + ext)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            return
        self._account(len(data))

    # --- owners -------------------------------------------------------------------------

    def _owner_dir(self, owner: str) -> Path:
        digest = hashlib.sha256(owner.encode("utf-8")).hexdigest()
        return self.root / _OWNERS / digest[:2] / digest

    def tag(self, owner: str, key: str, ext: str) -> None:
        """Record that entry ``key.ext`` renders ``owner`` (a credential id): ``forget``
        finds it by that id. Cheap to repeat (a hit tags entries cached before tags
        existed); a failure to write only leaves the entry to the LRU."""
        self._path(key, ext)  # validates
        memo = f"{owner}\0{key}.{ext}"
        if memo in self._tagged:
            return
        folder = self._owner_dir(owner)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{key}.{ext}").touch(exist_ok=True)
        except OSError:
            return
        with self._lock:
            if len(self._tagged) >= _TAG_MEMO:
                self._tagged.clear()
            self._tagged.add(memo)

    def forget(self, owners: Iterable[str]) -> int:
        """Delete every entry tagged with one of ``owners``, and the tags; how many entries
        were deleted. Missing files are no error (evicted already, or forgotten by another
        process)."""
        removed = 0
        for owner in owners:
            folder = self._owner_dir(owner)
            try:
                markers = [item.name for item in os.scandir(folder)]
            except OSError:
                continue
            for name in markers:
                key, _, ext = name.partition(".")
                if _KEY.fullmatch(key) and _EXT.fullmatch(ext):
                    try:
                        self._path(key, ext).unlink()
                        removed += 1
                    except FileNotFoundError:
                        pass
                with contextlib.suppress(OSError):
                    (folder / name).unlink()
            with contextlib.suppress(OSError):
                folder.rmdir()
        with self._lock:
            self._tagged.clear()
            self._estimate = None  # rescanned at the next write
        return removed

    def _sweep_tags(self) -> None:
        """Delete the markers whose entry is gone (evicted), and emptied owner folders."""
        index = self.root / _OWNERS
        if not index.is_dir():
            return
        for folder in index.glob("*/*"):
            with contextlib.suppress(OSError):
                for item in os.scandir(folder):
                    key, _, ext = item.name.partition(".")
                    valid = _KEY.fullmatch(key) and _EXT.fullmatch(ext)
                    if not valid or not self._path(key, ext).exists():
                        with contextlib.suppress(OSError):
                            os.unlink(item.path)
                folder.rmdir()  # fails, suppressed, while it still holds markers
        self._tagged.clear()

    def _account(self, size: int) -> None:
        with self._lock:
            if self._estimate is None:
                entries = self._scan()
                self._estimate = (sum(e.size for e in entries), len(entries))
            else:
                total, count = self._estimate
                self._estimate = (total + size, count + 1)
            total, count = self._estimate
            if total > self.max_bytes or count > self.max_files:
                self._evict()

    def _scan(self) -> list[_Entry]:
        entries: list[_Entry] = []
        if not self.root.is_dir():
            return entries
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _PREFIX.fullmatch(folder.name):
                continue
            for item in os.scandir(folder):
                if item.name.startswith(".tmp-"):
                    continue
                with contextlib.suppress(OSError):
                    stat = item.stat()
                    entries.append(_Entry(Path(item.path), stat.st_size, stat.st_mtime))
        return entries

    def _evict(self) -> None:
        """Delete the least recently used entries until both bounds hold with some room."""
        entries = sorted(self._scan(), key=lambda e: e.mtime)
        total = sum(e.size for e in entries)
        count = len(entries)
        byte_goal = int(self.max_bytes * _LOW_WATER)
        file_goal = int(self.max_files * _LOW_WATER)
        for entry in entries:
            if total <= byte_goal and count <= file_goal:
                break
            with contextlib.suppress(OSError):
                entry.path.unlink()
                self.evictions += 1
            total -= entry.size
            count -= 1
        self._estimate = (total, count)
        self._sweep_tags()

    def usage(self) -> tuple[int, int]:
        """(bytes, files) actually on disk now (a scan: for tests and diagnostics)."""
        entries = self._scan()
        return sum(e.size for e in entries), len(entries)
