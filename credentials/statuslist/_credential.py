"""The ``BitstringStatusListCredential`` (§2.2): build one, and read an entry's status from
one (§3.2).

Signing and verifying the list credential is not done here; the verification pipeline
checks its proof before trusting anything ``read_status`` reports.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credentials.dates import format_datetime
from credentials.errors import StatusListError
from credentials.statuslist._bitstring import (
    MAX_DECOMPRESSED_BYTES,
    MIN_BITS,
    Bitstring,
    gunzip_bounded,
    multibase_base64url,
)
from credentials.statuslist._entries import StatusEntry, check_purpose, has_type

CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def build_status_list_credential(
    *,
    url: str,
    issuer: str | Mapping[str, Any],
    purpose: str,
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (§2.2) publishing ``bitstring``."""
    check_purpose(purpose)
    credential: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose,
        "encodedList": bitstring.encode(),
    }
    return credential


@dataclass(frozen=True, slots=True)
class StatusReading:
    """What a status list says about one entry (§3.2 steps 11-14)."""

    purpose: str
    index: int
    value: int
    set: bool
    #: statusMessage text for ``value`` if the entry defines one, else "set"/"unset" (§2.1).
    message: str = ""


def read_status(
    entry: StatusEntry,
    status_list_credential: Mapping[str, Any],
    *,
    min_entries: int = MIN_BITS,
) -> StatusReading:
    """Look ``entry`` up in a (proof-checked) status list credential — §3.2 steps 5-14."""
    credential = status_list_credential
    if not isinstance(credential, Mapping) or not has_type(credential.get("type"), CREDENTIAL_TYPE):
        raise _verification_error(f"status list credential's type must include {CREDENTIAL_TYPE}")
    # --- v-status: the list's ``id`` may differ from the URL it was fetched from ---
    # Bitstring Status List §3.2 does not ask for them to match, and genuine lists do not
    # (the DCC's test list says https://testing.dcconsortium.org/... and is served from
    # raw.githubusercontent.com). What makes a list authoritative is checked before this:
    # signed by the credential's issuer, current, the entry's purpose. A host serving another
    # of the issuer's lists could as well serve an older copy of the same one.
    # --- end v-status ---
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping) or not has_type(subject.get("type"), LIST_TYPE):
        raise _verification_error(
            f"credentialSubject must be one {LIST_TYPE}", field="credentialSubject"
        )
    purposes = subject.get("statusPurpose")
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or entry.purpose not in purposes:
        # Step 5: a revocation entry must not be answered from a suspension list, and so on.
        raise _verification_error(
            f"status purpose {entry.purpose!r} does not match the list's {purposes!r}",
            field="credentialSubject.statusPurpose",
        )
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise _verification_error(
            "credentialSubject.encodedList must be a string", field="credentialSubject.encodedList"
        )
    try:
        bits = _decoded(encoded, min_bits=min_entries * entry.status_size)
    except StatusListError as exc:
        raise StatusListError(
            exc.message, field="credentialSubject.encodedList", details=exc.details
        ) from exc
    if (entry.index + 1) * entry.status_size > len(bits):
        raise StatusListError(
            f"statusListIndex {entry.index} is outside the status list "
            f"({len(bits) // entry.status_size} entries)",
            field="credentialStatus.statusListIndex",
            details={"error": "RANGE_ERROR", "entries": len(bits) // entry.status_size},
        )
    value = bits.get_value(entry.index, entry.status_size)
    return StatusReading(
        purpose=entry.purpose,
        index=entry.index,
        value=value,
        set=value != 0,
        message=_message_for(entry, value),
    )


#: Lists up to this size (compressed) are remembered decoded: a verifier reads the same few
#: lists for every credential, and un-gzipping 16 KiB costs more than checking the proof.
_CACHEABLE_ENCODED = 64 * 1024


def _decoded(encoded: str, *, min_bits: int) -> Bitstring:
    if len(encoded) > _CACHEABLE_ENCODED:
        return Bitstring.decode(encoded, min_bits=min_bits)
    # Bytes, not the mutable Bitstring, are shared; failures are never cached.
    return Bitstring.from_bytes(_decompressed(encoded), min_bits=min_bits)


@functools.lru_cache(maxsize=32)
def _decompressed(encoded: str) -> bytes:
    return gunzip_bounded(multibase_base64url(encoded), max_bytes=MAX_DECOMPRESSED_BYTES)


def _message_for(entry: StatusEntry, value: int) -> str:
    for message in entry.messages:
        if message.value == value:
            return message.message
    return "set" if value else "unset"


def _verification_error(message: str, *, field: str = "type") -> StatusListError:
    return StatusListError(message, field=field, details={"error": "STATUS_VERIFICATION_ERROR"})
