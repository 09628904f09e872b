"""The key a training provider signs with now, decrypted once per process.

Private keys are stored encrypted (PKCS#8 with a passphrase KDF); decrypting one costs
about half a millisecond, a sixth of an issuance's budget, so decrypted keys are kept in
memory, keyed by (key id, public key). The public key is part of the key because ids
are reused after rows are deleted (SQLite, test databases): a cached key can then only
ever answer for the very key it was decrypted from.

Which key signs is never cached: every signature starts from a query for the issuer's
*active* key, and revoking a key deactivates it in the same transaction, so a revoked
key cannot sign a credential or a status list again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from credentials.caching import Cache
from credentials.errors import ConflictError, KeyStoreError
from credentials.keys import Ed25519SigningKey
from issuer.models import SigningKey
from microcred.platform.extensions import db

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
    key = Ed25519SigningKey.from_pkcs8_pem(pem.encode("ascii"), passphrase)
    if key.public_key_multibase != public_multibase:
        # The stored private half does not match the published public half: signing with
        # it would produce credentials nobody can verify.
        raise KeyStoreError(f"signing key {key_id} does not match its public key")
    _cache.put(cache_key, key)
    return key


def forget_keys() -> None:
    """Drop every decrypted key (after a passphrase change, and in tests)."""
    _cache.clear()
