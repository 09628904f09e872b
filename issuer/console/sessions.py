"""Server-side sessions for /console, stored in the database; every other path keeps the
app's cookie-free sessions.

Why server-side: signing out, a password change or a removed membership must end a
session at once, which a signed cookie cannot do. The cookie holds a random 256-bit id
(``secrets.token_urlsafe(32)``); the table holds only its SHA-256, so a copy of the table
cannot be replayed. A session ends ``MICROCRED_CONSOLE_IDLE_MINUTES`` after its last use
or ``MICROCRED_CONSOLE_SESSION_HOURS`` after it began, whichever is first.

- ``rotate(session)`` (sign-in): the next save stores the data under a new id and deletes
  the old row, so an id planted before sign-in is worthless afterwards (no fixation).
- ``destroy(session)`` (sign-out): the row is deleted and the cookie cleared.
- A session whose row disappeared meanwhile (a password reset elsewhere ended it) is not
  written back: the request that still held it cannot resurrect it.

The cookie: ``__Host-microcred_console`` over https (Secure, Path=/, no Domain: the
browser binds it to this host), ``microcred_console`` over plain http (local use);
HttpOnly and SameSite=Lax always. Paths outside /console (and its static files) never
touch this code's database: ``fallback`` answers them, so the public verify path keeps
its cookie-free speed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete
from werkzeug.datastructures import CallbackDict

from issuer.models import ConsoleSession
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from flask import Flask, Request, Response

PREFIX: Final = "/console"
STATIC_PREFIX: Final = "/console/static/"
SECURE_COOKIE: Final = "__Host-microcred_console"
PLAIN_COOKIE: Final = "microcred_console"
#: A session's idle deadline is pushed forward at most this often (one write a minute,
#: not one per request).
TOUCH_EVERY: Final = timedelta(minutes=1)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """The session dict of one console request, with what the save must do."""

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
    """Give the session a new id at the next save (call on sign-in)."""
    if isinstance(session, ServerSession):
        session.rotate = True
        session.modified = True


def destroy(session: SessionMixin) -> None:
    """Delete the session and its cookie at the next save (call on sign-out)."""
    session.clear()
    if isinstance(session, ServerSession):
        session.destroy = True


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def is_console_path(path: str) -> bool:
    return (path == PREFIX or path.startswith(PREFIX + "/")) and not path.startswith(STATIC_PREFIX)


class DatabaseSessions(SessionInterface):
    """Database sessions on /console, ``fallback`` (the app's own) everywhere else."""

    def __init__(self, fallback: SessionInterface) -> None:
        self.fallback = fallback

    def cookie_name(self, request: Request) -> str:
        return SECURE_COOKIE if request.is_secure else PLAIN_COOKIE

    def _deadline(self, app: Flask, created_at: datetime, now: datetime) -> datetime:
        idle = timedelta(minutes=int(app.config["MICROCRED_CONSOLE_IDLE_MINUTES"]))
        absolute = timedelta(hours=int(app.config["MICROCRED_CONSOLE_SESSION_HOURS"]))
        return min(created_at + absolute, now + idle)

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if not is_console_path(request.path):
            return self.fallback.open_session(app, request)
        raw = request.cookies.get(self.cookie_name(request), "")
        if raw and len(raw) <= 64:  # ours are 43 characters; anything longer is not ours
            row = db.session.get(ConsoleSession, hash_id(raw))
            if row is not None and row.expires_at > utcnow():
                return ServerSession(
                    dict(row.data),
                    id_hash=row.id_hash,
                    created_at=row.created_at,
                    last_seen_at=row.last_seen_at,
                )
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession):
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
                        delete(ConsoleSession).where(ConsoleSession.id_hash == session.id_hash)
                    )
                if session.destroy:
                    response.delete_cookie(name, **cookie)  # type: ignore[arg-type]
                    return
                session.id_hash = None
            if session.id_hash is None:
                if not session:
                    return  # nothing to keep: no row, no cookie
                raw = secrets.token_urlsafe(32)
                # Sweep the dead ones while we write anyway (indexed on expires_at).
                db.session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))
                db.session.add(
                    ConsoleSession(
                        id_hash=hash_id(raw),
                        user_id=session.get("user_id"),
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
            row = db.session.get(ConsoleSession, session.id_hash)
            if row is None:  # ended meanwhile (password reset, removal): stay ended
                response.delete_cookie(name, **cookie)  # type: ignore[arg-type]
                return
            row.data = dict(session)
            row.user_id = session.get("user_id")
            row.last_seen_at = now
            row.expires_at = self._deadline(app, row.created_at, now)
