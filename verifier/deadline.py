"""The total-time bound of one fetch: a deadline and a watchdog that enforces it.

Socket timeouts bound each operation, not their sum: a server that sends one byte every
few seconds (during the TLS handshake, the headers or the body) never trips them. The
watchdog shuts the TCP connection down when the deadline passes, so whatever call is
blocked returns at once and the fetch fails with "total timeout". It is armed as soon as
the TCP connection exists, before the TLS handshake, by the connection classes below.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field

from urllib3.connection import HTTPConnection, HTTPSConnection

from credentials.errors import ResolutionError


@dataclass
class Deadline:
    """Wall-clock budget of one fetch (monotonic), with a watchdog on the socket."""

    url: str
    total: float
    ends: float = field(init=False)
    fired: bool = field(default=False, init=False)
    _timer: threading.Timer | None = field(default=None, init=False)
    _watched: socket.socket | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.ends = time.monotonic() + self.total

    def remaining(self) -> float:
        left = self.ends - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def error(self) -> ResolutionError:
        return ResolutionError(
            f"fetching {self.url} took longer than {self.total:g} s (total timeout)",
            details={"url": self.url, "timeout": self.total},
        )

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the budget runs out. A duplicate descriptor is watched:
        TLS wrapping takes over the original object, but shutdown(2) acts on the
        connection that both descriptors share."""
        self.close()  # a previous address's watchdog, if any
        with self._lock:
            self._watched = sock.dup()
        self._timer = threading.Timer(max(self.ends - time.monotonic(), 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        # Under the lock: close() must not free the descriptor number while we use it, or
        # a shutdown could hit an unrelated socket that reused it.
        with self._lock:
            self.fired = True
            if self._watched is not None:
                with contextlib.suppress(OSError):
                    self._watched.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Disarm the watchdog (idempotent)."""
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._watched is not None:
                self._watched.close()
                self._watched = None


class _WatchedMixin:
    """Arms the deadline's watchdog as soon as the TCP connection exists (before TLS)."""

    deadline: Deadline

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        self.deadline.watch(sock)
        return sock


class PinnedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    """Created with the vetted IP as host and the name as ``server_hostname``."""


class PinnedHTTPConnection(_WatchedMixin, HTTPConnection):
    """Plain http (development only), created with the vetted IP as host."""
