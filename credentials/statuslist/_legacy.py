"""The two status list formats that came before Bitstring Status List, for verifying only:

- **StatusList2021** (W3C CCG vc-status-list-2021): a ``StatusList2021Entry`` (statusPurpose
  ``revocation`` or ``suspension``, ``statusListIndex``, ``statusListCredential``) points at
  one bit of a ``StatusList2021Credential`` whose ``credentialSubject`` is a
  ``StatusList2021`` with the same ``statusPurpose``;
- **RevocationList2020** (W3C CCG vc-status-rl-2020): a ``RevocationList2020Status``
  (``revocationListIndex``, ``revocationListCredential``) points at one bit of a
  ``RevocationList2020Credential`` whose subject is a ``RevocationList2020``; revocation only.

Both put the bits in a VC 1.1 envelope (``issuanceDate``, ``expirationDate``) and encode
them as GZIP + base64 (base64url in practice, no multibase prefix; both alphabets and
optional padding are read). Bit 0 is the most significant bit of byte 0, as in Bitstring
Status List, and both specs require at least 16 KiB (131,072 entries) for herd privacy.

Errors use the names of Bitstring Status List §3.2 (these drafts name none), in
``details["error"]`` of a ``StatusListError``: the status check turns them into findings.
microcred never issues either format.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credentials.errors import CredentialValidationError, Problem, StatusListError
from credentials.statuslist._bitstring import (
    MAX_DECOMPRESSED_BYTES,
    MIN_BITS,
    Bitstring,
    gunzip_bounded,
)
from credentials.statuslist._credential import StatusReading
from credentials.statuslist._entries import StatusEntry, has_type, is_http_url

SL2021_ENTRY = "StatusList2021Entry"
SL2021_CREDENTIAL = "StatusList2021Credential"
SL2021_LIST = "StatusList2021"
RL2020_ENTRY = "RevocationList2020Status"
RL2020_CREDENTIAL = "RevocationList2020Credential"
RL2020_LIST = "RevocationList2020"

#: vc-status-list-2021 §2.1 defines these two purposes only.
SL2021_PURPOSES = frozenset({"revocation", "suspension"})

_DECIMAL = re.compile(r"[0-9]{1,20}")
#: Standard and URL-safe base64, optionally padded: the drafts say "base-64 encoded" and
#: implementations differ (digitalbazaar's write base64url without padding).
_BASE64_ANY = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")

MALFORMED = "MALFORMED_VALUE_ERROR"
VERIFICATION = "STATUS_VERIFICATION_ERROR"
LIST_LENGTH = "STATUS_LIST_LENGTH_ERROR"
RANGE = "RANGE_ERROR"


@dataclass(frozen=True, slots=True)
class LegacyFormat:
    """What differs between the two formats: their type names and property names."""

    entry_type: str
    credential_type: str
    list_type: str
    index_key: str
    list_key: str
    #: None: the entry names its purpose (StatusList2021); else the one purpose it has.
    fixed_purpose: str | None


STATUS_LIST_2021 = LegacyFormat(
    SL2021_ENTRY,
    SL2021_CREDENTIAL,
    SL2021_LIST,
    "statusListIndex",
    "statusListCredential",
    None,
)
REVOCATION_LIST_2020 = LegacyFormat(
    RL2020_ENTRY,
    RL2020_CREDENTIAL,
    RL2020_LIST,
    "revocationListIndex",
    "revocationListCredential",
    "revocation",
)


def parse_legacy_entry(
    fmt: LegacyFormat, entry: object, *, field: str = "credentialStatus"
) -> StatusEntry:
    """Validate a ``StatusList2021Entry`` / ``RevocationList2020Status``; every problem is
    named by its field (a ``CredentialValidationError``: a MALFORMED_VALUE_ERROR)."""
    if not isinstance(entry, Mapping):
        raise CredentialValidationError([Problem(field, "must be an object")])
    problems: list[Problem] = []
    if not has_type(entry.get("type"), fmt.entry_type):
        problems.append(Problem(f"{field}.type", f"must be {fmt.entry_type!r}"))
    purpose = fmt.fixed_purpose or entry.get("statusPurpose")
    if not isinstance(purpose, str) or purpose not in SL2021_PURPOSES:
        problems.append(Problem(f"{field}.statusPurpose", "must be revocation or suspension"))
    index = entry.get(fmt.index_key)
    # The drafts say a string; an integer is read too (some issuers wrote one).
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 10**20:
        index = str(index)
    if not isinstance(index, str) or not _DECIMAL.fullmatch(index):
        problems.append(
            Problem(f"{field}.{fmt.index_key}", "must be a string of base-10 digits (at most 20)")
        )
    list_url = entry.get(fmt.list_key)
    if not is_http_url(list_url):
        problems.append(Problem(f"{field}.{fmt.list_key}", "must be an absolute http(s) URL"))
    entry_id = entry.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        problems.append(Problem(f"{field}.id", "must be a URL string"))
    if problems or not (
        isinstance(index, str) and isinstance(list_url, str) and isinstance(purpose, str)
    ):
        raise CredentialValidationError(problems)
    return StatusEntry(
        purpose=purpose,
        index=int(index),
        list_url=list_url,
        id=entry_id if isinstance(entry_id, str) else None,
    )


def decode_legacy_list(
    encoded: object, *, min_bits: int = MIN_BITS, max_bytes: int = MAX_DECOMPRESSED_BYTES
) -> Bitstring:
    """Expand a StatusList2021 / RevocationList2020 ``encodedList`` (GZIP, then base64).

    Raises ``StatusListError`` naming the error (MALFORMED_VALUE_ERROR, or
    STATUS_LIST_LENGTH_ERROR for a list shorter than ``min_bits``) for any other input.
    """
    if not isinstance(encoded, str) or not encoded:
        raise _error(MALFORMED, "encodedList must be a non-empty string")
    if not _BASE64_ANY.fullmatch(encoded):
        raise _error(MALFORMED, "encodedList is not base64 text")
    body = encoded.rstrip("=")
    if len(body) % 4 == 1:
        raise _error(MALFORMED, "encodedList has a base64 length no encoder produces")
    try:
        compressed = base64.b64decode(
            body.replace("-", "+").replace("_", "/") + "=" * (-len(body) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise _error(MALFORMED, "encodedList is not valid base64") from None
    try:
        data = gunzip_bounded(compressed, max_bytes=max_bytes)
        return Bitstring.from_bytes(data, min_bits=min_bits)
    except StatusListError as exc:
        named = exc.details.get("error")
        raise _error(
            named if isinstance(named, str) else MALFORMED, exc.message, details=exc.details
        ) from None


def read_legacy_status(
    fmt: LegacyFormat,
    entry: StatusEntry,
    status_list_credential: Mapping[str, Any],
    *,
    min_entries: int = MIN_BITS,
) -> StatusReading:
    """Look ``entry`` up in a (proof-checked) list credential of format ``fmt``."""
    credential = status_list_credential
    if not isinstance(credential, Mapping) or not has_type(
        credential.get("type"), fmt.credential_type
    ):
        raise _error(
            VERIFICATION, f"status list credential's type must include {fmt.credential_type}"
        )
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping) or not has_type(subject.get("type"), fmt.list_type):
        raise _error(
            VERIFICATION,
            f"credentialSubject must be one {fmt.list_type}",
            field="credentialSubject",
        )
    if fmt.fixed_purpose is None:
        purpose = subject.get("statusPurpose")
        if purpose != entry.purpose:
            # A revocation entry must not be answered from a suspension list, and so on.
            raise _error(
                VERIFICATION,
                f"status purpose {entry.purpose!r} does not match the list's {purpose!r}",
                field="credentialSubject.statusPurpose",
            )
    bits = decode_legacy_list(subject.get("encodedList"), min_bits=min_entries)
    if entry.index >= len(bits):
        raise _error(
            RANGE,
            f"{fmt.index_key} {entry.index} is outside the status list ({len(bits)} entries)",
            field=f"credentialStatus.{fmt.index_key}",
            details={"entries": len(bits)},
        )
    value = bits.get_value(entry.index)
    return StatusReading(
        purpose=entry.purpose,
        index=entry.index,
        value=value,
        set=value != 0,
        message="set" if value else "unset",
    )


def _error(
    name: str,
    message: str,
    *,
    field: str = "credentialSubject.encodedList",
    details: Mapping[str, Any] | None = None,
) -> StatusListError:
    return StatusListError(message, field=field, details={**(details or {}), "error": name})
