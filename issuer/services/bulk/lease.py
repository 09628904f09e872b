"""Who runs a bulk job, and until when: the lease that lets a lost job be found again.

The task queue (Huey) forgets a task once a worker has taken it, so a worker that dies
(SIGKILL, OOM, a lost machine) would leave its job ``running`` forever. The job's own row
says instead who holds it (``lease_owner``) and until when (``lease_expires_at``):

- enqueueing a job sets ``pending`` with a pick-up deadline and no owner (``prepare``);
- a worker ``claim``s it: ``running``, its own name, a fresh expiry; it ``renew``s the
  lease every third of it, between rows, and stops when the lease was given away;
- the sweep (``stale_jobs``, ``requeue``), run by the workers each minute and when one
  starts, enqueues again every job pending or running past its lease.

Two workers may briefly hold the same job (a slow one whose lease ran out, and its
successor): that is safe, because each row is issued in one transaction with its row
locked (``items.process_item``), so a row is never issued twice.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update

from issuer.models import BulkJob
from microcred.platform.context import app_config
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db

#: States a worker still has to act on.
ACTIVE = ("pending", "running")
#: Claims of one job before the sweep gives up on it (its open rows stay ``pending``).
MAX_ATTEMPTS = 10
#: A queued job's pick-up deadline, in leases (see ``_pickup_deadline``).
PICKUP_LEASES = 5

_j = BulkJob.__table__.c


def lease_seconds() -> float:
    return float(app_config()["MICROCRED_BULK_LEASE_SECONDS"])


def _pickup_deadline(now: datetime) -> datetime:
    """When a queued job counts as lost if no worker has claimed it: a few leases, so that
    a job waiting behind others in a busy queue is not queued again and again."""
    return now + timedelta(seconds=PICKUP_LEASES * lease_seconds())


def new_owner() -> str:
    """A name unique to this worker thread and run, shown in logs and the job's row."""
    thread = threading.get_ident() % 100_000
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{thread}:{secrets.token_hex(3)}"


def _now() -> datetime:
    return datetime.now(UTC)


def _expired(now: datetime) -> ColumnElement[bool]:
    return or_(_j.lease_expires_at.is_(None), _j.lease_expires_at < now)


def _update(where: ColumnElement[bool], **values: object) -> bool:
    """One UPDATE in its own transaction; True when it changed the job."""
    with write_transaction(db.session):
        result = db.session.execute(update(BulkJob.__table__).where(where).values(**values))
    return bool(getattr(result, "rowcount", 0))


def prepare(job_id: str) -> bool:
    """Make a submitted job ready for a worker: a failed one is retried (its failed rows),
    one whose worker vanished is reset. True when the caller should enqueue it; False when
    it is complete, or a live worker (or an earlier enqueue) has it."""
    now = _now()
    due = _pickup_deadline(now)
    return _update(
        and_(
            _j.id == job_id,
            or_(_j.state == "failed", and_(_j.state.in_(ACTIVE), _expired(now))),
        ),
        state="pending",
        lease_owner=None,
        lease_expires_at=due,
        attempts=0,
        finished_at=None,
    )


def claim(job_id: str, owner: str, *, force: bool = False) -> bool:
    """Take the job for ``owner``: True unless it is finished or another live worker holds
    it. ``force`` (the CLI, which a person watches) takes it from a live holder too."""
    now = _now()
    where = and_(_j.id == job_id, _j.state.in_(ACTIVE))
    if force:
        where = and_(_j.id == job_id, _j.state.in_((*ACTIVE, "failed")))
    else:
        where = and_(where, or_(_j.lease_owner.is_(None), _expired(now)))
    return _update(
        where,
        state="running",
        lease_owner=owner,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
        attempts=_j.attempts + 1,
        finished_at=None,
    )


def renew(job_id: str, owner: str) -> bool:
    """Extend ``owner``'s lease; False when the sweep has given the job to another."""
    expires = _now() + timedelta(seconds=lease_seconds())
    return _update(
        and_(_j.id == job_id, _j.lease_owner == owner, _j.state == "running"),
        lease_expires_at=expires,
    )


def release(job_id: str, owner: str) -> None:
    """Give the lease up at once (a failed attempt that the queue will retry)."""
    _update(
        and_(_j.id == job_id, _j.lease_owner == owner, _j.state == "running"),
        lease_owner=None,
        lease_expires_at=_now(),
    )


def stale_jobs(limit: int = 100) -> list[str]:
    """Jobs pending or running past their lease: their worker, or their message, is lost."""
    return list(
        db.session.scalars(
            select(BulkJob.id)
            .where(_j.state.in_(ACTIVE), _expired(_now()))
            .order_by(BulkJob.created_at)
            .limit(limit)
        )
    )


def requeue(job_id: str) -> bool:
    """Mark a stale job pending again with a new pick-up deadline (True), or give up on one
    claimed ``MAX_ATTEMPTS`` times: ``failed``, its open rows left ``pending`` (False)."""
    now = _now()
    stale = and_(_j.id == job_id, _j.state.in_(ACTIVE), _expired(now))
    if _update(
        and_(stale, _j.attempts >= MAX_ATTEMPTS),
        state="failed",
        lease_owner=None,
        lease_expires_at=None,
        finished_at=now,
    ):
        return False
    return _update(
        stale,
        state="pending",
        lease_owner=None,
        lease_expires_at=_pickup_deadline(now),
    )
