"""Server-side sessions of the freelancer's side (/account and /claim), in their own table
(``recipient_sessions``) under their own cookie: a console session never opens an account
page, nor the other way round.

The same design as the console's (``issuer.console.sessions``), for the same reasons:
signing out must end a session at once, and a copy of the table must not sign anyone
in (only the SHA-256 of the random 256-bit id is stored). ``rotate`` at sign-in gives a
new id (no fixation), ``destroy`` at sign-out deletes the row and the cookie. A session
ends ``MICROCRED_ACCOUNT_IDLE_MINUTES`` after its last use or
``MICROCRED_ACCOUNT_SESSION_HOURS`` after it began, whichever is first.

Cookie: ``__Host-microcred_account`` over https, ``microcred_account`` over plain http;
HttpOnly, SameSite=Lax. Every other path goes to ``fallback`` untouched.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from werkzeug.datastructures import CallbackDict

from issuer.models import RecipientSession
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from flask import Flask, Request, Response

PREFIXES: Final = ("/account", "/claim")
STATIC_PREFIX: Final = "/account/static/"
SECURE_COOKIE: Final = "__Host-microcred_account"
PLAIN_COOKIE: Final = "microcred_account"
TOUCH_EVERY: Final = timedelta(minutes=1)


class AccountSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        data: dict[str, Any] | None = None,
        *,
        id_hash: str | None = None,
        created_at: datetime | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        def on_update(_: Any) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.id_hash = id_hash
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.rotate = False
        self.destroy = False

    @property
    def new(self) -> bool:  # type: ignore[override]  # SessionMixin declares a plain attribute
        return self.id_hash is None


def rotate(session: SessionMixin) -> None:
    if isinstance(session, AccountSession):
        session.rotate = True
        session.modified = True


def destroy(session: SessionMixin) -> None:
    session.clear()
    if isinstance(session, AccountSession):
        session.destroy = True


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def is_account_path(path: str) -> bool:
    if path.startswith(STATIC_PREFIX):
        return False
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PREFIXES)


class AccountSessions(SessionInterface):
    """Database sessions on /account and /claim, ``fallback`` everywhere else."""

    def __init__(self, fallback: SessionInterface) -> None:
        self.fallback = fallback

    def cookie_name(self, request: Request) -> str:
        return SECURE_COOKIE if request.is_secure else PLAIN_COOKIE

    def _deadline(self, app: Flask, created_at: datetime, now: datetime) -> datetime:
        idle = timedelta(minutes=int(app.config["MICROCRED_ACCOUNT_IDLE_MINUTES"]))
        absolute = timedelta(hours=int(app.config["MICROCRED_ACCOUNT_SESSION_HOURS"]))
        return min(created_at + absolute, now + idle)

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if not is_account_path(request.path):
            return self.fallback.open_session(app, request)
        raw = request.cookies.get(self.cookie_name(request), "")
        if raw and len(raw) <= 64:
            row = db.session.get(RecipientSession, hash_id(raw))
            if row is not None and row.expires_at > utcnow():
                return AccountSession(
                    dict(row.data),
                    id_hash=row.id_hash,
                    created_at=row.created_at,
                    last_seen_at=row.last_seen_at,
                )
        return AccountSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, AccountSession):
            self.fallback.save_session(app, session, response)
            return
        from flask import request

        name = self.cookie_name(request)
        cookie = {"path": "/", "secure": request.is_secure, "httponly": True, "samesite": "Lax"}
        now = utcnow()
        with write_transaction(db.session):
            if session.destroy or (session.rotate and session.id_hash is not None):
                if session.id_hash is not None:
                    db.session.execute(
                        delete(RecipientSession).where(RecipientSession.id_hash == session.id_hash)
                    )
                if session.destroy:
                    response.delete_cookie(name, **cookie)  # type: ignore[arg-type]
                    return
                session.id_hash = None
            if session.id_hash is None:
                if not session:
                    return
                raw = secrets.token_urlsafe(32)
                db.session.execute(
                    delete(RecipientSession).where(RecipientSession.expires_at <= now)
                )
                db.session.add(
                    RecipientSession(
                        id_hash=hash_id(raw),
                        account_id=session.get("account_id"),
                        data=dict(session),
                        created_at=now,
                        last_seen_at=now,
                        expires_at=self._deadline(app, now, now),
                    )
                )
                response.set_cookie(name, raw, **cookie)  # type: ignore[arg-type]
                response.vary.add("Cookie")
                return
            stale = session.last_seen_at is None or now - session.last_seen_at >= TOUCH_EVERY
            if not (session.modified or stale):
                return
            row = db.session.get(RecipientSession, session.id_hash)
            if row is None:
                response.delete_cookie(name, **cookie)  # type: ignore[arg-type]
                return
            row.data = dict(session)
            row.account_id = session.get("account_id")
            row.last_seen_at = now
            row.expires_at = self._deadline(app, row.created_at, now)
