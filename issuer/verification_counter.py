"""Anonymous verification counts, gathered in memory and written in batches.

The public verifier tells ``VerificationCounter`` (through ``OwnSources.count``) the
issuer DID and the credential id of each authentic credential it verified. The request
only adds 1 to a dict under a lock: no database write, no query (the verify path's
instruction budget, docs/PERFORMANCE.md). Nothing about the verifier is kept: the key is
(issuer DID, credential id, UTC day).

**Flushing.** Each process flushes its own buffer: a daemon thread wakes every
``MICROCRED_VERIFICATION_FLUSH_SECONDS`` (60), at once when the buffer holds
``MAX_KEYS`` keys, and once more when the process exits normally (``atexit``: a gunicorn
worker's graceful stop, a restart after ``max_requests``). A flush is one transaction of
upserts that *add* (``issuer.services.verification_counts.add``), so any number of
gunicorn workers, each with its own buffer, sum correctly. That is why it is not a
periodic Huey task: the task runs in the ``microcred worker`` process, which cannot reach
the web workers' memory. A flush that fails (database down) puts its counts back.

**What a crash loses**: a process killed without an orderly exit (SIGKILL, out of
memory, power) loses what its buffer held: at most the verifications it saw since its
last flush, i.e. ``FLUSH_SECONDS`` of its traffic, and never more than ``MAX_KEYS``
distinct (credential, day) keys. Past ``MAX_KEYS`` distinct keys between two flushes, new
keys are dropped (counted in ``dropped`` and logged) rather than letting a flood of
foreign credentials grow memory without bound; existing keys still count.

Which credentials are ours is decided at flush time, not in the request: the upsert only
matches a stored credential with that id whose provider has (or had) that DID.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from issuer.services import verification_counts
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

EXTENSION_KEY = "microcred.verification_counter"
FLUSH_SECONDS = 60
MAX_KEYS = 100_000
_EPOCH = date(1970, 1, 1)

_Key = tuple[str, str, int]  # issuer DID, credential id, UTC day as days since 1970


class VerificationCounter:
    """``OwnSources.count`` for this service: buffer in the request, flush in batches."""

    def __init__(self, app: Flask, *, interval: float, max_keys: int = MAX_KEYS) -> None:
        self._app = app
        self._interval = interval  # 0: no thread (tests flush by hand)
        self._max_keys = max_keys
        self._lock = threading.Lock()
        self._counts: dict[_Key, int] = {}
        self._wake = threading.Event()
        self._pid = 0  # the process whose thread runs (a fork has none yet)
        self.dropped = 0

    def __call__(self, issuer_did: str, credential_id: str, /) -> None:
        key = (issuer_did, credential_id, int(time.time()) // 86_400)
        with self._lock:
            counts = self._counts
            if key in counts:
                counts[key] += 1
            elif len(counts) < self._max_keys:
                counts[key] = 1
                if len(counts) == self._max_keys:
                    self._wake.set()
            else:
                self.dropped += 1
                return
        if self._pid != os.getpid() and self._interval > 0:
            self._start()

    @property
    def pending(self) -> int:
        """Verifications buffered, not yet written."""
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> int:
        """Write the buffer in one transaction; the keys written (a key that is not one of
        our credentials writes nothing). On failure the counts go back."""
        with self._lock:
            batch, self._counts = self._counts, {}
        if not batch:
            return 0
        dated = {
            (did, cid, _EPOCH + timedelta(days=day)): n for (did, cid, day), n in batch.items()
        }
        try:
            with self._app.app_context():
                try:
                    touched = verification_counts.add(dated)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
        except Exception:
            logger.exception("verification counts: flush failed, %d keys kept", len(batch))
            self._put_back(batch)
            return 0
        if self.dropped:
            logger.warning("verification counts: %d verifications dropped", self.dropped)
            self.dropped = 0
        return touched

    def _put_back(self, batch: dict[_Key, int]) -> None:
        with self._lock:
            for key, n in batch.items():
                if key in self._counts or len(self._counts) < self._max_keys:
                    self._counts[key] = self._counts.get(key, 0) + n
                else:
                    self.dropped += n

    def _start(self) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._wake = threading.Event()
        thread = threading.Thread(target=self._run, name="verification-counts", daemon=True)
        thread.start()
        atexit.register(self.flush)

    def _run(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            self.flush()


def init_app(app: Flask) -> VerificationCounter:
    """One counter per app; tests (``TESTING``) start no thread unless configured."""
    default = 0 if app.testing else FLUSH_SECONDS
    setting = app.config.get("MICROCRED_VERIFICATION_FLUSH_SECONDS") or os.environ.get(
        "MICROCRED_VERIFICATION_FLUSH_SECONDS"
    )
    interval = float(setting) if setting not in (None, "") else default
    counter = VerificationCounter(app, interval=interval)
    app.extensions[EXTENSION_KEY] = counter
    return counter
