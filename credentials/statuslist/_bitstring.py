"""The status bitstring, its ``encodedList`` wire format (§2.3, §3.4) and random allocation.

Bit 0 is the most significant bit of byte 0. The list is at least 131,072 entries long
so that a position reveals little (herd privacy), which is also why positions are
allocated at random.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import secrets
import zlib
from collections.abc import Callable
from random import Random

from credentials.errors import StatusListError

#: Minimum number of entries (§3.2 Validate Algorithm step 2) — 16 KiB of bits.
MIN_BITS = 131_072
#: Refuse lists that decompress to more than this: the input comes from the network.
MAX_DECOMPRESSED_BYTES = 16 * 1024 * 1024

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
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
        compressed = multibase_base64url(encoded)
        data = gunzip_bounded(compressed, max_bytes=max_bytes)
        return cls.from_bytes(data, min_bits=min_bits)

    def __repr__(self) -> str:
        return f"Bitstring({len(self)} bits, {sum(b.bit_count() for b in self._data)} set)"


def multibase_base64url(encoded: object) -> bytes:
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


def gunzip_bounded(data: bytes, *, max_bytes: int) -> bytes:
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
