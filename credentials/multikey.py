"""Multibase and Multikey encoding of Ed25519 keys and signatures.

Controlled Identifiers 1.0 §2.2.2 (Multikey): an Ed25519 public key is the
multicodec header ``0xed 0x01`` followed by the 32 key bytes, multibase-encoded
as base58btc (prefix ``z``), which is why every such key starts ``z6Mk``. A
secret key uses header ``0x80 0x26`` (``z3u2…``). Anything else is refused:
accepting other headers would let a document smuggle in a key of another type.
"""

from __future__ import annotations

import base58

from credentials.errors import MultibaseError

ED25519_PUB_HEADER = b"\xed\x01"
ED25519_PRIV_HEADER = b"\x80\x26"
ED25519_KEY_LENGTH = 32
ED25519_SIGNATURE_LENGTH = 64


def encode_base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58 (Bitcoin alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: object, *, what: str = "multibase value") -> bytes:
    """Decode a ``z``-prefixed base58btc multibase string, naming ``what`` on failure."""
    if not isinstance(value, str) or not value:
        raise MultibaseError(f"{what} must be a non-empty string", details={"value": value})
    if value[0] != "z":
        raise MultibaseError(
            f"{what} must be multibase base58btc (prefix 'z'), got prefix {value[0]!r}",
            details={"value": value},
        )
    digits = value[1:]
    try:
        return _b58decode(digits)
    except (KeyError, ValueError):
        raise MultibaseError(f"{what} is not valid base58btc", details={"value": value}) from None


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def _b58decode(digits: str) -> bytes:
    """base58 (Bitcoin alphabet) → bytes with one big-integer pass.

    The ``base58`` package divides digit by digit and costs as much as the Ed25519
    check itself; tests/credentials/test_multikey.py checks this against it.
    """
    number = 0
    for char in digits:
        number = number * 58 + _B58_INDEX[char]
    zeros = len(digits) - len(digits.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def encode_public_key(raw: bytes) -> str:
    """Ed25519 public key (32 bytes) → ``publicKeyMultibase`` (``z6Mk…``)."""
    if len(raw) != ED25519_KEY_LENGTH:
        raise MultibaseError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return encode_base58btc(ED25519_PUB_HEADER + raw)


def decode_public_key(value: object) -> bytes:
    """``publicKeyMultibase`` → 32 raw Ed25519 public key bytes; refuses any other key type."""
    data = decode_base58btc(value, what="publicKeyMultibase")
    if data[:2] != ED25519_PUB_HEADER:
        raise MultibaseError(
            "publicKeyMultibase is not an Ed25519 Multikey (expected header 0xed01)",
            details={"value": value, "header": data[:2].hex()},
        )
    if len(data) != 2 + ED25519_KEY_LENGTH:
        raise MultibaseError(
            f"Ed25519 Multikey must hold 32 key bytes, got {len(data) - 2}",
            details={"value": value},
        )
    return data[2:]


def encode_secret_key(seed: bytes) -> str:
    """Ed25519 private seed (32 bytes) → ``secretKeyMultibase`` (``z3u2…``)."""
    if len(seed) != ED25519_KEY_LENGTH:
        raise MultibaseError(f"an Ed25519 secret key has 32 bytes, not {len(seed)}")
    return encode_base58btc(ED25519_PRIV_HEADER + seed)


def decode_secret_key(value: object) -> bytes:
    """``secretKeyMultibase`` → 32-byte Ed25519 seed."""
    data = decode_base58btc(value, what="secretKeyMultibase")
    if data[:2] != ED25519_PRIV_HEADER or len(data) != 2 + ED25519_KEY_LENGTH:
        raise MultibaseError(
            "secretKeyMultibase is not an Ed25519 secret Multikey (header 0x8026 + 32 bytes)",
            details={"header": data[:2].hex()},
        )
    return data[2:]


def encode_signature(signature: bytes) -> str:
    """Ed25519 signature → ``proofValue`` (``z`` + base58btc of the 64 bytes)."""
    return encode_base58btc(signature)


def decode_signature(value: object) -> bytes:
    """``proofValue`` → 64 signature bytes; a truncated or padded value is refused here."""
    data = decode_base58btc(value, what="proofValue")
    if len(data) != ED25519_SIGNATURE_LENGTH:
        raise MultibaseError(
            f"proofValue must decode to a 64-byte Ed25519 signature, got {len(data)} bytes",
            field="proof.proofValue",
        )
    return data
