"""A provider's team: invitations by e-mail with a role, role changes and removals.

A provider always keeps at least one owner: the last one can be neither demoted nor
removed. Each change is audited with the acting user and the client address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from issuer.models import ROLES, AccountToken, Issuer, Membership, User
from issuer.services import accounts, audit
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from microcred.platform.refusals import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInputError(f"a role is one of {', '.join(ROLES)}", field="role")
    return role


def members(issuer: Issuer) -> list[tuple[Membership, User]]:
    rows = db.session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.issuer_id == issuer.id)
        .order_by(User.email)
    )
    return [(m, u) for m, u in rows]


def pending_invitations(issuer: Issuer) -> list[AccountToken]:
    return list(
        db.session.scalars(
            select(AccountToken)
            .where(
                AccountToken.issuer_id == issuer.id,
                AccountToken.purpose == "invite",
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > utcnow(),
            )
            .order_by(AccountToken.created_at.desc())
        )
    )


def invite(
    issuer: Issuer,
    email: str,
    role: str,
    *,
    by: User,
    ip: str | None = None,
    lifetime: timedelta = accounts.INVITE_LIFETIME,
) -> str:
    """A single-use invitation token for ``email`` to join as ``role``."""
    email = accounts.normalize_email(email)
    check_role(role)
    existing = accounts.find_user(email)
    if existing is not None and accounts.membership(existing.id, issuer.id) is not None:
        raise ConflictError(f"{email} is already a member", field="email")
    token, hashed = accounts.new_token()
    db.session.add(
        AccountToken(
            token_hash=hashed,
            purpose="invite",
            email=email,
            issuer_id=issuer.id,
            role=role,
            created_by=accounts.actor_of(by),
            expires_at=utcnow() + lifetime,
        )
    )
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="member.invite",
        target_type="invitation",
        target_id=email,
        ip=ip,
        role=role,
    )
    return token


@dataclass(frozen=True, slots=True)
class Invitation:
    email: str
    role: str
    issuer: Issuer


def invitation(token: str) -> Invitation:
    row = accounts.live_token(token, "invite")
    issuer = db.session.get(Issuer, row.issuer_id)
    if issuer is None or row.role is None:
        raise NotFoundError("this link is not valid: it was used already, expired or mistyped")
    return Invitation(email=row.email, role=row.role, issuer=issuer)


def accept(token: str, *, name: str, password: str, ip: str | None = None) -> User:
    """Use an invitation once: a new user with the invited e-mail joins with its role.

    An e-mail that already has an account is refused here: that person signs in and
    joins with ``join`` (no second password).
    """
    found = invitation(token)
    if accounts.find_user(found.email) is not None:
        raise ConflictError(
            "an account with this e-mail address already exists: sign in with it to join",
            field="email",
        )
    user = accounts.new_user(found.email, name, password)
    return _use(token, found, user, ip=ip)


def join(token: str, user: User, *, ip: str | None = None) -> Membership:
    """Use an invitation once as the signed-in ``user``, whose e-mail it must name: one
    more membership of the same account."""
    found = invitation(token)
    if user.email != found.email:
        raise ForbiddenError(
            f"this invitation is for {found.email}; you are signed in as {user.email}"
        )
    if accounts.membership(user.id, found.issuer.id) is not None:
        raise ConflictError(f"you are already a member of {found.issuer.name}")
    _use(token, found, user, ip=ip)
    member = accounts.membership(user.id, found.issuer.id)
    assert member is not None  # noqa: S101 - just added
    return member


def _use(token: str, found: Invitation, user: User, *, ip: str | None) -> User:
    row = accounts.live_token(token, "invite")
    db.session.add(Membership(user_id=user.id, issuer_id=found.issuer.id, role=found.role))
    row.used_at = utcnow()
    db.session.flush()
    audit.record(
        found.issuer.id,
        actor=accounts.actor_of(user),
        action="member.join",
        target_type="user",
        target_id=user.id,
        ip=ip,
        role=found.role,
    )
    return user


def revoke_invitation(
    issuer: Issuer, invitation_id: int | str, *, by: User, ip: str | None = None
) -> AccountToken:
    """Withdraw a pending invitation: its link stops working at once."""
    number = str(invitation_id)
    row = db.session.get(AccountToken, int(number)) if number.isdigit() else None
    if row is None or row.issuer_id != issuer.id or row.purpose != "invite" or row.used_at:
        raise NotFoundError(f"no pending invitation {invitation_id}")
    db.session.delete(row)
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="member.invite_revoke",
        target_type="invitation",
        target_id=row.email,
        ip=ip,
        role=row.role,
    )
    return row


def add_member(issuer: Issuer, user: User, role: str, *, actor: str) -> Membership:
    """Make ``user`` a member directly (the demo seed and operators; people are invited)."""
    check_role(role)
    row = Membership(user_id=user.id, issuer_id=issuer.id, role=role)
    db.session.add(row)
    audit.record(
        issuer.id,
        actor=actor,
        action="member.add",
        target_type="user",
        target_id=user.id,
        role=role,
    )
    return row


def _membership(issuer: Issuer, membership_id: int) -> Membership:
    row = db.session.get(Membership, membership_id)
    if row is None or row.issuer_id != issuer.id:
        raise NotFoundError(f"no member {membership_id}")
    return row


def _owners(issuer: Issuer) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.issuer_id == issuer.id, Membership.role == "owner")
        )
        or 0
    )


def change_role(
    issuer: Issuer, membership_id: int, role: str, *, by: User, ip: str | None = None
) -> Membership:
    check_role(role)
    row = _membership(issuer, membership_id)
    if row.role == "owner" and role != "owner" and _owners(issuer) <= 1:
        raise ConflictError("the last owner cannot be given another role", field="role")
    before, row.role = row.role, role
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="member.role",
        target_type="user",
        target_id=row.user_id,
        ip=ip,
        before=before,
        after=role,
    )
    return row


def remove(issuer: Issuer, membership_id: int, *, by: User, ip: str | None = None) -> None:
    row = _membership(issuer, membership_id)
    if row.role == "owner" and _owners(issuer) <= 1:
        raise ConflictError("the last owner cannot be removed", field="member")
    db.session.delete(row)
    # Console sessions name the user, not the membership: the next request of the removed
    # member finds no membership and is signed out; ending them now is simply sooner.
    accounts.end_sessions(row.user_id)
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="member.remove",
        target_type="user",
        target_id=row.user_id,
        ip=ip,
    )
