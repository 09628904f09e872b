"""Checking a credential's Bitstring Status List entries (W3C Bitstring Status List §3.2),
and the older StatusList2021 and RevocationList2020 entries (``credentials.statuslist``
``_legacy``), dispatched once on the entry's ``type``.

A status list is itself a signed credential. It is trusted only when its own
proofs verify, it was issued by the credential's issuer, and it is inside its
validity window. Anything else (not fetchable, not verifiable, stale) fails the
status check: fail closed, so a revoked credential cannot pass by making its
list unreachable.

Verifying a list signature costs as much as verifying a credential, so the
outcome is cached. The key holds everything that decided it: the URL, the exact
content and the issuer the list had to come from (a list is authentic for one
issuer and not for another). Without the issuer in the key, one forged credential
naming a genuine list under another issuer would cache a failure that every genuine
credential on that list then read as theirs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from credentials.caching import Cache
from credentials.dates import parse_datetime
from credentials.errors import (
    InvalidInputError,
    MicrocredError,
    ResolutionError,
    StatusListError,
    VerificationTimeoutError,
)
from credentials.proofs import ProofVerification, verify_proofs
from credentials.resolvers import DidResolver, StatusListFetcher
from credentials.results import Check, Outcome
from credentials.statuslist import (
    ENTRY_TYPE,
    MIN_BITS,
    REVOCATION_LIST_2020,
    STATUS_LIST_2021,
    LegacyFormat,
    StatusEntry,
    StatusReading,
    parse_legacy_entry,
    parse_status_entry,
    read_legacy_status,
    read_status,
)

_STATUS = "status"
#: Bitstring Status List §3.5 "Processing Errors", and the VC Data Model 2.0 §7.2 types its
#: §3 algorithms raise, named in ``details["error"]`` of a failed status check: a list that
#: cannot be dereferenced is a retrieval error; one that does not verify, or does not
#: answer for the entry, a verification error (§3.2 steps 4-5).
RETRIEVAL = "STATUS_RETRIEVAL_ERROR"
VERIFICATION = "STATUS_VERIFICATION_ERROR"
LIST_LENGTH = "STATUS_LIST_LENGTH_ERROR"
#: The warning of a list read although shorter than the herd-privacy floor.
SHORT_LIST = "status.list_short"
MALFORMED = "MALFORMED_VALUE_ERROR"
RANGE = "RANGE_ERROR"
_ERRORS = frozenset({RETRIEVAL, VERIFICATION, LIST_LENGTH, MALFORMED, RANGE})
# --- v-status: the status list formats before Bitstring Status List, by entry type ---
_LEGACY: Mapping[str, LegacyFormat] = {
    STATUS_LIST_2021.entry_type: STATUS_LIST_2021,
    REVOCATION_LIST_2020.entry_type: REVOCATION_LIST_2020,
}
# --- end v-status ---
#: A list published a moment after a verification started (or by a server whose clock runs
#: slightly ahead) is still current: refusing it would report a revoked credential as broken.
CLOCK_SKEW = timedelta(minutes=5)


def issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return value if isinstance(value, str) else None


class StatusChecker:
    """Resolves and verifies status lists, then reads the credential's bits."""

    def __init__(
        self,
        *,
        fetcher: StatusListFetcher,
        did_resolver: DidResolver,
        cache_size: int = 256,
        cache_ttl: float = 300.0,
        min_entries: int = MIN_BITS,
    ) -> None:
        # The herd-privacy floor (Bitstring Status List §3.2: 131,072 "unless a different
        # lower bound is established by a specific ecosystem specification"). A shorter
        # list is still read, and its answer stands, with the warning status.list_short
        # naming STATUS_LIST_LENGTH_ERROR: the length protects the holder's privacy when
        # the list is fetched; it says nothing about whether the credential is genuine or
        # current, and the Digital Credentials Consortium's genuine lists hold 100,000.
        self._min_entries = min_entries
        # --- end v-status ---
        self._fetcher: StatusListFetcher = _RetrievalErrors(fetcher)
        self._did_resolver = did_resolver
        # A time to live as well: the answer also depended on the clock (a proof's
        # ``expires``) and on the signer's DID document, which may drop a key later.
        self._verified: Cache[tuple[str, str, str | None], str | None] = Cache(
            cache_size, ttl=cache_ttl, name="verify.status_list_signatures"
        )

    def check(self, credential: Mapping[str, Any], now: datetime) -> list[Check]:
        raw = credential.get("credentialStatus")
        if raw is None:
            return [
                Check(
                    _STATUS,
                    Outcome.SKIPPED,
                    "The credential has no status list entry, so it cannot be revoked.",
                    code="no_status",
                )
            ]
        entries = raw if isinstance(raw, list) else [raw]
        issuer = issuer_id(credential)
        return [self._check_entry(entry, i, issuer, now) for i, entry in enumerate(entries)]

    def _check_entry(self, raw: object, index: int, issuer: str | None, now: datetime) -> Check:
        field = f"credentialStatus[{index}]"
        kind = raw.get("type") if isinstance(raw, Mapping) else None
        # Dispatched on the entry type once: the Bitstring path does no more than before.
        legacy: LegacyFormat | None = None
        if kind != ENTRY_TYPE:
            legacy = _LEGACY.get(kind) if isinstance(kind, str) else None
            if legacy is None:
                return _fail(
                    "unsupported_status",
                    f"status entry type {kind!r} is not supported, so revocation cannot be "
                    "ruled out",
                    {"index": index, "error": VERIFICATION},
                )
        try:
            entry = (
                parse_status_entry(raw, field=field)
                if legacy is None
                else parse_legacy_entry(legacy, raw, field=field)
            )
        except MicrocredError as exc:
            return _fail("malformed_status", exc.message, {"index": index, "error": MALFORMED})
        details = {"purpose": entry.purpose, "index": entry.index, "list": entry.list_url}
        if legacy is not None:
            details["type"] = legacy.entry_type
        try:
            status_list = self._trusted_list(entry, issuer, now)
            if legacy is not None:
                _check_expiration(status_list, now)
            try:
                reading = _read(legacy, entry, status_list, self._min_entries)
            except StatusListError as exc:
                if exc.details.get("error") != LIST_LENGTH:
                    raise
                reading = _read(legacy, entry, status_list, 1)
                details = {**details, "warning": SHORT_LIST, "error": LIST_LENGTH}
        except VerificationTimeoutError as exc:
            return _fail("timeout", f"status list: {exc.message}", _named(details, exc))
        except MicrocredError as exc:
            return _fail("status_unverifiable", f"status list: {exc.message}", _named(details, exc))
        return _reading_check(entry, reading.set, reading.message, details)

    def _trusted_list(
        self, entry: StatusEntry, issuer: str | None, now: datetime
    ) -> Mapping[str, Any]:
        status_list = self._fetcher.fetch(entry.list_url)
        if not isinstance(status_list, Mapping):
            raise ResolutionError(f"{entry.list_url} did not return a JSON object")
        key = (entry.list_url, _fingerprint(status_list), issuer)
        found, cached = self._verified.lookup(key)
        if not found:
            cached = self._verify_list(status_list, issuer, now)
            # Only definite answers are kept: authentic, or forged. A signer's DID document
            # that could not be fetched (in time) says nothing about the list, and caching
            # it would fail every credential on the list until the entry expired.
            self._verified.put(key, cached)
        if cached is not None:
            raise ResolutionError(cached)
        _check_window(status_list, now)
        return status_list

    def _verify_list(
        self, status_list: Mapping[str, Any], issuer: str | None, now: datetime
    ) -> str | None:
        """None when the list is authentic, else why not (the answer is cached)."""
        list_issuer = issuer_id(status_list)
        foreign = issuer is not None and list_issuer != issuer
        if foreign and not _is_did(issuer):
            return f"issued by {list_issuer!r}, not by the credential's issuer {issuer!r}"
        proofs = verify_proofs(status_list, resolver=self._did_resolver, now=now)
        if not proofs:
            return "the status list credential is not signed"
        for proof in proofs:
            if proof.code in _TRANSIENT:
                # Raised, not returned: not cached, and a retry may succeed.
                error = VerificationTimeoutError if proof.code == "timeout" else ResolutionError
                raise error(f"its proof could not be checked ({proof.message})")
            if not proof.verified:
                return f"its proof does not verify ({proof.message})"
            if proof.controller != list_issuer:
                return f"signed by {proof.controller}, not by its issuer {list_issuer!r}"
        if foreign and issuer is not None and not self._same_keys(issuer, proofs):
            return f"issued by {list_issuer!r}, not by the credential's issuer {issuer!r}"
        return None

    # --- v-status: a list under another DID of the issuer, signed with the issuer's key ---
    def _same_keys(self, issuer: str, proofs: list[ProofVerification]) -> bool:
        """Whether every proof of a list issued under another DID was made with a key that
        the credential's issuer lists under assertionMethod. The DCC signs its did:web
        credentials' lists under the did:key of the same Ed25519 key: the issuer's own key
        vouches for the list, which is what the issuer check asks. Any other foreign list
        stays refused (a STATUS_VERIFICATION_ERROR)."""
        try:
            own = self._did_resolver.resolve(issuer)
            issuer_keys = {
                own.methods[m].public_key for m in own.assertion_method_ids if m in own.methods
            }
            for proof in proofs:
                method_id = proof.verification_method or ""
                signer = self._did_resolver.resolve(method_id.split("#", 1)[0])
                method = signer.assertion_method(method_id)
                if method is None or method.public_key not in issuer_keys:
                    return False
        except (VerificationTimeoutError, ResolutionError):
            # Could not look: says nothing about the list (raised, so not cached).
            raise
        except MicrocredError:
            return False
        return bool(proofs)

    # --- end v-status ---


#: Proof failures that say nothing about the list itself (the signer's DID could not be read).
_TRANSIENT = frozenset({"timeout", "resolution_failed"})


class _RetrievalError(ResolutionError):
    """The status list could not be dereferenced (STATUS_RETRIEVAL_ERROR)."""


class _RetrievalTimeoutError(VerificationTimeoutError):
    """The budget ran out while dereferencing the status list."""


class _RetrievalErrors:
    """Marks what the fetcher raises as a retrieval failure, so that it is told apart
    from the list's verification failing (a DID document fetched for its proof)."""

    def __init__(self, fetcher: StatusListFetcher) -> None:
        self._fetcher = fetcher

    def fetch(self, url: str) -> Mapping[str, Any]:
        try:
            return self._fetcher.fetch(url)
        except VerificationTimeoutError as exc:
            raise _RetrievalTimeoutError(exc.message, field=exc.field, details=exc.details) from exc
        except MicrocredError as exc:
            raise _RetrievalError(exc.message, field=exc.field, details=exc.details) from exc


def _is_did(value: str | None) -> bool:
    return value is not None and value.startswith("did:")


def _read(
    legacy: LegacyFormat | None,
    entry: StatusEntry,
    status_list: Mapping[str, Any],
    min_entries: int,
) -> StatusReading:
    if legacy is None:
        return read_status(entry, status_list, min_entries=min_entries)
    return read_legacy_status(legacy, entry, status_list, min_entries=min_entries)


def _named(details: Mapping[str, Any], exc: MicrocredError) -> dict[str, Any]:
    """``details`` with the processing error of ``exc``: the one ``credentials.statuslist``
    named; a malformed list value (§3: a property breaking a MUST of the data model is a
    MALFORMED_VALUE_ERROR); a retrieval failure; else a verification failure."""
    named = exc.details.get("error")
    if isinstance(named, str) and named in _ERRORS:
        error = named
    elif isinstance(exc, StatusListError):
        error = MALFORMED
    elif isinstance(exc, _RetrievalError | _RetrievalTimeoutError):
        error = RETRIEVAL
    else:
        error = VERIFICATION
    return {**details, "error": error}


def _fingerprint(document: Mapping[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _check_window(status_list: Mapping[str, Any], now: datetime) -> None:
    try:
        if "validFrom" in status_list:
            start = parse_datetime(status_list["validFrom"], field="validFrom")
            if now + CLOCK_SKEW < start:
                raise ResolutionError(f"the status list is not valid before {start.isoformat()}")
        if "validUntil" in status_list:
            end = parse_datetime(status_list["validUntil"], field="validUntil")
            if now > end:
                raise ResolutionError(f"the status list expired at {end.isoformat()} (stale)")
    except InvalidInputError as exc:
        raise ResolutionError(exc.message) from None


# --- v-status: a VC 1.1 list's end of validity ---
def _check_expiration(status_list: Mapping[str, Any], now: datetime) -> None:
    """StatusList2021 / RevocationList2020 lists are VC 1.1 credentials: ``expirationDate``
    (``issuanceDate`` is not a start of validity in VC 1.1 and is not checked)."""
    if "expirationDate" not in status_list:
        return
    try:
        end = parse_datetime(
            status_list["expirationDate"], field="expirationDate", require_timezone=False
        )
    except InvalidInputError as exc:
        raise ResolutionError(exc.message) from None
    if now > end:
        raise ResolutionError(f"the status list expired at {end.isoformat()} (stale)")


# --- end v-status ---


def _fail(code: str, message: str, details: Mapping[str, Any]) -> Check:
    return Check(_STATUS, Outcome.FAILED, message, code=code, details=details)


def _reading_check(
    entry: StatusEntry, is_set: bool, message: str, details: Mapping[str, Any]
) -> Check:
    if entry.purpose == "revocation":
        if is_set:
            return _fail("revoked", "The issuer has revoked this credential.", details)
        return Check(_STATUS, Outcome.PASSED, "Not revoked.", details=details)
    if entry.purpose == "suspension":
        if is_set:
            return _fail("suspended", "The issuer has suspended this credential.", details)
        return Check(_STATUS, Outcome.PASSED, "Not suspended.", details=details)
    # refresh / message entries inform; they do not make a credential invalid.
    return Check(
        _STATUS, Outcome.PASSED, f"{entry.purpose} status: {message}", code="info", details=details
    )
