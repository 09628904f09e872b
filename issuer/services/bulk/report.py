"""Reporting a job's outcome: counts per outcome, and each row's outcome by name.

Outcomes: ``issued``, ``already_issued`` (nothing issued: the freelancer holds a valid
credential already), ``failed``/``error`` (the row was refused) and ``pending``.
"""

from __future__ import annotations

from sqlalchemy import func, select

from issuer.models import BulkItem
from microcred.platform.extensions import db


def outcome_counts(job_id: str) -> dict[str, int]:
    rows = db.session.execute(
        select(BulkItem.state, func.count())
        .where(BulkItem.job_id == job_id)
        .group_by(BulkItem.state)
    ).all()
    counts = {"issued": 0, "already_issued": 0, "failed": 0, "pending": 0}
    names = {
        "issued": "issued",
        "skipped": "already_issued",
        "failed": "failed",
        "pending": "pending",
    }
    for state, count in rows:
        counts[names[state]] += count
    return counts


def item_outcome(item: BulkItem) -> str:
    return {"issued": "issued", "skipped": "already_issued", "failed": "error"}.get(
        item.state, "pending"
    )
