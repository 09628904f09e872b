"""Freelancers (credential recipients) of a training provider."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from issuer.models import Freelancer, GigProject, Issuer
from issuer.services import audit
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, InvalidInputError, NotFoundError

_FIELDS = ("name", "email", "did", "handle", "profile_public")

#: DID syntax (DID Core §3.1): did:<method>:<method-specific-id>.
DID_PATTERN = re.compile(r"did:[a-z0-9]+:(?:[A-Za-z0-9._:-]|%[0-9A-Fa-f]{2})+")
#: A public profile's handle (/p/<handle>).
HANDLE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])")
#: Enough to reject typos, not a full RFC 5322 parser (as for console accounts).
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")


def field_problems(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, str]:
    """What is wrong with a freelancer's fields, by field name (empty: nothing).

    The checks that need no database: a name, an e-mail address that looks like one, a
    DID's syntax, a handle's shape. The console's forms and its CSV import call it; the
    API's schema states the same rules (and takes the patterns from here)."""
    problems: dict[str, str] = {}
    if not partial or "name" in data:
        name = (data.get("name") or "").strip()
        if not name:
            problems["name"] = "A name is needed."
        elif len(name) > 200:
            problems["name"] = "At most 200 characters."
    if not partial or "email" in data:
        email = (data.get("email") or "").strip()
        if not email:
            problems["email"] = "An e-mail address is needed."
        elif len(email) > 254 or not EMAIL_PATTERN.fullmatch(email):
            problems["email"] = "Not an e-mail address (such as name@example.org)."
    did = data.get("did")
    if did and (len(did) > 500 or not DID_PATTERN.fullmatch(did)):
        problems["did"] = "Not a valid DID (did:method:identifier)."
    handle = data.get("handle")
    if handle and not HANDLE_PATTERN.fullmatch(handle):
        problems["handle"] = (
            "Use 3-40 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit."
        )
    return problems


def check_fields(data: Mapping[str, Any], *, partial: bool = False) -> None:
    """Refuse (400, naming the field) the first problem ``field_problems`` finds."""
    for field, message in field_problems(data, partial=partial).items():
        raise InvalidInputError(message, field=field)


@dataclass(frozen=True, slots=True)
class FreelancerPage:
    items: list[Freelancer]
    page: int
    per_page: int
    total: int
    project_counts: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(issuer: Issuer, query: str = "", *, page: int = 1, per_page: int = 50) -> FreelancerPage:
    """One page of the provider's freelancers by name, whose name or e-mail contains
    ``query`` (case-insensitive in every script: the name's case-folded copy). Ordered by
    name, then id, which the index ``ix_freelancers_issuer_name`` serves (migration
    0010a)."""
    where = [Freelancer.issuer_id == issuer.id]
    needle = query.strip().casefold()
    if needle:
        pattern = f"%{_like_escaped(needle)}%"
        where.append(
            or_(
                Freelancer.search_name.like(pattern, escape="\\"),  # the name, case-folded
                Freelancer.email.like(pattern, escape="\\"),  # stored lower-cased
            )
        )
    total = db.session.scalar(select(func.count()).select_from(Freelancer).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(
        db.session.scalars(
            select(Freelancer)
            .where(*where)
            .order_by(Freelancer.name, Freelancer.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    counts: dict[str, int] = {}
    if items:
        counts = dict(
            db.session.execute(
                select(GigProject.freelancer_id, func.count())
                .where(GigProject.freelancer_id.in_([f.id for f in items]))
                .group_by(GigProject.freelancer_id)
            ).all()
        )
    return FreelancerPage(
        items=items, page=page, per_page=per_page, total=total, project_counts=counts
    )


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


def create_freelancer(
    issuer: Issuer, data: Mapping[str, Any], *, actor: str, ip: str | None = None
) -> Freelancer:
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
        ip=ip,
    )
    return freelancer


def update_freelancer(
    issuer: Issuer,
    freelancer_id: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    ip: str | None = None,
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
        ip=ip,
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
