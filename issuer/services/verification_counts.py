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

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from issuer.models import FormerDid, IssuedCredential, Issuer, VerificationCount
from microcred.platform.extensions import db

Batch = Mapping[tuple[str, str, date], int]


def _insert() -> postgresql.Insert | sqlite.Insert:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(VerificationCount)
    return sqlite.insert(VerificationCount)


def add(batch: Batch) -> int:
    """Add a batch of counts in the caller's transaction; how many rows it touched."""
    touched = 0
    for (did, credential_id, day), n in batch.items():
        if n <= 0:
            continue
        ours = (
            select(IssuedCredential.id, literal(day), IssuedCredential.issuer_id, literal(n))
            .join(Issuer, Issuer.id == IssuedCredential.issuer_id)
            .where(
                IssuedCredential.credential_id == credential_id,
                or_(
                    Issuer.did == did,
                    exists().where(FormerDid.issuer_id == Issuer.id, FormerDid.did == did),
                ),
            )
            # The VC API lets a caller reuse a JSON id: the newest credential gets the count.
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
            .limit(1)
        )
        statement = _insert().from_select(["credential_id", "day", "issuer_id", "count"], ours)
        statement = statement.on_conflict_do_update(
            index_elements=["credential_id", "day"],
            set_={"count": VerificationCount.count + statement.excluded.count},
        )
        # RETURNING rather than rowcount: psycopg reports -1 for INSERT … SELECT.
        touched += len(db.session.execute(statement.returning(VerificationCount.day)).all())
    return touched


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
