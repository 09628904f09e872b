"""W3C Bitstring Status List 1.0: the bitstring, its entries and its credential.

A status list is a long bitstring, GZIP-compressed and multibase-encoded (``u`` +
base64url without padding) into ``credentialSubject.encodedList`` of a
``BitstringStatusListCredential``. Each credential points at one position through a
``BitstringStatusListEntry``. Bit 0 is the most significant bit of byte 0 (§2.3
``encodedList``). The list is at least 131,072 entries long so that a position reveals
little (herd privacy), which is also why positions are allocated at random.

Signing and verifying the list credential is not done here; the verification pipeline
checks its proof before trusting anything ``read_status`` reports.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import re
import secrets
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from random import Random
from typing import Any
from urllib.parse import urlsplit

from credentials.dates import format_datetime
from credentials.errors import (
    CredentialValidationError,
    InvalidInputError,
    Problem,
    StatusListError,
)

#: Minimum number of entries (§3.2 Validate Algorithm step 2) — 16 KiB of bits.
MIN_BITS = 131_072
#: Refuse lists that decompress to more than this: the input comes from the network.
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024
#: The status purposes this implementation knows (§2.1 statusPurpose).
STATUS_PURPOSES = frozenset({"revocation", "suspension", "refresh", "message"})
#: statusSize is bounded so that 2**statusSize messages and list sizes stay reasonable.
MAX_STATUS_SIZE = 16

ENTRY_TYPE = "BitstringStatusListEntry"
CREDENTIAL_TYPE = "BitstringStatusListCredential"
LIST_TYPE = "BitstringStatusList"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_DECIMAL = re.compile(r"[0-9]{1,20}")
_GZIP_MAGIC = b"\x1f\x8b"


class Bitstring:
    """A mutable status bitstring; bit ``i`` is bit ``7 - i % 8`` of byte ``i // 8``."""

    __slots__ = ("_data",)

    def __init__(self, size_bits: int = MIN_BITS) -> None:
        if not isinstance(size_bits, int) or size_bits < MIN_BITS or size_bits % 8:
            raise StatusListError(
                f"a status list needs at least {MIN_BITS} bits, in whole bytes; got {size_bits!r}"
            )
        self._data = bytearray(size_bits // 8)

    @classmethod
    def from_bytes(cls, data: bytes, *, min_bits: int = MIN_BITS) -> Bitstring:
        if len(data) * 8 < min_bits:
            raise StatusListError(
                f"status list has {len(data) * 8} bits; at least {min_bits} are required",
                details={"error": "STATUS_LIST_LENGTH_ERROR"},
            )
        bitstring = cls.__new__(cls)
        bitstring._data = bytearray(data)
        return bitstring

    # --- single bits ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._data) * 8

    def get(self, index: int) -> bool:
        self._check_range(index, 1)
        return bool(self._data[index >> 3] & (0x80 >> (index & 7)))

    def set(self, index: int, value: bool = True) -> None:
        self._check_range(index, 1)
        mask = 0x80 >> (index & 7)
        if value:
            self._data[index >> 3] |= mask
        else:
            self._data[index >> 3] &= ~mask & 0xFF

    def clear(self, index: int) -> None:
        self.set(index, False)

    # --- multi-bit entries (statusSize > 1) -------------------------------------------------

    def get_value(self, index: int, status_size: int = 1) -> int:
        """The ``status_size``-bit entry number ``index`` (bits ``index*status_size`` onward)."""
        start = self._entry_start(index, status_size)
        value = 0
        for bit in range(start, start + status_size):
            value = (value << 1) | self.get(bit)
        return value

    def set_value(self, index: int, value: int, status_size: int = 1) -> None:
        start = self._entry_start(index, status_size)
        if not isinstance(value, int) or not 0 <= value < (1 << status_size):
            raise StatusListError(f"status value {value!r} does not fit in {status_size} bits")
        for offset in range(status_size):
            self.set(start + offset, bool(value >> (status_size - 1 - offset) & 1))

    def _entry_start(self, index: int, status_size: int) -> int:
        if not isinstance(status_size, int) or isinstance(status_size, bool) or status_size < 1:
            raise StatusListError(f"statusSize must be a positive integer, not {status_size!r}")
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise StatusListError(f"status list index must be a non-negative integer: {index!r}")
        self._check_range(index * status_size, status_size)
        return index * status_size

    def _check_range(self, bit: int, width: int) -> None:
        if not isinstance(bit, int) or isinstance(bit, bool) or not 0 <= bit <= len(self) - width:
            raise StatusListError(
                f"index {bit!r} is outside the status list of {len(self)} bits",
                details={"error": "RANGE_ERROR", "length": len(self)},
            )

    # --- wire format ------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    def encode(self) -> str:
        """``encodedList``: ``u`` + base64url (no padding) of the GZIP-compressed bits."""
        # mtime=0 keeps the output a function of the bits alone (reproducible lists).
        compressed = gzip.compress(bytes(self._data), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(
        cls,
        encoded: str,
        *,
        min_bits: int = MIN_BITS,
        max_bytes: int = MAX_DECOMPRESSED_BYTES,
    ) -> Bitstring:
        """Expand an ``encodedList`` (§3.4), refusing malformed, short or oversized lists."""
        compressed = _multibase_base64url(encoded)
        data = _gunzip_bounded(compressed, max_bytes=max_bytes)
        return cls.from_bytes(data, min_bits=min_bits)

    def __repr__(self) -> str:
        return f"Bitstring({len(self)} bits, {sum(b.bit_count() for b in self._data)} set)"


def _multibase_base64url(encoded: object) -> bytes:
    if not isinstance(encoded, str) or not encoded:
        raise StatusListError("encodedList must be a non-empty string", field="encodedList")
    if encoded[0] != "u":
        raise StatusListError(
            f"encodedList must be multibase base64url (prefix 'u'), not prefix {encoded[0]!r}",
            field="encodedList",
        )
    body = encoded[1:]
    if not _BASE64URL.fullmatch(body) or len(body) % 4 == 1:
        raise StatusListError("encodedList is not base64url without padding", field="encodedList")
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except binascii.Error as exc:
        raise StatusListError("encodedList is not valid base64url", field="encodedList") from exc


def _gunzip_bounded(data: bytes, *, max_bytes: int) -> bytes:
    """GZIP-decompress at most ``max_bytes``: a few KB can otherwise expand to gigabytes."""
    if not data.startswith(_GZIP_MAGIC):
        raise StatusListError("encodedList is not GZIP-compressed", field="encodedList")
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(data, max_bytes + 1)
    except zlib.error as exc:
        raise StatusListError(
            f"encodedList is not valid GZIP data ({exc})", field="encodedList"
        ) from exc
    if len(out) > max_bytes:
        raise StatusListError(
            f"encodedList expands to more than {max_bytes} bytes; refusing it",
            field="encodedList",
            details={"limit": max_bytes},
        )
    if not decompressor.eof:
        raise StatusListError("encodedList holds truncated GZIP data", field="encodedList")
    if decompressor.unused_data:
        raise StatusListError("encodedList has data after the GZIP stream", field="encodedList")
    return out


# --- allocation -----------------------------------------------------------------------------


def allocate_random_index(
    is_taken: Callable[[int], bool],
    *,
    size_bits: int,
    rng: Random | None = None,
    attempts: int = 64,
) -> int:
    """A free index in ``[0, size_bits)``, drawn uniformly at random (herd privacy).

    After ``attempts`` collisions the list is nearly full; a scan from a random start then
    finds any remaining hole. Uniqueness under concurrency is the caller's job (a unique
    constraint on (list, index)): this only proposes a candidate.
    """
    if not isinstance(size_bits, int) or size_bits < 1:
        raise StatusListError(f"size_bits must be a positive integer, not {size_bits!r}")
    rng = rng if rng is not None else secrets.SystemRandom()
    for _ in range(attempts):
        index = rng.randrange(size_bits)
        if not is_taken(index):
            return index
    start = rng.randrange(size_bits)
    for offset in range(size_bits):
        index = (start + offset) % size_bits
        if not is_taken(index):
            return index
    raise StatusListError(
        f"status list is full: all {size_bits} indices are taken",
        details={"size": size_bits},
    )


# --- entries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusMessage:
    value: int
    message: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A parsed, validated ``BitstringStatusListEntry``."""

    purpose: str
    index: int
    list_url: str
    status_size: int = 1
    id: str | None = None
    messages: tuple[StatusMessage, ...] = ()


def status_list_entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The ``credentialStatus`` object for position ``index`` of the list at ``list_url``."""
    _check_purpose(purpose)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise InvalidInputError(f"index must be a non-negative integer: {index!r}", field="index")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_status_entry(entry: object, *, field: str = "credentialStatus") -> StatusEntry:
    """Validate a ``BitstringStatusListEntry`` (§2.1); every problem names its field."""
    if not isinstance(entry, Mapping):
        raise CredentialValidationError([Problem(field, "must be an object")])
    problems: list[Problem] = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(f"{field}.{name}", message))

    if not _has_type(entry.get("type"), ENTRY_TYPE):
        problem("type", f"must be {ENTRY_TYPE!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or purpose not in STATUS_PURPOSES:
        problem("statusPurpose", "must be one of " + ", ".join(sorted(STATUS_PURPOSES)))
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not _DECIMAL.fullmatch(index):
        problem("statusListIndex", "must be a string of base-10 digits (at most 20)")
    list_url = entry.get("statusListCredential")
    if not _is_http_url(list_url):
        problem("statusListCredential", "must be an absolute http(s) URL")
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_STATUS_SIZE:
        problem("statusSize", f"must be an integer from 1 to {MAX_STATUS_SIZE}")
        size = 1
    entry_id = entry.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        problem("id", "must be a URL string")
    elif entry_id is not None and entry_id == list_url:
        problem("id", "must not be the URL of the status list itself")
    messages = _parse_messages(entry.get("statusMessage"), size, f"{field}.statusMessage")
    if isinstance(messages, Problem):
        problems.append(messages)
    if problems or not (
        isinstance(index, str) and isinstance(list_url, str) and isinstance(purpose, str)
    ):
        raise CredentialValidationError(problems)
    return StatusEntry(
        purpose=purpose,
        index=int(index),
        list_url=list_url,
        status_size=size,
        id=entry_id,
        messages=messages if isinstance(messages, tuple) else (),
    )


def _parse_messages(value: object, size: int, field: str) -> tuple[StatusMessage, ...] | Problem:
    """``statusMessage``: required when statusSize > 1, one message per possible value."""
    if value is None:
        return () if size == 1 else Problem(field, "is required when statusSize is above 1")
    if not isinstance(value, list) or len(value) != 1 << size:
        return Problem(field, f"must be an array of {1 << size} entries (2^statusSize)")
    messages: list[StatusMessage] = []
    for item in value:
        status = item.get("status") if isinstance(item, Mapping) else None
        message = item.get("message") if isinstance(item, Mapping) else None
        if not isinstance(status, str) or not re.fullmatch(r"0x[0-9A-Fa-f]+", status):
            return Problem(field, "each entry needs a 'status' like '0x1'")
        if not isinstance(message, str):
            return Problem(field, "each entry needs a 'message' string")
        messages.append(StatusMessage(int(status, 16), message))
    return tuple(messages)


# --- the status list credential -------------------------------------------------------------


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
    _check_purpose(purpose)
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
    if not isinstance(credential, Mapping) or not _has_type(
        credential.get("type"), CREDENTIAL_TYPE
    ):
        raise _verification_error(f"status list credential's type must include {CREDENTIAL_TYPE}")
    list_id = credential.get("id")
    if list_id is not None and list_id != entry.list_url:
        # A list served for another URL may be a stale or substituted list of the same issuer.
        raise _verification_error(
            f"status list credential id {list_id!r} is not {entry.list_url!r}", field="id"
        )
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    if not isinstance(subject, Mapping) or not _has_type(subject.get("type"), LIST_TYPE):
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
    return _gunzip_bounded(_multibase_base64url(encoded), max_bytes=MAX_DECOMPRESSED_BYTES)


def _message_for(entry: StatusEntry, value: int) -> str:
    for message in entry.messages:
        if message.value == value:
            return message.message
    return "set" if value else "unset"


def _verification_error(message: str, *, field: str = "type") -> StatusListError:
    return StatusListError(message, field=field, details={"error": "STATUS_VERIFICATION_ERROR"})


def _has_type(value: object, wanted: str) -> bool:
    return value == wanted or (isinstance(value, list) and wanted in value)


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # for example an unbalanced IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_purpose(purpose: object) -> None:
    if not isinstance(purpose, str) or purpose not in STATUS_PURPOSES:
        raise InvalidInputError(
            f"status purpose must be one of {', '.join(sorted(STATUS_PURPOSES))}, not {purpose!r}",
            field="purpose",
        )
