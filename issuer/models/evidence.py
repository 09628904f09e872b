"""Recipients and their evidence: freelancers, gig projects and competency assessments."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from issuer.ids import new_id
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from issuer.models.catalog import Competency

PLATFORMS = (
    "Upwork",
    "Fiverr",
    "Toptal",
    "Freelancer.com",
    "PeoplePerHour",
    "Guru",
    "Malt",
    "Contra",
    "Other",
)
OUTCOMES = ("accepted", "rejected")
# --- fl-evidence: who put a project in (issue 14, item 4) ---
#: "provider": entered in the console or the API; "freelancer": self-submitted from /account.
PROJECT_SOURCES = ("provider", "freelancer")
# --- end fl-evidence ---


def _folded_name(context: Any) -> str | None:
    """``search_name``'s default on an insert that does not give it (a bulk insert)."""
    name = context.get_current_parameters().get("name")
    return name.casefold() if isinstance(name, str) else None


def _identity_salt() -> str:
    return secrets.token_hex(16)


class Freelancer(db.Model):
    """A credential recipient. Credentials name them by DID, else by a salted email hash."""

    __tablename__ = "freelancers"
    __table_args__ = (
        UniqueConstraint("issuer_id", "email"),
        # The console's list: a provider's freelancers by name, a page at a time.
        Index("ix_freelancers_issuer_name", "issuer_id", "name", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("frl"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The name case-folded by Python (``str.casefold``), for the console's search: the
    #: databases' ``lower()`` folds only ASCII letters (SQLite; PostgreSQL under the C
    #: collation), so "ÉLODIE" would not find "Élodie". Kept in step by ``_fold_name``
    #: (and ``_folded_name`` for a bulk insert).
    search_name: Mapped[str | None] = mapped_column(String(200), default=_folded_name)
    #: Stored lower-cased for contact and for the salted identifier; never published.
    email: Mapped[str] = mapped_column(String(254))
    did: Mapped[str | None] = mapped_column(String(500))
    #: Public profile at /p/<handle>; global because the URL is.
    handle: Mapped[str | None] = mapped_column(String(40), unique=True)
    profile_public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Salt of the hashed-email ``identifier`` in credentials (OB 3.0 IdentityObject).
    identity_salt: Mapped[str] = mapped_column(String(64), default=_identity_salt)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    projects: Mapped[list[GigProject]] = relationship(
        back_populates="freelancer", order_by="GigProject.created_at", cascade="all, delete-orphan"
    )

    @validates("name")
    def _fold_name(self, _key: str, name: str) -> str:
        self.search_name = name.casefold() if name is not None else None
        return name

    def __repr__(self) -> str:
        return f"<Freelancer {self.id} {self.name!r}>"


class GigProject(db.Model):
    """A freelance gig offered as evidence; assessed per competency by the provider."""

    __tablename__ = "gig_projects"
    __table_args__ = (
        CheckConstraint("client_rating IS NULL OR client_rating BETWEEN 0 AND 5", name="rating"),
        CheckConstraint(
            "started_on IS NULL OR finished_on IS NULL OR finished_on >= started_on",
            name="dates",
        ),
        # --- fl-evidence ---
        CheckConstraint("source IN ('provider', 'freelancer')", name="source"),
        # --- end fl-evidence ---
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("prj"))
    # Denormalised from the freelancer so every tenant-scoped query is one WHERE clause.
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"), index=True)
    freelancer_id: Mapped[str] = mapped_column(
        ForeignKey("freelancers.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    client_name: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date | None] = mapped_column(Date)
    finished_on: Mapped[date | None] = mapped_column(Date)
    deliverables: Mapped[str | None] = mapped_column(Text)
    client_rating: Mapped[Decimal | None] = mapped_column(Numeric(2, 1, asdecimal=True))
    client_feedback: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # --- fl-evidence: self-submitted evidence (issue 14, item 4) ---
    source: Mapped[str] = mapped_column(String(10), default="provider", server_default="provider")
    #: The client contact the freelancer gave (asked to confirm the project); never published.
    client_email: Mapped[str | None] = mapped_column(String(254))
    #: When the client confirmed the project through their single-use link.
    client_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # --- end fl-evidence ---

    freelancer: Mapped[Freelancer] = relationship(back_populates="projects")
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="project", order_by="Assessment.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<GigProject {self.id} {self.title!r}>"


class Assessment(db.Model):
    """The provider's judgement of whether one project demonstrates one competency."""

    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("project_id", "competency_id"),
        CheckConstraint("outcome IN ('accepted', 'rejected')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("gig_projects.id", ondelete="CASCADE"))
    # RESTRICT: a competency with recorded judgements is not silently deleted.
    competency_id: Mapped[str] = mapped_column(
        ForeignKey("competencies.id", ondelete="RESTRICT"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(8))
    reviewer: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    project: Mapped[GigProject] = relationship(back_populates="assessments")
    competency: Mapped[Competency] = relationship()

    def __repr__(self) -> str:
        return f"<Assessment {self.project_id}/{self.competency_id} {self.outcome}>"
