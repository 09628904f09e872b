"""Mail to freelancers (issue 14, item 1): one delivery row per credential and kind, and a
provider's mail settings.

A ``MailDelivery`` is written before the first try and updated around every try, so the
console shows what happened to each message (queued, retrying with the last error, sent
with its Message-ID, or failed). One row per (credential, kind): a credential is issued
once, revoked once and told of its expiry once; "send again" re-queues the same row. That
uniqueness is also what makes the expiry notice go out once, even when two scans race.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from issuer.models.issued import IssuedCredential

MAIL_KINDS: Final = ("issued", "revoked", "expiring")
MAIL_STATES: Final = ("queued", "sent", "retrying", "failed")


class MailDelivery(db.Model):
    """One message to a credential's freelancer and every try to deliver it."""

    __tablename__ = "mail_deliveries"
    __table_args__ = (
        UniqueConstraint("credential_id", "kind"),
        CheckConstraint("kind IN ('issued', 'revoked', 'expiring')", name="kind"),
        CheckConstraint("status IN ('queued', 'sent', 'retrying', 'failed')", name="status"),
        Index("ix_mail_deliveries_issuer_created", "issuer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    #: The address it went to (the freelancer's at the time: a later change is a new send).
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: Tries since it was last queued ("send again" starts again at 0).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The Message-ID header of the message as sent (or written to the outbox).
    message_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    credential: Mapped[IssuedCredential] = relationship()

    def __repr__(self) -> str:
        return f"<MailDelivery {self.kind} {self.credential_id} {self.status}>"


class MailSettings(db.Model):
    """A provider's choices for its mail to freelancers; no row means the defaults."""

    __tablename__ = "issuer_mail_settings"

    issuer_id: Mapped[int] = mapped_column(
        ForeignKey("issuers.id", ondelete="CASCADE"), primary_key=True
    )
    #: Attach the PDF certificate to the "issued" mail.
    attach_pdf: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
