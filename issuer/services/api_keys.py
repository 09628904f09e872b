"""API keys: ``mc_<prefix>_<secret>`` bearer tokens, stored as prefix + SHA-256(secret).

The secret has 256 bits of entropy, so a fast hash is enough: nobody can brute-force it,
and unlike a password hash SHA-256 costs microseconds on every request. The plaintext is
returned once, at creation, and never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, update

from issuer.models import ApiKey, Issuer
from issuer.scopes import (
    ALL_SCOPES,
    CONFIGURED,
    checked_scopes,
    configured_grace,
    configured_lifetime,
    scopes_of,
)
from issuer.services import audit
from issuer.services.issuance_records import IssuerRecord
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

TOKEN_PREFIX = "mc"  # noqa: S105 - the public prefix of every token, not a secret
_PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_PREFIX_LENGTH = 8
_SECRET_BYTES = 32  # 256 bits
TOKEN_PATTERN = re.compile(r"mc_([a-z0-9]{8})_([A-Za-z0-9_-]{43})")

#: last_used_at is refreshed at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class NewApiKey:
    """A freshly created key and its plaintext token (shown to the user once)."""

    api_key: ApiKey
    token: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _new_prefix() -> str:
    return "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH))


def create_api_key(
    issuer: Issuer,
    *,
    name: str,
    actor: str,
    scopes: Iterable[str] | None = None,
    lifetime: timedelta | None = CONFIGURED,
    ip: str | None = None,
) -> NewApiKey:
    """A new key with ``scopes`` (all by default) expiring after ``lifetime`` (None: never)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UnprocessableError("an API key name must be 1-100 characters", field="name")
    scope_text = checked_scopes(scopes)
    if lifetime is CONFIGURED:
        lifetime = configured_lifetime()
    if lifetime is not None and lifetime <= timedelta(0):
        raise UnprocessableError("an API key's lifetime must be positive", field="expiresInDays")
    now = datetime.now(UTC).replace(microsecond=0)
    prefix = _new_prefix()
    while db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix = _new_prefix()  # 36^8 prefixes: a collision is rare, but cheap to avoid
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    api_key = ApiKey(
        issuer=issuer,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        created_by=actor,
        created_at=now,
        scopes=scope_text,
        expires_at=now + lifetime if lifetime is not None else None,
    )
    db.session.add(api_key)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="api_key.create",
        target_type="api_key",
        target_id=api_key.display_prefix,
        ip=ip,
        name=name,
        scopes=scope_text,
        expires_at=api_key.expires_at.isoformat() if api_key.expires_at else None,
    )
    return NewApiKey(api_key=api_key, token=f"{TOKEN_PREFIX}_{prefix}_{secret}")


@dataclass(frozen=True, slots=True)
class AuthenticatedKey:
    """What a request learns about the key it presented, and the key's provider."""

    id: int
    name: str
    prefix: str
    last_used_at: datetime | None
    issuer: IssuerRecord
    scopes: frozenset[str] = ALL_SCOPES
    expires_at: datetime | None = None

    @property
    def issuer_id(self) -> int:
        return self.issuer.id

    @property
    def display_prefix(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}"


@dataclass(frozen=True, slots=True)
class Authentication:
    """The outcome of checking a token: the key, or why it was refused."""

    api_key: AuthenticatedKey | None
    refusal: str | None = None  # "malformed", "unknown", "revoked", "expired"
    expired_at: datetime | None = None


_k, _i = ApiKey.__table__.c, Issuer.__table__.c
#: Every API request runs this: one prepared Core statement reads the key and its
#: provider (no ORM objects, no second query for the provider). Nothing is cached across
#: requests, so a revoked key is refused at the very next request, in every process.
_BY_PREFIX = (
    select(
        _k.id,
        _k.name,
        _k.prefix,
        _k.secret_hash,
        _k.last_used_at,
        _k.revoked_at,
        _k.expires_at,
        _k.scopes,
        _i.id,
        _i.slug,
        _i.did,
        _i.name,
        _i.url,
        _i.logo_image,
        _i.recipient_email,  # fl-privacy: issuance honours the provider's choice
    )
    .join_from(ApiKey.__table__, Issuer.__table__, _k.issuer_id == _i.id)
    .where(_k.prefix == bindparam("prefix"))
)


def authenticate_token(token: str) -> Authentication:
    match = TOKEN_PATTERN.fullmatch(token)
    if match is None:
        return Authentication(None, "malformed")
    prefix, secret = match.groups()
    row = db.session.connection().execute(_BY_PREFIX, {"prefix": prefix}).one_or_none()
    if row is None or not hmac.compare_digest(row[3], hash_secret(secret)):
        return Authentication(None, "unknown")
    if row[5] is not None:
        return Authentication(None, "revoked")
    key_id, name, prefix, _, last_used_at, _, expires_at, scopes, *issuer = row
    if expires_at is not None and expires_at <= datetime.now(UTC):
        return Authentication(None, "expired", expired_at=expires_at)
    return Authentication(
        AuthenticatedKey(
            key_id, name, prefix, last_used_at, IssuerRecord(*issuer), scopes_of(scopes), expires_at
        )
    )


def needs_last_used_update(api_key: ApiKey | AuthenticatedKey, now: datetime) -> bool:
    return api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION


def touch_last_used(api_key_id: int, now: datetime) -> None:
    db.session.execute(update(ApiKey).where(ApiKey.id == api_key_id).values(last_used_at=now))


def find_api_key(issuer: Issuer, prefix: str) -> ApiKey:
    """An issuer's key by its prefix (``mc_ab12cd34`` or ``ab12cd34``); 404 otherwise."""
    bare = prefix.removeprefix(f"{TOKEN_PREFIX}_")
    api_key = db.session.scalar(
        select(ApiKey).where(ApiKey.issuer_id == issuer.id, ApiKey.prefix == bare)
    )
    if api_key is None:
        raise NotFoundError(f"training provider {issuer.slug!r} has no API key {prefix!r}")
    return api_key


def list_api_keys(issuer: Issuer) -> list[ApiKey]:
    return list(
        db.session.scalars(select(ApiKey).where(ApiKey.issuer_id == issuer.id).order_by(ApiKey.id))
    )


def revoke_api_key(issuer: Issuer, prefix: str, *, actor: str, ip: str | None = None) -> ApiKey:
    api_key = find_api_key(issuer, prefix)
    if api_key.revoked_at is None:
        api_key.revoked_at = datetime.now(UTC)
        audit.record(
            issuer.id,
            actor=actor,
            action="api_key.revoke",
            target_type="api_key",
            target_id=api_key.display_prefix,
            ip=ip,
        )
    return api_key


def rotate_api_key(
    issuer: Issuer,
    prefix: str,
    *,
    actor: str,
    grace: timedelta | None = None,
    ip: str | None = None,
) -> NewApiKey:
    """A new key with the old one's name and scopes; the old one expires after ``grace``.

    ``grace`` (MICROCRED_API_KEY_ROTATION_GRACE_HOURS by default) lets the old key's
    clients switch over; zero revokes it at once. Rotating never extends the old key's life.
    """
    old = find_api_key(issuer, prefix)
    now = datetime.now(UTC).replace(microsecond=0)
    if old.revoked_at is not None:
        raise ConflictError(f"API key {old.display_prefix} is revoked; create a new key instead")
    if old.replaced_by is not None:
        raise ConflictError(
            f"API key {old.display_prefix} was already rotated; rotate its replacement "
            f"{TOKEN_PREFIX}_{old.replaced_by} instead",
            code="api_key_already_rotated",
        )
    if old.expires_at is not None and old.expires_at <= now:
        raise ConflictError(
            f"API key {old.display_prefix} has expired; create a new key instead",
            code="api_key_expired",
        )
    grace = configured_grace() if grace is None else grace
    if grace < timedelta(0):
        raise UnprocessableError("the rotation grace period cannot be negative", field="grace")
    new = create_api_key(issuer, name=old.name, actor=actor, scopes=scopes_of(old.scopes), ip=ip)
    old.replaced_by = new.api_key.prefix
    if grace == timedelta(0):
        revoke_api_key(issuer, prefix, actor=actor, ip=ip)
    elif old.expires_at is None or old.expires_at > now + grace:
        old.expires_at = now + grace
    audit.record(
        issuer.id,
        actor=actor,
        action="api_key.rotate",
        target_type="api_key",
        target_id=old.display_prefix,
        ip=ip,
        replaced_by=new.api_key.display_prefix,
        old_key_expires_at=old.expires_at.isoformat() if old.expires_at else None,
    )
    return new
