"""Ed25519 signing keys and signature verification.

Keys live in memory as ``cryptography`` key objects (signing ≈ 29k/s per core; re-parsing
raw bytes for every signature would halve that). At rest they are wrapped under a
passphrase (``credentials.key_wrapping``). Private key material is never part of a
``repr``, a log line or an error.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl import bindings as sodium
from nacl.exceptions import BadSignatureError

from credentials import multikey
from credentials.did import did_key_from_public_key
from credentials.errors import InvalidInputError
from credentials.key_wrapping import KdfParameters, require_passphrase, unwrap_seed, wrap_seed


class Ed25519SigningKey:
    """An Ed25519 private key. Build it with a named constructor, never from raw fields."""

    __slots__ = ("_private", "_public")

    def __init__(self, *, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self._public = private_key.public_key().public_bytes_raw()

    # --- named constructors -----------------------------------------------------------------

    @classmethod
    def generate(cls) -> Ed25519SigningKey:
        return cls(private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519SigningKey:
        """The key whose 32-byte private seed is ``seed`` (RFC 8032 §5.1.5)."""
        if not isinstance(seed, bytes) or len(seed) != multikey.ED25519_KEY_LENGTH:
            size = len(seed) if isinstance(seed, bytes) else type(seed).__name__
            raise InvalidInputError(f"an Ed25519 seed must be 32 bytes, got {size}", field="seed")
        return cls(private_key=Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_secret_multibase(cls, value: str) -> Ed25519SigningKey:
        """From a ``secretKeyMultibase`` (``z3u2…``), as the W3C test vectors publish keys."""
        return cls.from_seed(multikey.decode_secret_key(value))

    @classmethod
    def unlock(cls, data: bytes, passphrase: bytes) -> tuple[Ed25519SigningKey, bool]:
        """Decrypt a wrapped key (either format) and say whether to wrap it again.

        The flag is True for the legacy PKCS#8 format and for parameters below
        ``key_wrapping.CURRENT_KDF``: the caller stores ``key.wrap(passphrase)`` in its place.
        """
        unwrapped = unwrap_seed(data, passphrase)
        return cls.from_seed(unwrapped.seed), unwrapped.needs_rewrap

    @classmethod
    def from_pkcs8_pem(cls, data: bytes, passphrase: bytes) -> Ed25519SigningKey:
        """Load a wrapped key: format 1 or encrypted PKCS#8; refuses plain and garbage input."""
        return cls.unlock(data, passphrase)[0]

    # --- use --------------------------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self._private.sign(data)

    def verify(self, signature: bytes, data: bytes) -> bool:
        return verify_signature(self._public, signature, data)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte public key."""
        return self._public

    @property
    def public_key_multibase(self) -> str:
        """The Multikey form of the public key (``z6Mk…``)."""
        return multikey.encode_public_key(self._public)

    @property
    def did_key(self) -> str:
        return did_key_from_public_key(self._public)

    # --- export (deliberately explicit method calls, never properties) ----------------------

    def secret_multibase(self) -> str:
        """``secretKeyMultibase`` of the seed: for tests and explicit export only."""
        return multikey.encode_secret_key(self._private.private_bytes_raw())

    def wrap(self, passphrase: bytes, *, kdf: KdfParameters | None = None) -> bytes:
        """The key wrapped for storage: Argon2id + AES-256-GCM (``credentials.key_wrapping``)."""
        return wrap_seed(self._private.private_bytes_raw(), passphrase, kdf=kdf)

    def to_pkcs8_pem(self, passphrase: bytes) -> bytes:
        """Export as encrypted PKCS#8 PEM, for other tools (its KDF is weak: store ``wrap()``)."""
        require_passphrase(passphrase)
        return self._private.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
        )

    def __repr__(self) -> str:
        return f"Ed25519SigningKey(public_key_multibase={self.public_key_multibase!r})"

    def __reduce__(self) -> Any:
        # Pickling would write the secret in clear wherever the pickle goes (caches, queues).
        raise TypeError("Ed25519SigningKey cannot be pickled; export it with to_pkcs8_pem()")


# --- verification ---------------------------------------------------------------------------


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """True iff ``signature`` is a valid Ed25519 signature of ``data``; never raises.

    Verification goes through libsodium (PyNaCl): about twice as fast as OpenSSL's
    Ed25519 on the machines we run on, and stricter on adversarial edge cases
    (non-canonical encodings, small-order points), which a verifier can only welcome.
    Signing stays with ``cryptography``.
    """
    if not isinstance(public_key, bytes) or not isinstance(signature, bytes):
        return False
    if len(public_key) != multikey.ED25519_KEY_LENGTH:
        return False
    if len(signature) != multikey.ED25519_SIGNATURE_LENGTH:
        return False
    try:
        sodium.crypto_sign_open(signature + data, public_key)
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True
