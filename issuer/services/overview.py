"""Counts for the console's dashboard, one provider at a time (real numbers, one query)."""

from __future__ import annotations

from dataclasses import dataclass
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
from microcred.platform.extensions import db


@dataclass(frozen=True, slots=True)
class Counts:
    issued: int
    revoked: int
    certifications: int
    freelancers: int


def counts(issuer: Issuer) -> Counts:
    def count(model: Any, *where: ColumnElement[bool]) -> ScalarSelect[int]:
        return (
            select(func.count())
            .select_from(model)
            .where(model.issuer_id == issuer.id, *where)
            .scalar_subquery()
        )

    row = db.session.execute(
        select(
            count(IssuedCredential),
            count(IssuedCredential, IssuedCredential.revoked_at.is_not(None)),
            count(MicroCertification),
            count(Freelancer),
        )
    ).one()
    return Counts(*(int(value or 0) for value in row))


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
