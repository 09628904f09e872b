"""Counts for the console's dashboard, one provider at a time (real numbers, one query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select

from issuer.models import (
    AuditEvent,
    Freelancer,
    IssuedCredential,
    Issuer,
    MicroCertification,
    User,
)
from issuer.services.credentials import EXPIRING_DAYS
from microcred.platform.db import utcnow
from microcred.platform.extensions import db


@dataclass(frozen=True, slots=True)
class Counts:
    issued: int
    revoked: int
    certifications: int
    freelancers: int
    #: Neither revoked, suspended nor past its ``validUntil``.
    active: int = 0
    #: Suspended and not revoked (a revoked credential counts as revoked only).
    suspended: int = 0
    #: Active, and its ``validUntil`` falls within the next ``EXPIRING_DAYS`` days.
    expiring: int = 0
    #: Past its ``validUntil``, neither revoked nor suspended.
    expired: int = 0


def counts(issuer: Issuer, *, now: datetime | None = None) -> Counts:
    """The provider's credentials by state, its certifications and freelancers: one
    statement of small counts. Revoked, suspended, expired and expiring are index range
    reads of ``ix_issued_credentials_issuer_state`` (issuer, revoked_at, suspended,
    valid_until) that touch only the rows they count; only "issued" reads every entry of
    the provider (an index-only scan on PostgreSQL), and "active" is what remains, as the
    four states partition the credentials."""
    now = now or utcnow()
    soon = now + timedelta(days=EXPIRING_DAYS)
    ic = IssuedCredential

    def count(model: Any, *where: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(func.count())
            .select_from(model)
            .where(model.issuer_id == issuer.id, *where)
            .scalar_subquery()
        )

    live = (ic.revoked_at.is_(None), ic.suspended.is_(False))
    row = db.session.execute(
        select(
            count(ic),
            count(ic, ic.revoked_at.is_not(None)),
            count(MicroCertification),
            count(Freelancer),
            count(ic, ic.revoked_at.is_(None), ic.suspended.is_(True)),
            count(ic, *live, ic.valid_until >= now, ic.valid_until <= soon),
            count(ic, *live, ic.valid_until < now),  # as the credentials list's filter
        )
    ).one()
    issued, revoked, certs, people, suspended, expiring, expired = (int(v or 0) for v in row)
    return Counts(
        issued=issued,
        revoked=revoked,
        certifications=certs,
        freelancers=people,
        active=issued - revoked - suspended - expired,
        suspended=suspended,
        expiring=expiring,
        expired=expired,
    )


def audit_page(issuer: Issuer, *, page: int, per_page: int) -> tuple[list[AuditEvent], bool]:
    """One page of the provider's audit log, newest first, and whether there is another."""
    rows = list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.issuer_id == issuer.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return rows[:per_page], len(rows) > per_page


def actor_names(events: list[AuditEvent]) -> dict[str, str]:
    """``user:<id>`` actors mapped to the user's e-mail (one query for the page)."""
    ids = {
        int(e.actor[5:]) for e in events if e.actor.startswith("user:") and e.actor[5:].isdigit()
    }
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    return {f"user:{user_id}": email for user_id, email in rows}
