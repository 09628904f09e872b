"""``microcred worker`` and ``microcred bulk-status``: the task queue's side of the CLI.

``worker`` runs a consumer of the app's queue (``microcred.platform.queue``): bulk jobs,
and the sweep that finds jobs whose worker vanished. Run one or more beside the web
processes, on any machine that reaches the database and the queue's storage.
"""

from __future__ import annotations

import json
import logging
import time

import click

from issuer.services import bulk, issuers
from microcred.cli import cli
from microcred.cli.service import load_app, pass_state, reported_errors
from microcred.cli.state import CliState
from microcred.platform import queue
from microcred.platform.extensions import db

_FINISHED = ("completed", "failed")


@cli.command()
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker threads; each runs one job at a time.",
)
@pass_state
def worker(state: CliState, workers: int) -> None:
    """Run queue workers: bulk issuance jobs, and the sweep that resumes lost jobs.

    Stops on ^C or SIGTERM; a job cut short resumes on any worker once its lease expires.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = load_app(state, quiet_logs=False)
    where = queue.describe(app.config.get("MICROCRED_QUEUE_URL"))
    click.echo(f"microcred worker: {workers} thread(s) on {where}")
    queue.consumer(app, workers=workers).run()


@cli.command("bulk-status")
@click.argument("job_id")
@click.option(
    "--issuer", "slug", required=True, metavar="SLUG", help="The training provider's slug."
)
@click.option("--wait", is_flag=True, help="Poll until the job is completed or failed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def bulk_status(state: CliState, job_id: str, slug: str, *, wait: bool, as_json: bool) -> None:
    """Show a bulk job's state and progress (rows done, failed, total).

    Exit status 1 when the job has finished with failed rows.
    """
    app = load_app(state)
    with reported_errors(), app.app_context():
        while True:
            job = bulk.get_job(issuers.get_issuer(slug), job_id)
            counts = bulk.outcome_counts(job_id)
            done = counts["issued"] + counts["already_issued"]
            status = {
                "job": job_id,
                "state": job.state,
                "progress": {"done": done, "failed": counts["failed"], "total": job.total_rows},
                "counts": counts,
            }
            if not wait or job.state in _FINISHED:
                break
            click.echo(f"{job.state}: {done} of {job.total_rows} rows done", err=True)
            db.session.rollback()  # end the snapshot: the next read sees the worker's rows
            time.sleep(1.0)
    if as_json:
        click.echo(json.dumps(status, indent=2))
    else:
        click.echo(
            f"job {job_id}: {job.state}, {done} of {job.total_rows} rows done, "
            f"{counts['failed']} failed"
        )
    if job.state == "failed" and counts["failed"]:
        raise SystemExit(1)
