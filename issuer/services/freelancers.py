"""Freelancers (credential recipients) of a training provider."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select

from issuer.models import Freelancer, Issuer
from issuer.services import audit
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError

_FIELDS = ("name", "email", "did", "handle", "profile_public")


def freelancers_query(issuer: Issuer) -> Select[tuple[Freelancer]]:
    return (
        select(Freelancer)
        .where(Freelancer.issuer_id == issuer.id)
        .order_by(Freelancer.created_at, Freelancer.id)
    )


def get_freelancer(issuer: Issuer, freelancer_id: str) -> Freelancer:
    freelancer = db.session.scalar(
        select(Freelancer).where(Freelancer.id == freelancer_id, Freelancer.issuer_id == issuer.id)
    )
    if freelancer is None:
        raise NotFoundError(f"no freelancer with id {freelancer_id!r}")
    return freelancer


def find_by_email(issuer: Issuer, email: str) -> Freelancer | None:
    return db.session.scalar(
        select(Freelancer).where(
            Freelancer.issuer_id == issuer.id, Freelancer.email == email.strip().lower()
        )
    )


def create_freelancer(issuer: Issuer, data: Mapping[str, Any], *, actor: str) -> Freelancer:
    freelancer = Freelancer(issuer_id=issuer.id)
    _apply(issuer, freelancer, data)
    db.session.add(freelancer)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="freelancer.create",
        target_type="freelancer",
        target_id=freelancer.id,
    )
    return freelancer


def update_freelancer(
    issuer: Issuer, freelancer_id: str, data: Mapping[str, Any], *, actor: str
) -> Freelancer:
    freelancer = get_freelancer(issuer, freelancer_id)
    _apply(issuer, freelancer, data)
    freelancer.updated_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="freelancer.update",
        target_type="freelancer",
        target_id=freelancer.id,
        fields=sorted(data),
    )
    return freelancer


def _apply(issuer: Issuer, freelancer: Freelancer, data: Mapping[str, Any]) -> None:
    if "email" in data:
        email = data["email"].strip().lower()
        other = find_by_email(issuer, email)
        if other is not None and other is not freelancer:
            raise ConflictError(
                f"freelancer {other.id} already has the email address {email!r}",
                field="email",
                code="duplicate_email",
            )
        freelancer.email = email
    handle = data.get("handle")
    if handle is not None and handle != freelancer.handle:
        # Handles are global (the profile URL /p/<handle> is), so this can name a handle
        # used by another provider; it reveals no more than the public profile URL would.
        taken = db.session.scalar(select(Freelancer.id).where(Freelancer.handle == handle))
        if taken is not None:
            raise ConflictError(
                f"the profile handle {handle!r} is taken", field="handle", code="handle_taken"
            )
    for field in _FIELDS:
        if field in data and field != "email":
            setattr(freelancer, field, data[field])
