"""What a certificate, a badge or a profile says about a credential *now*.

Two sources, and the worse of the two wins:

1. The database, which is authoritative for our own credentials and cheap to read:
   revoked, suspended, a compromised (revoked) signing key, the validity window.
2. The app-wide ``Verifier`` (when the app has one): the same pipeline clients use, so a
   certificate never says "Valid" about a credential the verification page rejects
   (a broken proof, a key missing from the DID document, a status list bit set).

Running the verifier costs a few milliseconds, too much for the cached-PDF path, so its
verdict is memoised per credential and *database state*: a revocation or suspension
changes the state and so misses the memo at once, in every process; the memo's time to
live only bounds how late a purely time-based change (a key removed elsewhere) shows.
Expiry needs no memo: the database check compares ``valid_until`` with the clock on every
request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final, Literal

from credentials.caching import Cache
from credentials.errors import MicrocredError
from credentials.results import Verdict
from credentials.verify import Verifier

if TYPE_CHECKING:
    from sharing.interfaces import StoredCredential

__all__ = ["CredentialState", "StatusService", "database_state"]

logger = logging.getLogger(__name__)

Kind = Literal["valid", "warning", "invalid"]


@dataclass(frozen=True, slots=True)
class CredentialState:
    """``label`` is printed on certificates and badges; ``kind`` picks the colour."""

    verdict: Verdict
    reason: str

    @property
    def label(self) -> str:
        return _LABELS[self.verdict]

    @property
    def kind(self) -> Kind:
        if self.verdict is Verdict.VALID:
            return "valid"
        if self.verdict in (Verdict.SUSPENDED, Verdict.NOT_YET_VALID):
            return "warning"
        return "invalid"

    @property
    def is_valid(self) -> bool:
        return self.verdict is Verdict.VALID


_LABELS: Final = {
    Verdict.VALID: "Valid",
    Verdict.REVOKED: "Revoked",
    Verdict.SUSPENDED: "Suspended",
    Verdict.EXPIRED: "Expired",
    Verdict.NOT_YET_VALID: "Not yet valid",
    Verdict.INVALID: "Invalid",
}
#: Worst first, as ``VerificationResult.verdict`` ranks them.
_SEVERITY: Final = (
    Verdict.INVALID,
    Verdict.REVOKED,
    Verdict.SUSPENDED,
    Verdict.EXPIRED,
    Verdict.NOT_YET_VALID,
    Verdict.VALID,
)


def _worse(a: CredentialState, b: CredentialState) -> CredentialState:
    return a if _SEVERITY.index(a.verdict) <= _SEVERITY.index(b.verdict) else b


def database_state(issued: StoredCredential, now: datetime) -> CredentialState:
    """The state our own records give, worst condition first."""
    key = issued.signing_key
    if key is not None and key.revoked_at is not None:
        return CredentialState(
            Verdict.INVALID, "The key that signed it was revoked by the training provider."
        )
    if issued.revoked_at is not None:
        return CredentialState(Verdict.REVOKED, "The training provider revoked it.")
    if issued.suspended:
        return CredentialState(Verdict.SUSPENDED, "The training provider suspended it.")
    if issued.valid_until is not None and now > issued.valid_until:
        return CredentialState(Verdict.EXPIRED, "Its validity period has ended.")
    if now < issued.valid_from:
        return CredentialState(Verdict.NOT_YET_VALID, "Its validity period has not started.")
    return CredentialState(Verdict.VALID, "Every check passed.")


def _state_fingerprint(issued: StoredCredential) -> str:
    """Everything in the database that can change the verifier's verdict."""
    key = issued.signing_key
    parts = (
        issued.id,
        hashlib.sha256(issued.document.encode("utf-8")).hexdigest(),
        repr(issued.revoked_at),
        repr(bool(issued.suspended)),
        repr(key.revoked_at if key is not None else None),
    )
    return "\0".join(parts)


class StatusService:
    """Computes :class:`CredentialState`; one per app, shared by its threads."""

    def __init__(
        self,
        *,
        verifier: Callable[[], Verifier | None],
        memo_seconds: float = 60.0,
        memo_size: int = 4096,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self._verifier = verifier
        self._clock = clock
        self._monotonic = monotonic or time.monotonic
        # Keyed by the database state (a revocation is a new key at once); the time to
        # live bounds how late a purely time-based change shows.
        self._memo: Cache[str, CredentialState] = Cache(
            memo_size, ttl=memo_seconds, name="sharing.verified_state", timer=self._monotonic
        )
        self.verifications = 0

    def state(self, issued: StoredCredential) -> CredentialState:
        now = self._clock()
        state = database_state(issued, now)
        if state.verdict is Verdict.INVALID:
            return state
        verified = self._verified_state(issued)
        return state if verified is None else _worse(state, verified)

    def _verified_state(self, issued: StoredCredential) -> CredentialState | None:
        verifier = self._verifier()
        if verifier is None:
            return None
        fingerprint = _state_fingerprint(issued)
        cached = self._memo.get(fingerprint)
        if cached is not None:
            return cached
        state = self._verify(verifier, issued)
        if state is None:
            return None
        self._memo.put(fingerprint, state)
        return state

    def _verify(self, verifier: Verifier, issued: StoredCredential) -> CredentialState | None:
        self.verifications += 1
        try:
            result = verifier.verify(issued.document)
        except MicrocredError as exc:
            return CredentialState(Verdict.INVALID, exc.message)
        except Exception:
            # A verifier bug must not take the documents down; the database state, which
            # is authoritative for our own credentials, still applies.
            logger.exception("verifying credential %s for its documents failed", issued.id)
            return None
        verdict = result.verdict
        if verdict is Verdict.VALID:
            return CredentialState(verdict, "Every check passed.")
        failures = result.failures
        reason = failures[0].message if failures else result.summary
        return CredentialState(verdict, reason)
