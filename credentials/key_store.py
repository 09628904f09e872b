"""The CLI's file key store: one wrapped Ed25519 key per name, plus a public sidecar.

``NAME.pem`` holds the wrapped private key (mode 0600; ``credentials.key_wrapping``) and
``NAME.json`` its public half, so listing keys never needs the passphrase. Every write is
atomic (temporary file, fsync, rename): a crash leaves the old file or the new one, never
half of either, and never no key.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from credentials import multikey
from credentials.dates import format_datetime
from credentials.did import did_key_from_public_key, did_key_verification_method
from credentials.ed25519 import Ed25519SigningKey
from credentials.errors import InvalidInputError, KeyNotFoundError, KeyStoreError, MicrocredError
from credentials.key_wrapping import require_passphrase

logger = logging.getLogger(__name__)

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
        require_passphrase(passphrase)
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
                pem = key.wrap(self._passphrase)
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
            key, needs_rewrap = Ed25519SigningKey.unlock(data, self._passphrase)
        except KeyStoreError as exc:
            raise KeyStoreError(f"key {name!r} in {self._directory}: {exc.message}") from exc
        meta = self._read_meta(name)
        if meta is not None and meta.get("publicKeyMultibase") != key.public_key_multibase:
            raise KeyStoreError(
                f"key {name!r}: {name}.json names a different public key than {name}.pem",
                details={"name": name},
            )
        if needs_rewrap:
            self._rewrap(name, key)
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

    def _rewrap(self, name: str, key: Ed25519SigningKey) -> None:
        """Write a key unlocked from an old wrapping again, with the current KDF.

        The new file replaces the old one atomically, so a crash leaves one of the two,
        both of which decrypt to the same key. A store we may not write (read-only
        mount) keeps working with the old wrapping; the warning says so.
        """
        try:
            _replace_atomically(self._pem_path(name), key.wrap(self._passphrase), mode=0o600)
        except OSError as exc:
            logger.warning(
                "key %r in %s uses an old key wrapping and could not be rewritten: %s",
                name,
                self._directory,
                exc.strerror or exc,
            )
            return
        logger.info("key %r in %s rewrapped with Argon2id", name, self._directory)

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
    _fsync_directory(final.parent)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable: without this a power cut can undo it on some filesystems."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform opens directories; the rename itself is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
