"""Reporting a job's outcome: counts per outcome, and each row's outcome by name.

Outcomes: ``issued``, ``already_issued`` (nothing issued: the freelancer holds a valid
credential already), ``failed``/``error`` (the row was refused) and ``pending``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select

from issuer.models import BulkItem, BulkJob
from issuer.services.bulk.rows import IDENTITY_COLUMNS
from microcred.platform.extensions import db

#: Columns of the downloadable report, one line per row of the job.
REPORT_COLUMNS = (
    "row",
    "freelancer",
    "certificationId",
    "outcome",
    "credentialId",
    "column",
    "problem",
)


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


def job_progress(job: BulkJob, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """Rows done (issued or already issued), failed and in all; ``finished`` once the
    job's state says no worker will take more rows."""
    counts = counts if counts is not None else outcome_counts(job.id)
    done = counts["issued"] + counts["already_issued"]
    return {
        "state": job.state,
        "done": done,
        "failed": counts["failed"],
        "total": job.total_rows,
        "counts": counts,
        "finished": job.state in ("completed", "failed"),
        "percent": 100
        if not job.total_rows
        else (100 * (done + counts["failed"])) // job.total_rows,
    }


def report_lines(job_id: str) -> Iterator[dict[str, str]]:
    """The job's rows in order, as lines of ``REPORT_COLUMNS``: what was issued, what was
    skipped (the freelancer holds one already) and why a row failed."""
    items = db.session.scalars(
        select(BulkItem).where(BulkItem.job_id == job_id).order_by(BulkItem.row_number)
    )
    for item in items:
        payload = item.payload or {}
        freelancer = next((payload[c] for c in IDENTITY_COLUMNS if payload.get(c)), "")
        error = item.error or {}
        outcome = item_outcome(item)
        yield {
            "row": str(item.row_number),
            "freelancer": freelancer,
            "certificationId": payload.get("certificationId", ""),
            "outcome": {"already_issued": "skipped: already holds one"}.get(outcome, outcome),
            "credentialId": item.credential_id or "",
            "column": str(error.get("column") or ""),
            "problem": str(error.get("message") or ""),
        }
