"""Issuers' Ed25519 signing keys: generation, rotation, revocation, the DID document.

Rotation retires the active key and generates a new one. A retired key stays in the
issuer's did:web document under ``assertionMethod``, so every credential it signed keeps
verifying; only revocation (a compromised key) removes it. A did:key issuer cannot rotate:
its DID *is* its key.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from credentials import multikey
from credentials.did import DidKey, build_did_web_document, did_key_document
from credentials.keys import Ed25519SigningKey
from issuer.models import Issuer, SigningKey
from issuer.services import audit
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError

_WEB_FRAGMENT = re.compile(r"key-(\d+)")


def new_signing_key(
    issuer: Issuer, key: Ed25519SigningKey, *, fragment: str, passphrase: bytes
) -> SigningKey:
    """Store ``key`` (encrypted with ``passphrase``) as the issuer's active key."""
    row = SigningKey(
        issuer=issuer,
        fragment=fragment,
        public_key_multibase=key.public_key_multibase,
        encrypted_private_key=key.wrap(passphrase).decode("ascii"),
        is_active=True,
    )
    db.session.add(row)
    return row


def active_signing_key(issuer: Issuer) -> SigningKey:
    """The key new credentials are signed with (409 if the issuer has none)."""
    key = db.session.scalar(
        select(SigningKey).where(SigningKey.issuer_id == issuer.id, SigningKey.is_active)
    )
    if key is None:
        raise ConflictError(
            f"training provider {issuer.slug!r} has no active signing key; rotate to create one",
            code="no_active_signing_key",
        )
    return key


def list_signing_keys(issuer: Issuer) -> list[SigningKey]:
    return list(
        db.session.scalars(
            select(SigningKey).where(SigningKey.issuer_id == issuer.id).order_by(SigningKey.id)
        )
    )


def find_signing_key(issuer: Issuer, fragment: str) -> SigningKey:
    bare = fragment.split("#", 1)[-1]
    key = db.session.scalar(
        select(SigningKey).where(SigningKey.issuer_id == issuer.id, SigningKey.fragment == bare)
    )
    if key is None:
        raise NotFoundError(f"training provider {issuer.slug!r} has no signing key {fragment!r}")
    return key


def _next_web_fragment(issuer: Issuer) -> str:
    numbers = [
        int(m.group(1))
        for k in list_signing_keys(issuer)
        if (m := _WEB_FRAGMENT.fullmatch(k.fragment)) is not None
    ]
    return f"key-{max(numbers, default=0) + 1}"


def rotate_signing_key(
    issuer: Issuer, *, passphrase: bytes, actor: str, ip: str | None = None
) -> SigningKey:
    """Retire the active key (it stays in the DID document) and activate a new one."""
    if issuer.did_method != "web":
        raise ConflictError(
            f"training provider {issuer.slug!r} uses did:key, whose DID is its key: it cannot "
            "rotate; create a did:web provider to rotate keys",
            code="rotation_unsupported",
        )
    now = datetime.now(UTC)
    previous = db.session.scalar(
        select(SigningKey).where(SigningKey.issuer_id == issuer.id, SigningKey.is_active)
    )
    if previous is not None:
        previous.is_active = False
        previous.retired_at = now
        db.session.flush()  # the one-active-key index must see the old key retired first
    key = new_signing_key(
        issuer,
        Ed25519SigningKey.generate(),
        fragment=_next_web_fragment(issuer),
        passphrase=passphrase,
    )
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="signing_key.rotate",
        target_type="signing_key",
        target_id=key.fragment,
        ip=ip,
        retired=previous.fragment if previous else None,
    )
    return key


def retire_signing_key(
    issuer: Issuer, fragment: str, *, passphrase: bytes, actor: str, ip: str | None = None
) -> SigningKey:
    """Stop signing with the active key ``fragment``: a new key takes over (a rotation)
    and the retired one stays in the DID document, so what it signed keeps verifying.

    A provider is never left without an active key: its status lists are signed when
    served, with the active key, so without one no credential's status could be checked
    and every credential would fail verification. Returns the new active key. A key that
    is already retired or revoked is refused (409).
    """
    key = find_signing_key(issuer, fragment)
    if not key.is_active:
        raise ConflictError(
            f"signing key {key.fragment} is {key.state}: it signs nothing already",
            code="signing_key_not_active",
        )
    successor = rotate_signing_key(issuer, passphrase=passphrase, actor=actor, ip=ip)
    audit.record(
        issuer.id,
        actor=actor,
        action="signing_key.retire",
        target_type="signing_key",
        target_id=key.fragment,
        ip=ip,
        successor=successor.fragment,
    )
    return successor


def revoke_signing_key(
    issuer: Issuer, fragment: str, *, reason: str, passphrase: bytes, actor: str
) -> SigningKey:
    """Remove a compromised key from the DID document; rotates first if it is the active one.

    Everything the key signed stops verifying — that is the point of revoking it.
    """
    key = find_signing_key(issuer, fragment)
    if key.revoked_at is not None:
        return key
    if key.is_active:
        rotate_signing_key(issuer, passphrase=passphrase, actor=actor)
    key.revoked_at = datetime.now(UTC)
    key.revocation_reason = reason
    key.is_active = False
    audit.record(
        issuer.id,
        actor=actor,
        action="signing_key.revoke",
        target_type="signing_key",
        target_id=key.fragment,
        reason=reason,
    )
    return key


def published_keys(issuer: Issuer) -> list[DidKey]:
    """The keys a DID document of the issuer lists: every one not revoked."""
    return [
        DidKey(
            key.fragment,
            multikey.decode_public_key(key.public_key_multibase),
            active=key.is_active,
        )
        for key in list_signing_keys(issuer)
        if key.revoked_at is None
    ]


def did_document(issuer: Issuer) -> dict[str, Any]:
    """The issuer's DID document: every non-revoked key under ``assertionMethod``."""
    if issuer.did_method == "key":
        return did_key_document(issuer.did)
    return build_did_web_document(issuer.did, published_keys(issuer))
