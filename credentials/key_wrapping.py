"""Private keys at rest: a 32-byte Ed25519 seed wrapped under a passphrase.

Format 1 (what ``wrap_seed`` writes) is a PEM block labelled ``MICROCRED WRAPPED KEY``
whose body is a JSON document::

    {"format": 1, "alg": "Ed25519",
     "kdf": {"name": "argon2id", "memoryKiB": 19456, "iterations": 2, "lanes": 1,
             "salt": "<base64url>"},
     "cipher": {"name": "AES-256-GCM", "nonce": "<base64url>"},
     "ciphertext": "<base64url of the encrypted seed and its 16-byte tag>"}

The KDF and its parameters travel with every wrapped key, so they can be raised later: a
key wrapped with weaker parameters than ``CURRENT_KDF`` (or in the old format) reports
``needs_rewrap`` when it is unlocked, and its owner writes it again. Everything but the
ciphertext is authenticated as AES-GCM associated data, so lowering the parameters in a
file makes it fail to decrypt instead of weakening it.

Why Argon2id and not scrypt: both are on OWASP's list, Argon2id first. At OWASP's
parameters Argon2id (m=19 MiB, t=2, p=1) takes about 40 ms and 19 MiB here; scrypt
(N=2^17, r=8, p=1) takes about 470 ms and 128 MiB, in every web worker that unlocks a key.

The old format, encrypted PKCS#8 PEM from ``cryptography``'s ``BestAvailableEncryption``
(PBKDF2-HMAC-SHA256 at 2,048 iterations, AES-256-CBC), is still read, so existing keys
keep working and are rewrapped on first unlock.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from credentials.errors import ConfigurationError, KeyStoreError

PASSPHRASE_ENV = "MICROCRED_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret

FORMAT_VERSION = 1
WRAPPED_BEGIN = b"-----BEGIN MICROCRED WRAPPED KEY-----"
WRAPPED_END = b"-----END MICROCRED WRAPPED KEY-----"
LEGACY_BEGIN = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
_PEM_MARKER = b"-----BEGIN "
_SEED_LENGTH = 32
_SALT_LENGTH = 16
_NONCE_LENGTH = 12
#: Refuse parameters that would let a crafted file pin a worker's memory or CPU.
_MAX_MEMORY_KIB = 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 16


@dataclass(frozen=True, slots=True)
class KdfParameters:
    """Argon2id cost: memory in KiB, passes, lanes."""

    memory_kib: int
    iterations: int
    lanes: int = 1

    def covers(self, other: KdfParameters) -> bool:
        """True if these parameters cost at least as much as ``other`` on every axis."""
        return (
            self.memory_kib >= other.memory_kib
            and self.iterations >= other.iterations
            and self.lanes >= other.lanes
        )


#: OWASP Password Storage Cheat Sheet (2024), Argon2id: m=19 MiB, t=2, p=1.
OWASP_ARGON2ID = KdfParameters(memory_kib=19 * 1024, iterations=2, lanes=1)
#: What new keys are wrapped with; keys below it are rewrapped on unlock.
CURRENT_KDF = OWASP_ARGON2ID


@dataclass(frozen=True, slots=True)
class Unwrapped:
    """A decrypted seed, and whether its wrapping should be written again."""

    seed: bytes
    needs_rewrap: bool
    kdf: KdfParameters | None  # None: the legacy PKCS#8 format

    def __repr__(self) -> str:
        return f"Unwrapped(needs_rewrap={self.needs_rewrap}, kdf={self.kdf})"


def require_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ConfigurationError("the key passphrase must be non-empty bytes", field=PASSPHRASE_ENV)


def is_wrapped_key(data: bytes) -> bool:
    """True if ``data`` looks like a private key in either format (no decryption)."""
    return isinstance(data, bytes) and (WRAPPED_BEGIN in data or LEGACY_BEGIN in data)


def wrap_seed(seed: bytes, passphrase: bytes, *, kdf: KdfParameters | None = None) -> bytes:
    """``seed`` encrypted under ``passphrase`` in format 1 (a fresh salt and nonce each time)."""
    require_passphrase(passphrase)
    if len(seed) != _SEED_LENGTH:
        raise KeyStoreError("only 32-byte Ed25519 seeds are wrapped")
    params = kdf or CURRENT_KDF
    salt, nonce = os.urandom(_SALT_LENGTH), os.urandom(_NONCE_LENGTH)
    header = {
        "format": FORMAT_VERSION,
        "alg": "Ed25519",
        "kdf": {
            "name": "argon2id",
            "memoryKiB": params.memory_kib,
            "iterations": params.iterations,
            "lanes": params.lanes,
            "salt": _b64(salt),
        },
        "cipher": {"name": "AES-256-GCM", "nonce": _b64(nonce)},
    }
    key = _derive(passphrase, salt, params)
    ciphertext = AESGCM(key).encrypt(nonce, seed, _associated_data(header))
    document = json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1).encode("ascii")
    body = base64.encodebytes(document)  # 76-column lines, as PEM wants
    return WRAPPED_BEGIN + b"\n" + body + WRAPPED_END + b"\n"


def unwrap_seed(data: bytes, passphrase: bytes) -> Unwrapped:
    """The seed in ``data`` (either format); KeyStoreError if it cannot be decrypted."""
    if not isinstance(data, bytes) or _PEM_MARKER not in data:
        raise KeyStoreError("key file is not a PEM private key")
    if WRAPPED_BEGIN in data:
        require_passphrase(passphrase)
        return _unwrap_format_1(data, passphrase)
    if LEGACY_BEGIN not in data:
        # Private keys are encrypted at rest (DESIGN §5); a plain one was not written by us.
        raise KeyStoreError("key file is not an encrypted PKCS#8 PEM private key")
    require_passphrase(passphrase)
    return Unwrapped(_unwrap_legacy(data, passphrase), needs_rewrap=True, kdf=None)


def describe(data: bytes) -> dict[str, Any]:
    """The public header of a wrapped key (format, KDF and its parameters), for operators."""
    if isinstance(data, bytes) and WRAPPED_BEGIN in data:
        document = _parse_format_1(data)
        return {k: v for k, v in document.items() if k != "ciphertext"}
    if is_wrapped_key(data):
        return {"format": 0, "kdf": {"name": "pbkdf2-hmac-sha256 (PKCS#8)"}}
    raise KeyStoreError("key file is not a PEM private key")


# --- internals ------------------------------------------------------------------------------


def _derive(passphrase: bytes, salt: bytes, params: KdfParameters) -> bytes:
    return Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(passphrase)


def _associated_data(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("ascii")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not a string")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse_format_1(data: bytes) -> dict[str, Any]:
    start = data.index(WRAPPED_BEGIN) + len(WRAPPED_BEGIN)
    end = data.find(WRAPPED_END, start)
    if end < 0:
        raise KeyStoreError("wrapped key is cut short (no END line)")
    try:
        document = json.loads(base64.b64decode(b"".join(data[start:end].split()), validate=True))
    except (ValueError, binascii.Error) as exc:
        raise KeyStoreError("wrapped key is damaged: its body is not base64 JSON") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
        found = document.get("format") if isinstance(document, dict) else None
        raise KeyStoreError(f"wrapped key has format {found!r}; this version reads format 1")
    return document


def _unwrap_format_1(data: bytes, passphrase: bytes) -> Unwrapped:
    document = _parse_format_1(data)
    try:
        kdf, cipher = document["kdf"], document["cipher"]
        if kdf["name"] != "argon2id" or cipher["name"] != "AES-256-GCM":
            raise KeyStoreError(
                f"wrapped key uses {kdf['name']!r} with {cipher['name']!r}; "
                "this version reads argon2id with AES-256-GCM"
            )
        params = KdfParameters(
            memory_kib=int(kdf["memoryKiB"]),
            iterations=int(kdf["iterations"]),
            lanes=int(kdf["lanes"]),
        )
        salt, nonce = _unb64(kdf["salt"]), _unb64(cipher["nonce"])
        ciphertext = _unb64(document["ciphertext"])
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyStoreError("wrapped key is damaged: a field is missing or malformed") from exc
    if not (
        8 * params.lanes <= params.memory_kib <= _MAX_MEMORY_KIB
        and 1 <= params.iterations <= _MAX_ITERATIONS
        and 1 <= params.lanes <= _MAX_LANES
        and len(salt) >= 8
        and len(nonce) == _NONCE_LENGTH
    ):
        raise KeyStoreError(f"wrapped key has out-of-range parameters {params}")
    header = {k: v for k, v in document.items() if k != "ciphertext"}
    key = _derive(passphrase, salt, params)
    try:
        seed = AESGCM(key).decrypt(nonce, ciphertext, _associated_data(header))
    except InvalidTag:
        raise KeyStoreError("cannot decrypt key file: wrong passphrase or damaged file") from None
    if len(seed) != _SEED_LENGTH:
        raise KeyStoreError("wrapped key does not hold a 32-byte Ed25519 seed")
    return Unwrapped(seed, needs_rewrap=not params.covers(CURRENT_KDF), kdf=params)


def _unwrap_legacy(data: bytes, passphrase: bytes) -> bytes:
    try:
        loaded = serialization.load_pem_private_key(data, password=passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # With CBC padding a wrong passphrase occasionally decrypts to junk that then fails
        # ASN.1 parsing, so both failures get the same, honest message.
        raise KeyStoreError("cannot decrypt key file: wrong passphrase or damaged file") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyStoreError(
            f"key file holds a {type(loaded).__name__.removeprefix('_')}, not an Ed25519 key"
        )
    return loaded.private_bytes_raw()
