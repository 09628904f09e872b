"""The freelancer's side (issue 14, item 2): recipient accounts keyed by a verified e-mail
address, their single-use links (claim, sign-in), their server-side sessions, and the
visibility each account chose for each of its credentials.

An account is not a ``Freelancer``: a ``Freelancer`` row is one provider's record of a
person (one per provider), an account is the person, found by the e-mail address every
provider recorded. Secrets (session ids, link tokens) are stored only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from microcred.platform.db import JsonType, UtcDateTime, utcnow
from microcred.platform.extensions import db

#: public: listed on the profile; link: reachable by its /v/ and sharing links, not
#: listed; hidden: neither (docs/RECIPIENTS.md, "Claiming and the freelancer's account").
VISIBILITIES = ("public", "link", "hidden")
LINK_PURPOSES = ("claim", "signin")


class RecipientAccount(db.Model):
    """A freelancer's account: the e-mail address (lower-cased) a claim or sign-in link
    proved, and an optional Argon2id password (``issuer.services.passwords``)."""

    __tablename__ = "recipient_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    signed_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # --- i18n2: the language of the account pages at the last claim or sign-in; mail to
    # this address goes in it (issuer/mail_delivery.py). None: never chosen, English. ---
    language: Mapped[str | None] = mapped_column(String(8))
    # --- end i18n2 ---


class RecipientLink(db.Model):
    """A single-use link: a claim of one credential (``credential_id``, 30 days) or a
    sign-in (15 minutes). Only the token's SHA-256 is stored."""

    __tablename__ = "recipient_links"
    __table_args__ = (
        CheckConstraint("purpose IN ('claim', 'signin')", name="purpose"),
        Index("ix_recipient_links_email_purpose", "email", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))
    #: The address the link was sent to (lower-cased): what using it proves.
    email: Mapped[str] = mapped_column(String(254))
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RecipientSession(db.Model):
    """A server-side session of /account and /claim (never the console's table or cookie).
    ``expires_at`` is the earlier of the idle and the absolute deadline."""

    __tablename__ = "recipient_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipient_accounts.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class CredentialChoice(db.Model):
    """What the holder chose for one credential: its visibility, and when it was first
    claimed. No row: never claimed, and the profile shows it as before (``public``)."""

    __tablename__ = "credential_choices"
    __table_args__ = (
        CheckConstraint("visibility IN ('public', 'link', 'hidden')", name="visibility"),
    )

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("recipient_accounts.id", ondelete="SET NULL"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(8), default="public")
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
