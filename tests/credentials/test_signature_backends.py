"""Verification (libsodium) agrees with signing (cryptography/OpenSSL), valid or altered."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from credentials.keys import Ed25519SigningKey, verify_signature

# RFC 8032 §7.1 TEST 2 (one-byte message 0x72).
RFC8032_PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
RFC8032_SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)


def test_rfc8032_test_2() -> None:
    assert verify_signature(RFC8032_PUBLIC, RFC8032_SIGNATURE, b"\x72")
    assert not verify_signature(RFC8032_PUBLIC, RFC8032_SIGNATURE, b"\x73")


@given(
    seed=st.binary(min_size=32, max_size=32),
    message=st.binary(max_size=200),
    flip=st.integers(0, 511),
)
def test_agrees_with_openssl(seed: bytes, message: bytes, flip: int) -> None:
    key = Ed25519SigningKey.from_seed(seed)
    signature = key.sign(message)
    assert verify_signature(key.public_key, signature, message)
    altered = bytearray(signature)
    altered[flip // 8] ^= 1 << (flip % 8)
    openssl = Ed25519PublicKey.from_public_bytes(key.public_key)
    try:
        openssl.verify(bytes(altered), message)
        openssl_accepts = True
    except InvalidSignature:
        openssl_accepts = False
    assert verify_signature(key.public_key, bytes(altered), message) is openssl_accepts is False


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [
        (bytes(32), bytes(64)),  # the identity point: small order, refused
        (RFC8032_PUBLIC, RFC8032_SIGNATURE[:63]),
        (RFC8032_PUBLIC[:31], RFC8032_SIGNATURE),
        (RFC8032_PUBLIC, bytes.fromhex("ff" * 64)),  # S >= L: non-canonical
    ],
)
def test_malformed_keys_and_signatures_are_false_not_errors(
    public_key: bytes, signature: bytes
) -> None:
    assert verify_signature(public_key, signature, b"\x72") is False
