"""One time budget for a whole verification, shared by every fetch it makes.

Each fetch has its own bound (``verifier.http.SafeFetcher``), but their sum did not: a
credential with four status entries on a server that never answers, plus did:web
https-then-http fallbacks, held a worker for tens of seconds. The verifier opens a
budget for each verification; anything that waits (a fetch, a wait for another
thread's fetch) asks ``remaining()`` and waits no longer than that. When the budget is
spent, ``VerificationTimeoutError`` fails the check that was waiting: fail closed, with
"could not check in time", and the worker is free again.

The budget lives in a ``ContextVar``, so it follows the verification through the
resolvers without every protocol growing a parameter, and two verifications in two
threads never see each other's budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from credentials.errors import VerificationTimeoutError

__all__ = ["Budget", "budget", "current", "remaining"]


@dataclass(frozen=True, slots=True)
class Budget:
    """``seconds`` of wall-clock time from creation (monotonic clock)."""

    seconds: float
    ends: float = field(default=0.0)

    @classmethod
    def start(cls, seconds: float) -> Budget:
        return cls(seconds=seconds, ends=time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds left, possibly zero or negative (never raises)."""
        return self.ends - time.monotonic()

    @property
    def spent(self) -> bool:
        return self.left() <= 0

    def error(self) -> VerificationTimeoutError:
        return VerificationTimeoutError(
            f"could not check in time: the verification's {self.seconds:g} s budget ran out",
            details={"budget_seconds": self.seconds},
        )


_CURRENT: ContextVar[Budget | None] = ContextVar("microcred_verification_budget", default=None)


def current() -> Budget | None:
    """The budget of the verification running in this context, if any."""
    return _CURRENT.get()


@contextmanager
def budget(seconds: float | None) -> Iterator[Budget | None]:
    """Run the block under a budget of ``seconds`` (None: no budget of its own).

    Nested budgets never extend an outer one: the earlier end wins (a status list's own
    verification inside a credential's verification spends the credential's budget).
    """
    if seconds is None:
        yield _CURRENT.get()
        return
    new = Budget.start(seconds)
    outer = _CURRENT.get()
    if outer is not None and outer.ends <= new.ends:
        new = outer
    token = _CURRENT.set(new)
    try:
        yield new
    finally:
        _CURRENT.reset(token)


def remaining(cap: float) -> float:
    """How long the caller may wait: ``cap``, cut to what is left of the current budget.

    Raises ``VerificationTimeoutError`` when the budget is already spent.
    """
    active = _CURRENT.get()
    if active is None:
        return cap
    left = active.left()
    if left <= 0:
        raise active.error()
    return min(cap, left)
