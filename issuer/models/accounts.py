"""Console accounts: people (users), their memberships of training providers with a role,
server-side console sessions, and single-use tokens (password reset, invitation).

A user belongs to organisations through ``Membership``, so that one person may work for
several providers; the console session names the current one (the header's switcher).
Secrets (session ids, token values) are stored only as SHA-256 hashes: a copy of the
database does not let anyone sign in or reset a password.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcred.platform.db import JsonType, UtcDateTime, utcnow
from microcred.platform.extensions import db

#: Highest first; a role may do everything the roles after it may do.
ROLES = ("owner", "issuer", "viewer")
TOKEN_PURPOSES = ("reset", "invite")


class User(db.Model):
    """A person who signs in to the console (e-mail stored lower-cased)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Argon2id in PHC string form (argon2-cffi), parameters included.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Failed sign-ins since the last success; at the limit the account locks.
    failed_signins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(db.Model):
    """A user's place in one training provider, with a role (``ROLES``)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "issuer_id"),
        CheckConstraint("role IN ('owner', 'issuer', 'viewer')", name="role"),
        Index("ix_memberships_issuer_id", "issuer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")


class ConsoleSession(db.Model):
    """A server-side console session. The cookie holds a random 256-bit id; only its
    SHA-256 is stored, so the table cannot be replayed. ``expires_at`` is the earlier of
    the idle and the absolute deadline, so one indexed comparison finds the dead ones."""

    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AccountToken(db.Model):
    """A single-use link: a password reset (``user_id``) or an invitation to join
    ``issuer_id`` as ``role`` (``email``). Only the token's SHA-256 is stored."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('reset', 'invite')", name="purpose"),
        CheckConstraint("role IS NULL OR role IN ('owner', 'issuer', 'viewer')", name="role"),
        Index("ix_account_tokens_issuer_purpose", "issuer_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    role: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OidcProvider(db.Model):
    """An organisation's own OpenID Connect provider for console sign-in (one per
    provider). The endpoints come from the provider's discovery document when the owner
    saves the settings. The client secret is stored encrypted under a key derived from
    MICROCRED_KEY_PASSPHRASE (``issuer.services.sso``) and never shown again."""

    __tablename__ = "oidc_providers"
    __table_args__ = (CheckConstraint("default_role IN ('issuer', 'viewer')", name="default_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(
        ForeignKey("issuers.id", ondelete="CASCADE"), unique=True
    )
    issuer_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(String(1000))
    authorization_endpoint: Mapped[str] = mapped_column(String(500))
    token_endpoint: Mapped[str] = mapped_column(String(500))
    jwks_uri: Mapped[str] = mapped_column(String(500))
    #: Lower-case domains, one space between each.
    allowed_domains: Mapped[str] = mapped_column(String(1000), default="")
    default_role: Mapped[str] = mapped_column(String(16), default="viewer")
    require_sso: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    @property
    def domains(self) -> list[str]:
        return self.allowed_domains.split()
