"""Operational records: idempotency, the audit log, and crash-safe bulk issuance jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.ids import new_id
from microcred.platform.db import JsonType, UtcDateTime, utcnow
from microcred.platform.extensions import db

BULK_JOB_STATES = ("pending", "running", "completed", "failed")
BULK_ITEM_STATES = ("pending", "issued", "failed", "skipped")


class IdempotencyRecord(db.Model):
    """The stored response of a mutating request sent with an ``Idempotency-Key``.

    Written in the same transaction as the change it describes, so a response is stored
    exactly when the change is committed; UNIQUE (issuer_id, key) makes two concurrent
    requests with one key produce one change (the loser replays the winner's response).
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("issuer_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    #: SHA-256 over method, path and the canonical JSON body of the first request.
    fingerprint: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    response_headers: Mapped[dict[str, str]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)


class AuditEvent(db.Model):
    """Who did what to which object, and when (append-only)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_issuer_at", "issuer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    #: ``api-key:mc_<prefix>`` for API calls, ``cli`` for administration commands,
    #: ``user:<id>`` for console actions.
    actor: Mapped[str] = mapped_column(String(100))
    #: ``<object>.<verb>``, for example ``certification.create`` or ``api_key.revoke``.
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    #: The client address of a console action (as ProxyFix reports it); None elsewhere.
    ip: Mapped[str | None] = mapped_column(String(45))


class BulkJob(db.Model):
    """A bulk issuance run. UNIQUE (issuer_id, source_hash): re-submitting the same file
    after a crash resumes the same job instead of starting a second one."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (
        UniqueConstraint("issuer_id", "source_hash"),
        CheckConstraint("state IN ('pending', 'running', 'completed', 'failed')", name="state"),
        Index("ix_bulk_jobs_state_lease", "state", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("bulk"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str | None] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(8))
    suite: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The queue's lease (issuer.services.bulk.lease): who runs the job, until when. A job
    # pending or running past its lease has lost its worker and is enqueued again.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    items: Mapped[list[BulkItem]] = relationship(
        back_populates="job", order_by="BulkItem.row_number", cascade="all, delete-orphan"
    )


class BulkItem(db.Model):
    """One row of a bulk job; ``credential_id`` is set in the transaction that issues it."""

    __tablename__ = "bulk_items"
    __table_args__ = (
        UniqueConstraint("job_id", "row_number"),
        CheckConstraint("state IN ('pending', 'issued', 'failed', 'skipped')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("bulk_jobs.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL"), index=True
    )
    error: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    job: Mapped[BulkJob] = relationship(back_populates="items")
