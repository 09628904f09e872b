"""Bulk jobs: opened once per (issuer, rows), then worked through row by row.

Job states: ``pending`` (queued for a worker), ``running`` (a worker holds its lease),
``completed`` (every row issued or already issued), ``failed`` (some rows failed, or the
job was given up after ``lease.MAX_ATTEMPTS`` lost workers; submit again to retry).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from issuer.models import BulkItem, BulkJob, Issuer
from issuer.services import audit
from issuer.services.bulk import lease
from issuer.services.bulk.items import process_item
from issuer.services.bulk.report import outcome_counts
from issuer.services.bulk.rows import Row, source_hash
from issuer.services.issuance_records import IssuerRecord
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import NotFoundError

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OpenedJob:
    job_id: str
    created: bool


def open_job(
    issuer: Issuer,
    rows: Sequence[Row],
    *,
    source_format: str,
    source_name: str | None = None,
    suite: str | None = None,
    actor: str,
    ip: str | None = None,
) -> OpenedJob:
    """The job for these (normalised) rows: found again, or created — and committed.
    ``ip``: the client address of a console action, for the audit log."""
    digest = source_hash(rows)
    existing = _job_id(issuer.id, digest)
    if existing is not None:
        return OpenedJob(existing, created=False)
    try:
        with write_transaction(db.session):
            job = BulkJob(
                issuer_id=issuer.id,
                source_hash=digest,
                source_name=source_name,
                source_format=source_format,
                suite=suite,
                state="pending",
                total_rows=len(rows),
                created_by=actor,
            )
            db.session.add(job)
            db.session.flush()
            db.session.execute(
                BulkItem.__table__.insert(),
                [
                    {"job_id": job.id, "row_number": n, "payload": row}
                    for n, row in enumerate(rows, start=1)
                ],
            )
            audit.record(
                issuer.id,
                actor=actor,
                action="bulk.create",
                target_type="bulk_job",
                target_id=job.id,
                ip=ip,
                rows=len(rows),
                format=source_format,
                source=source_name,
            )
            job_id = job.id
    except IntegrityError:
        # The same rows were submitted concurrently and the other submission won.
        found = _job_id(issuer.id, digest)
        if found is None:
            raise
        return OpenedJob(found, created=False)
    return OpenedJob(job_id, created=True)


def _job_id(issuer_id: int, digest: str) -> str | None:
    return db.session.scalar(
        select(BulkJob.id).where(BulkJob.issuer_id == issuer_id, BulkJob.source_hash == digest)
    )


def get_job(issuer: Issuer, job_id: str) -> BulkJob:
    job = db.session.scalar(
        select(BulkJob).where(BulkJob.id == job_id, BulkJob.issuer_id == issuer.id)
    )
    if job is None:
        raise NotFoundError(f"no bulk issuance with id {job_id!r}")
    return job


def recent_jobs(issuer: Issuer, limit: int = 20) -> list[BulkJob]:
    """The provider's newest jobs."""
    return list(
        db.session.scalars(
            select(BulkJob)
            .where(BulkJob.issuer_id == issuer.id)
            .order_by(BulkJob.created_at.desc(), BulkJob.id)
            .limit(limit)
        )
    )


def open_items(job_id: str) -> list[int]:
    """Ids of the rows still to do (pending, or failed before), in row order."""
    return list(
        db.session.scalars(
            select(BulkItem.id)
            .where(BulkItem.job_id == job_id, BulkItem.state.in_(("pending", "failed")))
            .order_by(BulkItem.row_number)
        )
    )


def process_job(
    issuer_id: int,
    job_id: str,
    *,
    actor: str,
    on_item: Callable[[str], None] | None = None,
    force: bool = False,
) -> dict[str, int] | None:
    """Claim the job's lease and work through its open rows, one transaction per row;
    returns the outcome counts, or None when another worker holds the job (or took it
    over meanwhile) or it is finished.

    ``on_item`` is called after each row with its new state (for progress bars). A
    transient database error (lock timeout, lost connection) is retried with backoff;
    past ``TRANSIENT_DELAYS`` it is raised, with the lease released, for the queue's own
    retry. ``force``: take the job even from a live holder (see ``lease.claim``)."""
    owner = lease.new_owner()
    if not _transient_retried(lambda: lease.claim(job_id, owner, force=force)):
        return None
    issuer = IssuerRecord.of(_issuer(issuer_id))
    # Renewing costs a write: do it after a third of the lease, not after every row.
    renew_every = lease.lease_seconds() / 3
    renewed = time.monotonic()
    try:
        for item_id in open_items(job_id):
            state = _transient_retried(partial(process_item, issuer, item_id, actor=actor))
            if on_item is not None:
                on_item(state)
            if time.monotonic() - renewed < renew_every:
                continue
            if not _transient_retried(lambda: lease.renew(job_id, owner)):
                logger.warning("bulk job %s: lease lost to another worker; stopping", job_id)
                return None
            renewed = time.monotonic()
    except TRANSIENT_ERRORS:
        db.session.rollback()
        with contextlib.suppress(*TRANSIENT_ERRORS):  # else the lease simply runs out
            lease.release(job_id, owner)
        raise
    counts = outcome_counts(job_id)
    _finish(issuer_id, job_id, counts, actor, owner)
    return counts


#: Pauses before retrying a row after a transient database error (then the queue retries).
TRANSIENT_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)
#: Locked, timed out, connection lost. SQLite's own error escapes SQLAlchemy's wrapping
#: when it comes from the BEGIN IMMEDIATE that microcred.platform.db issues.
TRANSIENT_ERRORS = (OperationalError, sqlite3.OperationalError)


def _transient_retried(step: Callable[[], T]) -> T:
    for delay in TRANSIENT_DELAYS:
        try:
            return step()
        except TRANSIENT_ERRORS as exc:
            db.session.rollback()
            logger.warning("transient database error, retrying in %.1f s: %s", delay, exc)
            time.sleep(delay)
    return step()


def _issuer(issuer_id: int) -> Issuer:
    issuer = db.session.get(Issuer, issuer_id)
    assert issuer is not None  # noqa: S101 - jobs belong to an existing issuer
    return issuer


def _finish(issuer_id: int, job_id: str, counts: Mapping[str, int], actor: str, owner: str) -> None:
    with write_transaction(db.session):
        job = db.session.get(BulkJob, job_id, with_for_update=True, populate_existing=True)
        if job is None or job.lease_owner != owner:
            return  # taken over meanwhile: the new holder finishes it
        job.state = "failed" if counts["failed"] else "completed"
        job.finished_at = datetime.now(UTC)
        job.lease_owner = None
        job.lease_expires_at = None
        audit.record(
            issuer_id,
            actor=actor,
            action="bulk.process",
            target_type="bulk_job",
            target_id=job_id,
            **counts,
        )
