"""Ed25519 signing keys, signature verification, and the encrypted on-disk key store.

Keys live in memory as ``cryptography`` key objects (signing ≈ 29k/s per core; re-parsing
raw bytes for every signature would halve that) and on disk as passphrase-encrypted
PKCS#8 PEM files next to a small public JSON sidecar, so listing keys never needs the
passphrase. Private key material is never part of a ``repr``, a log line or an error.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from nacl import bindings as sodium
from nacl.exceptions import BadSignatureError

from credentials import multikey
from credentials.dates import format_datetime
from credentials.did import did_key_from_public_key, did_key_verification_method
from credentials.errors import (
    ConfigurationError,
    InvalidInputError,
    KeyNotFoundError,
    KeyStoreError,
    MicrocredError,
)

logger = logging.getLogger(__name__)

#: Environment variable holding the key-store passphrase.
PASSPHRASE_ENV = "MICROCRED_KEY_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
#: Used outside production when no passphrase is configured; production refuses it.
DEV_PASSPHRASE = b"microcred-development-passphrase-do-not-use-in-production"

_PEM_MARKER = b"-----BEGIN "
_ENCRYPTED_PEM_MARKER = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


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
    def from_pkcs8_pem(cls, data: bytes, passphrase: bytes) -> Ed25519SigningKey:
        """Load an encrypted PKCS#8 PEM; refuses unencrypted, non-Ed25519 and garbage input."""
        if not isinstance(data, bytes) or _PEM_MARKER not in data:
            raise KeyStoreError("key file is not a PEM private key")
        if _ENCRYPTED_PEM_MARKER not in data:
            # Private keys are encrypted at rest (DESIGN §5); a plain one was not written by us.
            raise KeyStoreError("key file is not an encrypted PKCS#8 PEM private key")
        _require_passphrase(passphrase)
        try:
            loaded = serialization.load_pem_private_key(data, password=passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            # With CBC padding a wrong passphrase occasionally decrypts to junk that then fails
            # ASN.1 parsing, so both failures get the same, honest message.
            raise KeyStoreError(
                "cannot decrypt key file: wrong passphrase or damaged file"
            ) from exc
        if not isinstance(loaded, Ed25519PrivateKey):
            raise KeyStoreError(
                f"key file holds a {type(loaded).__name__.removeprefix('_')}, not an Ed25519 key"
            )
        return cls(private_key=loaded)

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

    def to_pkcs8_pem(self, passphrase: bytes) -> bytes:
        """The key as PKCS#8 PEM encrypted with the best scheme ``cryptography`` offers."""
        _require_passphrase(passphrase)
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


def _require_passphrase(passphrase: bytes) -> None:
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ConfigurationError("the key passphrase must be non-empty bytes", field=PASSPHRASE_ENV)


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


# --- passphrase policy ----------------------------------------------------------------------


def key_passphrase(environ: Mapping[str, str], *, production: bool) -> bytes:
    """The key-store passphrase from ``MICROCRED_KEY_PASSPHRASE``, enforcing the policy.

    Production must set it, and not to the development value (anyone can read that one in
    this file). Elsewhere a missing value falls back to ``DEV_PASSPHRASE`` with a warning.
    """
    value = environ.get(PASSPHRASE_ENV, "")
    if not value:
        if production:
            raise ConfigurationError(
                f"{PASSPHRASE_ENV} must be set in production: it encrypts the signing keys",
                field=PASSPHRASE_ENV,
            )
        logger.warning(
            "%s is not set; using the development key passphrase (never do this in production)",
            PASSPHRASE_ENV,
        )
        return DEV_PASSPHRASE
    passphrase = value.encode("utf-8")
    if production and passphrase == DEV_PASSPHRASE:
        raise ConfigurationError(
            f"{PASSPHRASE_ENV} is the published development passphrase; "
            "choose a secret one for production",
            field=PASSPHRASE_ENV,
        )
    return passphrase


# --- key store ------------------------------------------------------------------------------

_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """Public facts about a stored key (nothing here is secret)."""

    name: str
    public_key_multibase: str
    did: str
    verification_method: str
    created: datetime

    @classmethod
    def for_key(cls, name: str, public_key_multibase: str, created: datetime) -> KeyInfo:
        did = did_key_from_public_key(multikey.decode_public_key(public_key_multibase))
        return cls(
            name=name,
            public_key_multibase=public_key_multibase,
            did=did,
            verification_method=did_key_verification_method(did),
            created=created,
        )

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form (what ``microcred keys … --json`` prints)."""
        return {
            "name": self.name,
            "publicKeyMultibase": self.public_key_multibase,
            "did": self.did,
            "verificationMethod": self.verification_method,
            "created": format_datetime(self.created),
        }


def validate_key_name(name: object) -> str:
    """``name`` if it is a safe key name (it becomes a file name), else InvalidInputError."""
    if not isinstance(name, str) or not _KEY_NAME.fullmatch(name):
        raise InvalidInputError(
            f"invalid key name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="name",
        )
    return name


class KeyStore:
    """One Ed25519 key per name: ``NAME.pem`` (encrypted PKCS#8, mode 0600) + ``NAME.json``."""

    def __init__(self, directory: Path, *, passphrase: bytes) -> None:
        _require_passphrase(passphrase)
        self._directory = Path(directory)
        self._passphrase = passphrase

    @property
    def directory(self) -> Path:
        return self._directory

    def __repr__(self) -> str:
        return f"KeyStore({str(self._directory)!r})"

    def exists(self, name: str) -> bool:
        return self._pem_path(validate_key_name(name)).is_file()

    def create(self, name: str, *, exist_ok: bool = False) -> KeyInfo:
        """Generate and store a new key; an existing key is never overwritten."""
        validate_key_name(name)
        key = Ed25519SigningKey.generate()
        try:
            # A False from _publish_exclusive means another process won a race for this name.
            if not self.exists(name):
                self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                pem = key.to_pkcs8_pem(self._passphrase)
                if _publish_exclusive(self._pem_path(name), pem):
                    return self._write_info(name, key.public_key_multibase, datetime.now(UTC))
        except OSError as exc:
            raise KeyStoreError(
                f"cannot write key {name!r} to {self._directory}: {exc.strerror or exc}",
                details={"name": name},
            ) from exc
        if exist_ok:
            return self.info(name)
        raise KeyStoreError(
            f"key {name!r} already exists in {self._directory}; refusing to overwrite it",
            field="name",
            details={"name": name},
        )

    def load(self, name: str) -> Ed25519SigningKey:
        """Decrypt the key; refuses one whose public metadata disagrees with it."""
        path = self._pem_path(validate_key_name(name))
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise self._not_found(name) from None
        except OSError as exc:
            raise KeyStoreError(f"cannot read key {name!r}: {exc.strerror}") from exc
        try:
            key = Ed25519SigningKey.from_pkcs8_pem(data, self._passphrase)
        except KeyStoreError as exc:
            raise KeyStoreError(f"key {name!r} in {self._directory}: {exc.message}") from exc
        meta = self._read_meta(name)
        if meta is not None and meta.get("publicKeyMultibase") != key.public_key_multibase:
            raise KeyStoreError(
                f"key {name!r}: {name}.json names a different public key than {name}.pem",
                details={"name": name},
            )
        return key

    def info(self, name: str) -> KeyInfo:
        """Public facts about a key, from the sidecar (no decryption unless it is missing)."""
        if not self.exists(name):
            raise self._not_found(name)
        meta = self._read_meta(name)
        if meta is not None:
            try:
                return KeyInfo.for_key(
                    name,
                    str(meta["publicKeyMultibase"]),
                    datetime.fromisoformat(str(meta["created"])),
                )
            except (KeyError, ValueError, MicrocredError):
                pass  # a damaged sidecar is rebuilt from the key itself below
        return self._rebuild_info(name)

    def list(self) -> builtins.list[KeyInfo]:
        """Every stored key, sorted by name."""
        if not self._directory.is_dir():
            return []
        names = sorted(p.stem for p in self._directory.glob("*.pem") if _KEY_NAME.fullmatch(p.stem))
        return [self.info(name) for name in names]

    # --- internals --------------------------------------------------------------------------

    def _pem_path(self, name: str) -> Path:
        return self._directory / f"{name}.pem"

    def _meta_path(self, name: str) -> Path:
        return self._directory / f"{name}.json"

    def _not_found(self, name: str) -> KeyNotFoundError:
        return KeyNotFoundError(
            f"no key named {name!r} in {self._directory}",
            field="name",
            details={"name": name, "directory": str(self._directory)},
        )

    def _read_meta(self, name: str) -> dict[str, Any] | None:
        try:
            meta = json.loads(self._meta_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    def _rebuild_info(self, name: str) -> KeyInfo:
        # The sidecar is written after the key, so a crash in between leaves only the PEM.
        key = self.load(name)
        created = datetime.fromtimestamp(self._pem_path(name).stat().st_mtime, UTC)
        return self._write_info(name, key.public_key_multibase, created)

    def _write_info(self, name: str, public_key_multibase: str, created: datetime) -> KeyInfo:
        info = KeyInfo.for_key(name, public_key_multibase, created.replace(microsecond=0))
        meta = {
            "name": name,
            "publicKeyMultibase": public_key_multibase,
            "created": format_datetime(info.created),
        }
        body = (json.dumps(meta, indent=2) + "\n").encode("utf-8")
        _replace_atomically(self._meta_path(name), body, mode=0o644)
        return info


def _write_temp(final: Path, data: bytes, *, mode: int) -> Path:
    """Write ``data`` to a fresh temporary file next to ``final`` and flush it to disk."""
    tmp = final.with_name(f".{final.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask may have cleared bits; never add any
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _publish_exclusive(final: Path, data: bytes) -> bool:
    """Atomically create ``final`` with mode 0600; False (and no change) if it exists."""
    tmp = _write_temp(final, data, mode=0o600)
    try:
        # link() fails instead of replacing: two processes can never overwrite each other's key.
        os.link(tmp, final)
    except FileExistsError:
        return False
    except OSError:
        # Some filesystems (SMB, some FUSE mounts) have no hard links: check, then rename.
        if final.exists():
            return False
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _replace_atomically(final: Path, data: bytes, *, mode: int) -> None:
    tmp = _write_temp(final, data, mode=mode)
    try:
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
