"""Console accounts: signing up an organisation with its first owner, signing in (with the
lock after repeated failures), password changes and resets by single-use link, and the
server-side sessions a password change ends.

No HTTP here: the console (issuer.console) builds links, sends mail and sets cookies;
these functions take and return plain values and raise the project's refusals.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from issuer.models import AccountToken, ConsoleSession, Issuer, Membership, User
from issuer.services import audit, issuers, passwords
from issuer.services.certifications import slugify
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, InvalidInputError, NotFoundError

#: Enough to reject typos, not a full RFC 5322 parser (the mail server has the last word).
EMAIL_PATTERN = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
RESET_LIFETIME = timedelta(hours=1)
INVITE_LIFETIME = timedelta(days=3)


def actor_of(user: User) -> str:
    """How the audit log names a console user (``user:<id>``; the page shows the e-mail)."""
    return f"user:{user.id}"


def normalize_email(email: str, *, field: str = "email") -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise InvalidInputError("enter an e-mail address such as name@example.org", field=field)
    return value


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A random 256-bit URL-safe token and the SHA-256 that is stored instead."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def new_user(email: str, name: str, password: str) -> User:
    email = normalize_email(email)
    if not name.strip():
        raise InvalidInputError("enter your name", field="name")
    passwords.check_new_password(password)
    if find_user(email) is not None:
        raise ConflictError("an account with this e-mail address already exists", field="email")
    user = User(email=email, name=name.strip(), password_hash=passwords.hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True, slots=True)
class SignUp:
    user: User
    issuer: Issuer


def sign_up(
    *,
    organisation: str,
    slug: str,
    email: str,
    name: str,
    password: str,
    base_url: str,
    passphrase: bytes,
    ip: str | None = None,
) -> SignUp:
    """A new provider (through ``issuers.create_issuer``, as the CLI makes one: its DID,
    first signing key and API key) and its first user, as owner. An empty ``slug`` is
    made from the organisation's name."""
    user = new_user(email, name, password)
    slug = slug.strip() or slugify(organisation)
    created = issuers.create_issuer(
        slug, name=organisation, base_url=base_url, passphrase=passphrase, actor=actor_of(user)
    )
    db.session.add(Membership(user_id=user.id, issuer_id=created.issuer.id, role="owner"))
    record(user, created.issuer.id, "user.sign_up", ip=ip)
    return SignUp(user=user, issuer=created.issuer)


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in attempt; ``user`` is None when refused (any reason: the
    caller must not tell an unknown e-mail from a wrong password or a lock)."""

    user: User | None
    locked_now: bool = False


def sign_in(
    email: str,
    password: str,
    *,
    lock_after: int,
    lock_for: timedelta,
    ip: str | None = None,
    now: datetime | None = None,
) -> SignIn:
    """Check a password, counting failures: the ``lock_after``-th in a row locks the account
    for ``lock_for``, during which even the right password is refused. Returns instead of
    raising so that the caller commits the failure count."""
    now = now or utcnow()
    user = find_user(email) if email else None
    matches = passwords.verify_password(user.password_hash if user else None, password)
    if user is None:
        return SignIn(None)
    if user.locked_until is not None and user.locked_until > now:
        return SignIn(None)
    if not matches:
        user.failed_signins += 1
        locked = user.failed_signins >= lock_after
        if locked:
            user.locked_until = now + lock_for
            user.failed_signins = 0
        for membership in user.memberships:
            record(
                user, membership.issuer_id, "user.lock" if locked else "user.sign_in_failed", ip=ip
            )
        return SignIn(None, locked_now=locked)
    user.failed_signins = 0
    user.locked_until = None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    for membership in user.memberships:
        record(user, membership.issuer_id, "user.sign_in", ip=ip)
    return SignIn(user)


def record(user: User, issuer_id: int, action: str, *, ip: str | None = None) -> None:
    """Audit an action of ``user`` on their own account (sign-in, sign-out...)."""
    audit.record(
        issuer_id, actor=actor_of(user), action=action, target_type="user", target_id=user.id, ip=ip
    )


def memberships(user: User) -> list[Membership]:
    return list(user.memberships)


def membership(user_id: int, issuer_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(Membership.user_id == user_id, Membership.issuer_id == issuer_id)
    )


def end_sessions(user_id: int) -> int:
    """Delete every console session of a user (password change or reset)."""
    result = db.session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def set_password(user: User, password: str, *, ip: str | None = None, action: str) -> None:
    passwords.check_new_password(password)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_signins = 0
    user.locked_until = None
    end_sessions(user.id)
    for item in user.memberships:
        record(user, item.issuer_id, action, ip=ip)


def change_password(user: User, current: str, new: str, *, ip: str | None = None) -> None:
    if not passwords.verify_password(user.password_hash, current):
        raise InvalidInputError("the current password is wrong", field="current_password")
    set_password(user, new, ip=ip, action="user.password_change")


def request_reset(email: str, *, lifetime: timedelta = RESET_LIFETIME) -> tuple[User, str] | None:
    """A reset token for the account of ``email``, or None when there is none (the caller
    answers the same either way)."""
    user = find_user(email)
    if user is None:
        return None
    token, hashed = new_token()
    db.session.add(
        AccountToken(
            token_hash=hashed,
            purpose="reset",
            email=user.email,
            user_id=user.id,
            expires_at=utcnow() + lifetime,
        )
    )
    return user, token


def live_token(token: str, purpose: str, *, now: datetime | None = None) -> AccountToken:
    """The unused, unexpired token; NotFoundError for any other (one message for all)."""
    now = now or utcnow()
    row: AccountToken | None = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token or ""), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise NotFoundError("this link is not valid: it was used already, expired or mistyped")
    return row


def reset_password(token: str, password: str, *, ip: str | None = None) -> User:
    """Use a reset token once: set the password, unlock, end every session."""
    row = live_token(token, "reset")
    passwords.check_new_password(password)
    user = db.session.get(User, row.user_id)
    if user is None:
        raise NotFoundError("this link is not valid: it was used already, expired or mistyped")
    row.used_at = utcnow()
    set_password(user, password, ip=ip, action="user.password_reset")
    return user
