"""The key a training provider signs with now, decrypted once per process.

Private keys are stored wrapped under the passphrase with Argon2id
(``credentials.key_wrapping``), which is slow on purpose: unlocking one costs about 40 ms,
more than ten issuances. So decrypted keys are kept in memory, keyed by (key id, public
key), and the cost is paid once per key per process. The public key is part of the key because ids
are reused after rows are deleted (SQLite, test databases): a cached key can then only
ever answer for the very key it was decrypted from.

Which key signs is never cached: every signature starts from a query for the issuer's
*active* key, and revoking a key deactivates it in the same transaction, so a revoked
key cannot sign a credential or a status list again.

A key still in the old wrapping (PKCS#8 with PBKDF2 at 2,048 iterations) is rewrapped on
its first unlock, in the caller's transaction (issuance and status-list signing are write
transactions). If that transaction rolls back, the next process to unlock it tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from credentials.caching import Cache
from credentials.errors import ConflictError, KeyStoreError
from credentials.keys import Ed25519SigningKey
from issuer.models import SigningKey
from microcred.platform.extensions import db

logger = logging.getLogger(__name__)

#: Decrypted keys kept per process (a few per provider at most in practice).
CACHE_SIZE = 256

_cache: Cache[tuple[int, str], Ed25519SigningKey] = Cache(CACHE_SIZE, name="issuer.signing_keys")


_k = SigningKey.__table__.c
_ACTIVE = select(_k.id, _k.fragment, _k.public_key_multibase).where(
    _k.issuer_id == bindparam("issuer_id"), _k.is_active, _k.revoked_at.is_(None)
)


@dataclass(frozen=True, slots=True)
class ActiveSigner:
    """The issuer's active key, ready to sign, and the verification method naming it."""

    key_id: int
    verification_method: str
    signer: Ed25519SigningKey


def active_signer(issuer_id: int, did: str, *, passphrase: bytes) -> ActiveSigner:
    """The active key of issuer ``issuer_id`` (whose DID is ``did``); 409 if it has none."""
    row = db.session.connection().execute(_ACTIVE, {"issuer_id": issuer_id}).one_or_none()
    if row is None:
        raise no_active_key()
    return signer_for(row.id, row.fragment, row.public_key_multibase, did, passphrase=passphrase)


def signer_for(
    key_id: int, fragment: str, public_multibase: str, did: str, *, passphrase: bytes
) -> ActiveSigner:
    """The signer for a key the caller just read as active (in its own statement)."""
    key = _decrypted(key_id, public_multibase, passphrase)
    return ActiveSigner(key_id, f"{did}#{fragment}", key)


def no_active_key() -> ConflictError:
    return ConflictError(
        "the training provider has no active signing key; rotate to create one",
        details={"error": "no_active_signing_key"},
    )


def _decrypted(key_id: int, public_multibase: str, passphrase: bytes) -> Ed25519SigningKey:
    cache_key = (key_id, public_multibase)
    key = _cache.get(cache_key)
    if key is not None:
        return key
    pem = db.session.scalar(select(SigningKey.encrypted_private_key).where(SigningKey.id == key_id))
    if pem is None:
        raise KeyStoreError(f"signing key {key_id} vanished while being loaded")
    key, needs_rewrap = Ed25519SigningKey.unlock(pem.encode("ascii"), passphrase)
    if key.public_key_multibase != public_multibase:
        # The stored private half does not match the published public half: signing with
        # it would produce credentials nobody can verify.
        raise KeyStoreError(f"signing key {key_id} does not match its public key")
    if needs_rewrap:
        _rewrap(key_id, pem, key, passphrase)
    _cache.put(cache_key, key)
    return key


def _rewrap(key_id: int, old: str, key: Ed25519SigningKey, passphrase: bytes) -> None:
    """Store ``key`` in the current wrapping, unless someone changed the row meanwhile.

    A savepoint keeps a failure here (a busy SQLite) from spoiling the caller's
    transaction: the key still signs, and a later unlock migrates it.
    """
    wrapped = key.wrap(passphrase).decode("ascii")
    statement = (
        update(SigningKey)
        .where(SigningKey.id == key_id, SigningKey.encrypted_private_key == old)
        .values(encrypted_private_key=wrapped)
        .execution_options(synchronize_session=False)
    )
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except SQLAlchemyError as exc:
        logger.warning("signing key %s keeps its old wrapping for now: %s", key_id, exc)
        return
    logger.info("signing key %s rewrapped with Argon2id", key_id)


def forget_keys() -> None:
    """Drop every decrypted key (after a passphrase change, and in tests)."""
    _cache.clear()
