"""Database plumbing shared by every model: the declarative base, UTC timestamps, and
per-connection settings for SQLite and PostgreSQL.

Transactions: views and CLI commands that change data run inside ``write_transaction()``
(one transaction per operation, committed at the end, rolled back on any error). On
SQLite that transaction starts with ``BEGIN IMMEDIATE``: a deferred transaction that reads
first and writes later fails at once with "database is locked" when another writer
committed in between (busy_timeout does not help then), whereas an immediate one queues
behind the writer. Read-only requests keep plain deferred transactions so they never wait.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, MetaData, event
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

#: SQLite waits this long (ms) for another writer instead of failing with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000

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


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's implicit BEGIN would
    # otherwise defer it and break BEGIN IMMEDIATE and transactional DDL).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # Straight to the driver: ``exec_driver_sql`` would build a full execution context
    # (≈ 30 µs, twice per API write request) for a statement with no parameters or result.
    statement = "BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN"
    connection.connection.driver_connection.execute(statement)


def configure_engine(engine: Engine) -> None:
    """Install per-connection settings; called once per engine by the app factory."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)


def engine_options(database_uri: str) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URI."""
    if database_uri.startswith("postgresql"):
        # Connections die behind load balancers and on server restarts; check before use.
        return {"pool_pre_ping": True}
    return {}


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
