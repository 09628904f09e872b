"""Multibase / Multikey: the fast base58 decoder agrees with the base58 package."""

from __future__ import annotations

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials import multikey
from credentials.errors import MultibaseError


@given(st.binary(max_size=80))
def test_base58_round_trip_matches_library(data: bytes) -> None:
    encoded = multikey.encode_base58btc(data)
    assert encoded == "z" + base58.b58encode(data).decode()
    assert multikey.decode_base58btc(encoded) == data == base58.b58decode(encoded[1:])


@pytest.mark.parametrize("value", ["", "z0OIl", "zéé", "u" + "A" * 10, None, 5])
def test_bad_multibase_values(value: object) -> None:
    with pytest.raises(MultibaseError):
        multikey.decode_base58btc(value)


def test_public_key_header_is_checked() -> None:
    x25519 = multikey.encode_base58btc(b"\xec\x01" + bytes(32))
    with pytest.raises(MultibaseError, match="not an Ed25519 Multikey"):
        multikey.decode_public_key(x25519)
    with pytest.raises(MultibaseError, match="32 key bytes"):
        multikey.decode_public_key(multikey.encode_base58btc(b"\xed\x01" + bytes(31)))


def test_signature_length_is_checked() -> None:
    with pytest.raises(MultibaseError, match="64-byte"):
        multikey.decode_signature(multikey.encode_base58btc(bytes(63)))
    assert multikey.decode_signature(multikey.encode_signature(bytes(64))) == bytes(64)
