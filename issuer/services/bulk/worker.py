"""Bulk jobs on the task queue: the tasks a worker runs, and how a job gets queued.

- ``submit`` (after ``open_job``): prepares the job (``lease.prepare``) and enqueues it.
- ``bulk.run`` runs one job (``jobs.process_job``). A transient database error that
  outlasts the in-row retries fails the task; the queue tries it again with backoff.
- ``bulk.sweep`` runs each minute on the workers' scheduler, and once when a worker
  starts: it enqueues again the jobs whose worker vanished (``lease.stale_jobs``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from issuer.models import BulkJob
from issuer.services.bulk import lease
from issuer.services.bulk.jobs import process_job
from microcred.platform.extensions import db
from microcred.platform.queue import TaskQueue, task_queue

RUN_TASK = "bulk.run"
SWEEP_TASK = "bulk.sweep"
#: The queue's own retries of a failed ``bulk.run``: after 5 s, then 10 s, 20 s, …
RUN_RETRIES = 5
RUN_RETRY_DELAY = 5.0
RUN_RETRY_BACKOFF = 2.0

logger = logging.getLogger(__name__)


def register(app: Any, queue: TaskQueue) -> None:  # app: the Flask app (no flask import here)
    """Register the bulk tasks on ``app``'s queue (called by ``issuer.init_app``)."""
    queue.task(
        app, RUN_TASK, retries=RUN_RETRIES, delay=RUN_RETRY_DELAY, backoff=RUN_RETRY_BACKOFF
    )(run)
    queue.periodic(app, SWEEP_TASK)(sweep)
    # A worker that starts sweeps at once: a job lost with the worker it replaces resumes
    # now, not at the next minute.
    queue.huey.on_startup(SWEEP_TASK)(lambda: _sweep_in(app))


def _sweep_in(app: Any) -> None:
    with app.app_context():
        sweep()


def submit(job_id: str) -> bool:
    """Queue a submitted job unless it is complete or already in hand. True when queued
    now; a job the queue could not take stays ``pending`` for the sweep."""
    if not lease.prepare(job_id):
        return False
    return task_queue().enqueue(RUN_TASK, job_id)


def run(job_id: str) -> None:
    """The ``bulk.run`` task: process the job as its creator (the audit log's actor)."""
    job = db.session.execute(
        select(BulkJob.issuer_id, BulkJob.created_by).where(BulkJob.id == job_id)
    ).one_or_none()
    db.session.rollback()  # end the read: the rows are written in their own transactions
    if job is None:
        return  # deleted with its issuer meanwhile
    counts = process_job(job.issuer_id, job_id, actor=job.created_by)
    if counts is not None:
        logger.info("bulk job %s done: %s", job_id, counts)


def sweep() -> int:
    """The ``bulk.sweep`` task: enqueue the jobs whose worker vanished; returns how many."""
    queued = 0
    for job_id in lease.stale_jobs():
        if lease.requeue(job_id):
            logger.warning("bulk job %s lost its worker; queued again", job_id)
            queued += task_queue().enqueue(RUN_TASK, job_id)
        else:
            logger.error("bulk job %s lost %d workers; given up", job_id, lease.MAX_ATTEMPTS)
    return queued
