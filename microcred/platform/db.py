"""Database plumbing shared by every model: the declarative base, UTC timestamps, and
per-connection settings for SQLite and PostgreSQL.

Transactions: views and CLI commands that change data run inside ``write_transaction()``
(one transaction per operation, committed at the end, rolled back on any error). On
SQLite that transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads
first and writes later fails at once with "database is locked" when another writer
committed in between (busy_timeout does not help then), whereas an immediate one queues
behind the writer. Read-only requests keep plain deferred transactions so they never wait.

Timeouts (docs/DEPLOYMENT.md, "Faults and health"): on PostgreSQL a connection attempt
gives up after ``connect_timeout``, the server cancels a statement after
``statement_timeout``, and the client stops waiting for any answer one second later
(``BoundedConnection``): a frozen server, whose kernel still acknowledges our packets,
would otherwise hold a request forever. The pool's pre-ping gets ``PING_TIMEOUT``, so a
request that meets a frozen database fails within about PING_TIMEOUT + connect_timeout.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import JSON, DateTime, Engine, MetaData, event, exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

#: Stable constraint names, so that Alembic migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLite waits this long (s) for another writer instead of failing with "database is
#: locked" (MICROCRED_DB_BUSY_TIMEOUT).
DEFAULT_BUSY_TIMEOUT = 10.0

#: PostgreSQL defaults (seconds), overridden by MICROCRED_DB_CONNECT_TIMEOUT and
#: MICROCRED_DB_STATEMENT_TIMEOUT. Chosen so that a dead or frozen server is answered
#: with a 503 within 5 s: pre-ping (1 s) + a new connection (2 s), or a statement (3 s)
#: + the client's grace (1 s). libpq counts connect_timeout in whole seconds, at least 2.
DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_STATEMENT_TIMEOUT = 3.0
#: A pool connection's health check; a live server answers an empty query in a millisecond.
PING_TIMEOUT = 1.0
#: How much longer than statement_timeout the client waits, so that the server's own
#: cancellation (a clean error on a usable connection) normally comes first.
REPLY_GRACE = 1.0

#: The database could not be reached or did not answer in time: connection refused or
#: lost, a statement cancelled by statement_timeout, no answer within the client's limit,
#: no free pooled connection, SQLite's "database is locked" after busy_timeout. The
#: driver's own classes are listed too: code on a raw DBAPI connection meets them
#: unwrapped. microcred.platform.outages answers them with a 503.
DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)

#: JSON columns: JSONB on PostgreSQL (indexable, compact), JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend.

    SQLite has no time zones and hands back naive values; refusing naive input and tagging
    output as UTC keeps comparisons (expiry, validity windows) correct on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- connection settings -------------------------------------------------------------------

_write_intent: ContextVar[bool] = ContextVar("microcred_write_intent", default=False)


def _sqlite_on_connect(busy_timeout: float) -> Callable[[Any, Any], None]:
    busy_timeout_ms = round(busy_timeout * 1000)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN would
        # otherwise defer it and break BEGIN IMMEDIATE and transactional DDL).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints
        finally:
            cursor.close()

    return on_connect


def _sqlite_on_begin(connection: Any) -> None:
    # Straight to the driver: ``exec_driver_sql`` would build a full execution context
    # (≈ 30 µs, twice per API write request) for a statement with no parameters or result.
    statement = "BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN"
    connection.connection.driver_connection.execute(statement)


class BoundedConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most ``reply_timeout`` seconds for any answer.

    psycopg's ``Connection.wait`` takes a timeout but the driver passes none for queries,
    commits and rollbacks. When ours expires the connection is in an unknown state: it is
    closed, so SQLAlchemy sees a disconnect and invalidates the pool, and the next request
    connects afresh (which is how the service recovers when the database returns).
    """

    reply_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        if timeout is not None or self.reply_timeout is None:
            return super().wait(gen, interval, timeout)  # psycopg's own deadline
        try:
            return super().wait(gen, interval, self.reply_timeout)
        except psycopg.errors.OperationalError as exc:
            if type(exc).__name__ != "_WaitTimeout":
                raise
            self.close()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.reply_timeout:g} s; "
                "the connection was closed"
            ) from None


def _bounded_connect(reply_timeout: float) -> Callable[..., Any]:
    def connect(_dialect: Any, _record: Any, cargs: Any, cparams: Any) -> BoundedConnection:
        connection = BoundedConnection.connect(*cargs, **cparams)
        connection.reply_timeout = reply_timeout
        return connection

    return connect


def _bounded_ping(do_ping: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def ping(dbapi_connection: Any) -> bool:
        if not isinstance(dbapi_connection, BoundedConnection):
            return do_ping(dbapi_connection)
        reply_timeout = dbapi_connection.reply_timeout
        dbapi_connection.reply_timeout = PING_TIMEOUT
        try:
            return do_ping(dbapi_connection)
        finally:
            dbapi_connection.reply_timeout = reply_timeout

    return ping


def configure_engine(
    engine: Engine,
    *,
    reply_timeout: float | None = None,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> None:
    """Install per-connection settings; called once per engine by the app factory.

    ``reply_timeout``: on PostgreSQL, the longest the client waits for any answer;
    ``busy_timeout``: on SQLite, the longest a writer waits for another's lock.
    """
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect(busy_timeout))
        event.listen(engine, "begin", _sqlite_on_begin)
    elif engine.dialect.driver == "psycopg" and reply_timeout is not None:
        event.listen(engine, "do_connect", _bounded_connect(reply_timeout))
        # The dialect belongs to this engine alone; SQLAlchemy has no event around pings.
        engine.dialect.do_ping = _bounded_ping(engine.dialect.do_ping)  # type: ignore[method-assign]


def engine_options(
    database_uri: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URI."""
    if database_uri.startswith("postgresql"):
        return {
            # Connections die behind load balancers and on server restarts; check before use.
            "pool_pre_ping": True,
            # Waiting for a free pooled connection is bounded like connecting.
            "pool_timeout": connect_timeout,
            "connect_args": {
                "connect_timeout": max(2, math.ceil(connect_timeout)),
                "options": f"-c statement_timeout={round(statement_timeout * 1000)}",
            },
        }
    return {}


def reply_timeout(statement_timeout: float) -> float:
    """How long the PostgreSQL client waits for an answer (configure_engine)."""
    return statement_timeout + REPLY_GRACE


def normalize_database_url(url: str) -> str:
    """Map the URLs hosting platforms hand out to the psycopg 3 driver SQLAlchemy needs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def write_transaction(session: Any) -> Iterator[None]:
    """One transaction for one operation: commit at the end, roll back on any error.

    Whatever read-only transaction the request already had (authentication) is finished
    first, so the write transaction starts fresh (``BEGIN IMMEDIATE`` on SQLite).
    """
    session.commit()
    token = _write_intent.set(True)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _write_intent.reset(token)
