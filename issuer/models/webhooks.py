"""Webhooks: a provider's HTTPS endpoints, the messages sent to them and each attempt.

An endpoint subscribes to event types; for each event of its provider that it subscribes
to, one ``WebhookMessage`` is written (its id is the Standard Webhooks ``webhook-id``, the
same on every retry, so receivers can drop duplicates). Every POST of a message, first
try, retry or replay, is a ``WebhookAttempt`` with the status, a bounded snippet of the
answer and how long it took: the delivery log the console shows.

The signing secret is stored encrypted (``issuer.services.webhooks``), never in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

MESSAGE_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # wh_…
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    #: Subscribed event types, one space between each.
    events: Mapped[str] = mapped_column(String(500))
    #: The signing secret, sealed (AES-256-GCM, bound to the endpoint's id).
    secret: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Why it was turned off: by a person, a 410 Gone, or repeated failure.
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    #: Messages that failed in a row (every retry spent); reset by a delivery.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    @property
    def event_types(self) -> list[str]:
        return self.events.split()


class WebhookMessage(db.Model):
    __tablename__ = "webhook_messages"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'delivered', 'failed')", name="state"),
        # The endpoint's log, newest first.
        Index("ix_webhook_messages_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # msg_…
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(40))
    #: The body, byte for byte as signed and sent (UTF-8 JSON).
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    attempts: Mapped[list[WebhookAttempt]] = relationship(
        back_populates="message",
        cascade="all, delete-orphan",
        order_by="WebhookAttempt.id",
    )


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: None when no answer came (refused address, TLS failure, timeout).
    status_code: Mapped[int | None] = mapped_column(Integer)
    #: The start of the answer (bounded), or why there was none.
    response: Mapped[str] = mapped_column(String(1000), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    #: Sent again by a person (console or API), not by the retry schedule.
    replay: Mapped[bool] = mapped_column(Boolean, default=False)

    message: Mapped[WebhookMessage] = relationship(back_populates="attempts")

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
