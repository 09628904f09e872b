"""Anonymous verification counts: adding a batch, and reading one provider's days.

A batch is ``{(issuer DID, credential JSON id, day): n}``, as the verifier saw them
(``issuer.verification_counter`` gathers it in memory). Each entry becomes one upsert,
``INSERT … SELECT … ON CONFLICT (credential_id, day) DO UPDATE SET count = count +
excluded.count``, on SQLite and PostgreSQL alike. The SELECT is what decides that a
credential is ours: a stored credential with that JSON id whose provider has that DID (or
had it, ``former_dids``). Anything else, a foreign credential or a forged id, matches no
row and writes nothing. Upserts add, so batches from several processes (each gunicorn
worker flushes its own) sum correctly in any order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, Integer, bindparam, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from issuer.models import FormerDid, IssuedCredential, Issuer, VerificationCount
from microcred.platform.extensions import db

Batch = Mapping[tuple[str, str, date], int]


def _upsert(dialect: str) -> Any:
    """The one statement of a flush, with parameters ``did``, ``cid``, ``day``, ``n``."""
    ours = (
        select(
            IssuedCredential.id,
            bindparam("day", type_=Date),
            IssuedCredential.issuer_id,
            bindparam("n", type_=Integer),
        )
        .join(Issuer, Issuer.id == IssuedCredential.issuer_id)
        .where(
            IssuedCredential.credential_id == bindparam("cid"),
            or_(
                Issuer.did == bindparam("did"),
                exists().where(FormerDid.issuer_id == Issuer.id, FormerDid.did == bindparam("did")),
            ),
        )
        # The VC API lets a caller reuse a JSON id: the newest credential gets the count.
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
        .limit(1)
    )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = VerificationCount.__table__
    statement = insert(table).from_select(["credential_id", "day", "issuer_id", "count"], ours)
    return statement.on_conflict_do_update(
        index_elements=["credential_id", "day"],
        set_={"count": table.c.count + statement.excluded.count},
    )


_STATEMENTS: dict[str, Any] = {}


def add(batch: Batch) -> int:
    """Add a batch of counts in the caller's transaction: one statement, executed for
    every key at once (``executemany``); how many keys it offered."""
    params = [
        {"did": did, "cid": credential_id, "day": day, "n": n}
        for (did, credential_id, day), n in batch.items()
        if n > 0
    ]
    if not params:
        return 0
    dialect = db.session.get_bind().dialect.name
    statement = _STATEMENTS.get(dialect)
    if statement is None:
        statement = _STATEMENTS[dialect] = _upsert(dialect)
    # Core, not the ORM's bulk INSERT: the session's connection runs it as executemany.
    db.session.connection().execute(statement, params)
    return len(params)


def per_day(issuer: Issuer, *, days: int, today: date) -> list[tuple[date, int]]:
    """The provider's verifications on each of the last ``days`` UTC days (today last),
    zeros included: one indexed range read of ``(issuer_id, day)``."""
    first = today - timedelta(days=days - 1)
    rows = db.session.execute(
        select(VerificationCount.day, func.sum(VerificationCount.count))
        .where(VerificationCount.issuer_id == issuer.id, VerificationCount.day >= first)
        .group_by(VerificationCount.day)
    )
    found = {day: int(total) for day, total in rows}
    return [
        (first + timedelta(days=i), found.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


def of_credential(credential_id: str) -> dict[date, int]:
    """One stored credential's counts by day (tests and support)."""
    rows = db.session.execute(
        select(VerificationCount.day, VerificationCount.count).where(
            VerificationCount.credential_id == credential_id
        )
    )
    return {day: int(count) for day, count in rows}
