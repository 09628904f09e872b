"""Self-submitted evidence (issue 14, item 4): the competencies a freelancer says a
submitted gig project demonstrates (pending until the provider assesses them), and the
client's single-use confirmation link."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

CLIENT_OUTCOMES = ("confirmed", "declined")


class SubmittedCompetency(db.Model):
    """A competency the freelancer claims for their submitted project. Pending while the
    project has no ``Assessment`` for it; the assessment is the provider's answer."""

    __tablename__ = "submitted_competencies"

    project_id: Mapped[str] = mapped_column(
        ForeignKey("gig_projects.id", ondelete="CASCADE"), primary_key=True
    )
    competency_id: Mapped[str] = mapped_column(
        ForeignKey("competencies.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ClientConfirmation(db.Model):
    """The client's link to confirm (with a rating) or decline one project. Only the
    token's SHA-256 is stored; it works once (``used_at``) and only before ``expires_at``."""

    __tablename__ = "client_confirmations"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('confirmed', 'declined')", name="outcome"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 0 AND 5", name="rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("gig_projects.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))
    rating: Mapped[Decimal | None] = mapped_column(Numeric(2, 1, asdecimal=True))
    comment: Mapped[str | None] = mapped_column(Text)
