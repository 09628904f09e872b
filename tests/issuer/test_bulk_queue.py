"""Bulk jobs on the task queue: real worker processes, one killed mid-job; the sweep that
finds a job whose worker vanished; transient database errors retried; two runners of one
job issuing each row once; the queue's configuration refused clearly when wrong."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from credentials.errors import ConfigurationError
from issuer.models import BulkItem, BulkJob, IssuedCredential
from issuer.services.bulk import lease, open_items, process_item, worker
from issuer.services.issuance_records import IssuerRecord
from microcred.platform.extensions import db
from microcred.platform.queue import TaskQueue, task_queue
from tests.conftest import CliRun, Database
from tests.issuer.factories import Factory

URL = "/api/v1/bulk-issuances"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


# --- fl-webhooks: other features' tasks run too (a webhook fan-out per credential) ---
def _bulk_runs(queue: TaskQueue) -> int:
    """Run every due task, as ``run_pending``; how many were the bulk job's own."""
    runs = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        runs += task.name == worker.RUN_TASK
    return runs


# --- end fl-webhooks ---


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def _count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _job(app: Flask, job_id: str) -> BulkJob:
    with app.app_context():
        job = db.session.get(BulkJob, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def _cohort(make: Factory, size: int) -> tuple[object, list[dict[str, str]], list[str]]:
    provider = make.provider()
    certification = make.certification(provider)
    freelancers = [make.freelancer(provider) for _ in range(size)]
    rows = [
        {"freelancerId": f, "certificationId": certification.id, "overrideReason": "In person"}
        for f in freelancers
    ]
    return provider, rows, freelancers


def _each_row_issued_once(app: Flask, freelancers: list[str]) -> None:
    with app.app_context():
        per_freelancer = dict(
            db.session.execute(
                select(IssuedCredential.freelancer_id, func.count()).group_by(
                    IssuedCredential.freelancer_id
                )
            ).all()
        )
        item_credentials = db.session.scalars(select(BulkItem.credential_id)).all()
    assert per_freelancer == dict.fromkeys(freelancers, 1)
    assert len(set(item_credentials)) == len(freelancers)
    assert None not in item_credentials


# --- real worker processes --------------------------------------------------------------------


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite-queue":
        yield f"sqlite:///{tmp_path / 'queue.db'}"
        return
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (TEST_REDIS_URL)")
    yield REDIS_URL


@pytest.fixture
def queued_app(
    make_app: Callable[..., Flask], queue_url: str, runner: CliRun
) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An app on a queue that worker processes share, and those processes' environment."""
    name = f"test_{uuid.uuid4().hex[:12]}"  # this test's own queue, even on a shared Redis
    app = make_app(
        MICROCRED_QUEUE_URL=queue_url, MICROCRED_QUEUE_NAME=name, MICROCRED_BULK_LEASE_SECONDS=2
    )
    env = {
        **os.environ,
        **runner.env,
        "MICROCRED_QUEUE_URL": queue_url,
        "MICROCRED_QUEUE_NAME": name,
        "MICROCRED_BULK_LEASE_SECONDS": "2",
        "MICROCRED_KEYS_DIR": str(runner.keys_dir),
    }
    yield app, env
    task_queue(app).huey.flush()


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "from microcred.cli import main; main()", "worker"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [*command, "--workers", "1"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _wait_for(condition: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")
        time.sleep(0.005)


def test_a_worker_killed_mid_job_is_replaced_and_no_row_is_lost_or_issued_twice(
    queued_app: tuple[Flask, dict[str, str]], make: Factory, tmp_path: Path
) -> None:
    app, env = queued_app
    client = app.test_client()
    provider, rows, freelancers = _cohort(make, 80)
    log = tmp_path / "workers.log"

    response = client.post(URL, json={"rows": rows}, headers=provider.headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    job_url = response.headers["Location"]
    job_id = response.get_json()["id"]
    assert _count(app, IssuedCredential) == 0  # the request issued nothing itself

    first = _start_worker(env, log)
    try:
        _wait_for(
            lambda: (
                _count(app, BulkItem, BulkItem.state == "issued") >= 5 or first.poll() is not None
            ),
            60,
            "the first worker to issue 5 rows",
            log,
        )
        assert first.poll() is None, "the worker exited before it could be killed"
        first.send_signal(signal.SIGKILL)
    finally:
        _stop(first)
    done_before = _count(app, BulkItem, BulkItem.state == "issued")
    assert 5 <= done_before < 80, "the job was not cut short mid-way"
    assert _count(app, IssuedCredential) == done_before  # each committed row is whole
    progress = client.get(job_url, headers=provider.headers).get_json()
    assert progress["state"] == "running"  # what a dead worker leaves behind
    assert progress["progress"] == {"done": done_before, "failed": 0, "total": 80}

    # Once the dead worker's lease expires, a new worker's sweep queues the job again.
    _wait_for(lambda: _job(app, job_id).lease_expires_at < datetime.now(UTC), 10, "the lease", log)
    second = _start_worker(env, log)
    try:
        _wait_for(
            lambda: _job(app, job_id).state in ("completed", "failed"),
            120,
            "the second worker to finish the job",
            log,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=10)
        finally:
            _stop(second)
    body = client.get(job_url, headers=provider.headers).get_json()
    assert body["state"] == "completed", log.read_text()[-3000:]
    assert body["progress"] == {"done": 80, "failed": 0, "total": 80}
    assert body["counts"] == {"issued": 80, "alreadyIssued": 0, "failed": 0, "pending": 0}
    _each_row_issued_once(app, freelancers)
    assert "lost its worker; queued again" in log.read_text()


def test_the_cli_hands_a_job_to_the_workers_and_follows_it(
    queued_app: tuple[Flask, dict[str, str]], runner: CliRun, make: Factory, tmp_path: Path
) -> None:
    app, env = queued_app
    provider, rows, freelancers = _cohort(make, 3)
    path = tmp_path / "cohort.csv"
    path.write_text(
        "freelancerId,certificationId,overrideReason\n"
        + "".join(f"{r['freelancerId']},{r['certificationId']},In person\n" for r in rows)
    )
    runner.env.update(
        MICROCRED_QUEUE_URL=env["MICROCRED_QUEUE_URL"],
        MICROCRED_QUEUE_NAME=env["MICROCRED_QUEUE_NAME"],
    )
    queued = runner("issue-bulk", str(path), "--issuer", provider.slug, "--queue")
    assert queued.exit_code == 0, queued.output
    job_id = queued.output.split()[1].rstrip(":")
    assert "queued" in queued.output
    status = runner("bulk-status", job_id, "--issuer", provider.slug)
    assert status.exit_code == 0
    assert f"job {job_id}: pending, 0 of 3 rows done, 0 failed" in status.output

    log = tmp_path / "worker.log"
    process = _start_worker(env, log)
    try:
        waited = runner("bulk-status", job_id, "--issuer", provider.slug, "--wait", "--json")
    finally:
        _stop(process)
    assert waited.exit_code == 0, waited.output + log.read_text()
    assert '"state": "completed"' in waited.stdout
    assert '"done": 3' in waited.stdout
    _each_row_issued_once(app, freelancers)
    unknown = runner("bulk-status", "bulk_nope", "--issuer", provider.slug)
    assert unknown.exit_code == 2
    assert "no bulk issuance" in unknown.output


# --- in-thread consumers: the sweep, retries, two runners --------------------------------------


def test_a_job_whose_worker_vanished_is_queued_again_then_given_up(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(MICROCRED_BULK_LEASE_SECONDS=0.2)
    client = app.test_client()
    make_ = Factory(app)
    provider, rows, freelancers = _cohort(make_, 2)
    posted = client.post(URL, json={"rows": rows}, headers=provider.headers)
    job_id = posted.get_json()["id"]
    queue = task_queue(app)
    queue.huey.flush()  # the message is lost (a Redis restart, a worker killed after pop)
    with app.app_context():
        assert worker.sweep() == 0  # the pick-up deadline has not passed yet
        assert lease.claim(job_id, "ghost-worker")  # a worker takes it, then dies
    time.sleep(0.3)
    with app.app_context():
        assert lease.stale_jobs() == [job_id]
        assert worker.sweep() == 1
        assert _job(app, job_id).state == "pending"
    assert _bulk_runs(queue) == 1
    assert _job(app, job_id).state == "completed"
    _each_row_issued_once(app, freelancers)

    # A job whose workers keep dying is given up after MAX_ATTEMPTS claims, not retried
    # forever: failed, with its open rows pending, and a new submission retries it.
    more = _cohort(make_, 1)
    again = client.post(URL, json={"rows": more[1]}, headers=more[0].headers).get_json()
    queue.huey.flush()
    with app.app_context():
        db.session.execute(
            update(BulkJob)
            .where(BulkJob.id == again["id"])
            .values(
                state="running",
                attempts=lease.MAX_ATTEMPTS,
                lease_owner="ghost",
                lease_expires_at=datetime.now(UTC) - timedelta(seconds=1),
            )
        )
        db.session.commit()
    with app.app_context():
        assert worker.sweep() == 0
    report = client.get(f"{URL}/{again['id']}", headers=more[0].headers).get_json()
    assert report["state"] == "failed"
    assert report["counts"]["pending"] == 1
    retried = client.post(URL, json={"rows": more[1]}, headers=more[0].headers)
    assert retried.status_code == 202
    assert _bulk_runs(queue) == 1
    assert _job(app, again["id"]).state == "completed"


def test_a_transient_database_error_is_retried_with_backoff(
    make_app: Callable[..., Flask],
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if database.backend != "sqlite":
        pytest.skip("the lock timeout is provoked with SQLite's busy timeout")
    app = make_app(MICROCRED_DB_BUSY_TIMEOUT=0.1)
    client = app.test_client()
    provider, rows, freelancers = _cohort(Factory(app), 3)
    posted = client.post(URL, json={"rows": rows}, headers=provider.headers)
    assert posted.status_code == 202

    # Another process holds the database's write lock for longer than the busy timeout.
    holder = sqlite3.connect(
        sa.engine.make_url(database.url).database, isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.0, holder.execute, args=("COMMIT",))
    release.start()
    try:
        with caplog.at_level(logging.WARNING, logger="issuer.services.bulk.jobs"):
            assert _bulk_runs(task_queue(app)) == 1
    finally:
        release.join()
        holder.close()
    assert "transient database error, retrying" in caplog.text
    assert _job(app, posted.get_json()["id"]).state == "completed"
    _each_row_issued_once(app, freelancers)


def test_two_runners_of_one_job_issue_each_row_once(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """A slow worker whose lease ran out and its successor may overlap: each row is locked
    and marked in the transaction that issues it, so neither issues a row the other did."""
    provider, rows, freelancers = _cohort(make, 24)
    job_id = client.post(URL, json={"rows": rows}, headers=provider.headers).get_json()["id"]
    with app.app_context():
        items = open_items(job_id)
        issuer_id = _job(app, job_id).issuer_id
    failures: list[BaseException] = []

    def run_all() -> None:
        try:
            with app.app_context():
                from issuer.models import Issuer

                issuer = IssuerRecord.of(db.session.get(Issuer, issuer_id))
                for item_id in items:
                    process_item(issuer, item_id, actor="test")
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=run_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    _each_row_issued_once(app, freelancers)


# --- configuration ------------------------------------------------------------------------------


def test_a_bad_queue_url_is_refused_clearly(make_app: Callable[..., Flask], runner: CliRun) -> None:
    with pytest.raises(ConfigurationError, match="MICROCRED_QUEUE_URL 'amqp://x'"):
        make_app(MICROCRED_QUEUE_URL="amqp://x")
    runner.env["MICROCRED_QUEUE_URL"] = "ftp://nowhere"
    result = runner("worker")
    assert result.exit_code == 1
    assert "error: MICROCRED_QUEUE_URL 'ftp://nowhere': use sqlite:///PATH" in result.output
    assert "Traceback" not in result.output


def test_stale_leases_are_in_the_past(app: Flask, client: FlaskClient, make: Factory) -> None:
    """A fresh job's pick-up deadline lies a lease ahead: the sweep leaves it alone."""
    provider, rows, _ = _cohort(make, 1)
    job_id = client.post(URL, json={"rows": rows}, headers=provider.headers).get_json()["id"]
    job = _job(app, job_id)
    assert job.state == "pending"
    assert job.lease_owner is None
    assert job.lease_expires_at > datetime.now(UTC) + timedelta(seconds=30)
    with app.app_context():
        assert lease.stale_jobs() == []


def test_serve_runs_a_consumer_thread_beside_the_server(
    make_app: Callable[..., Flask],
) -> None:
    """What `microcred serve` (and so `make run`) starts: jobs run with no other process."""
    from microcred.platform.queue import consumer

    app = make_app()
    provider, rows, freelancers = _cohort(Factory(app), 3)
    running = consumer(app, workers=1, in_thread=True)
    running.start()
    try:
        posted = app.test_client().post(URL, json={"rows": rows}, headers=provider.headers)
        assert posted.status_code == 202
        job_id = posted.get_json()["id"]
        deadline = time.monotonic() + 60
        while _job(app, job_id).state != "completed":
            assert time.monotonic() < deadline, _job(app, job_id).state
            time.sleep(0.05)
    finally:
        running.stop(graceful=True)
    _each_row_issued_once(app, freelancers)


def test_a_queue_that_cannot_be_reached_leaves_the_job_for_the_sweep(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    """Redis down at submission: 202 all the same (never a 500); the job waits, pending,
    for the sweep to queue it once its pick-up deadline passes."""
    pytest.importorskip("redis")
    app = make_app(MICROCRED_QUEUE_URL="redis://127.0.0.1:1/0")  # nothing listens there
    provider, rows, _ = _cohort(Factory(app), 1)
    with caplog.at_level(logging.ERROR, logger="microcred.platform.queue"):
        posted = app.test_client().post(URL, json={"rows": rows}, headers=provider.headers)
    assert posted.status_code == 202, posted.get_data(as_text=True)
    assert "could not enqueue task bulk.run" in caplog.text
    job = _job(app, posted.get_json()["id"])
    assert job.state == "pending"
    assert job.lease_expires_at > datetime.now(UTC)


def test_a_lost_database_connection_mid_job_is_retried(
    make_app: Callable[..., Flask], database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL drops the worker's connection (a restart, a failover) in the middle of the
    job: the row in flight is retried on a new connection, and nothing is issued twice."""
    if database.backend != "postgresql":
        pytest.skip("server-side connection termination is PostgreSQL's")
    app = make_app()
    provider, rows, freelancers = _cohort(Factory(app), 40)
    posted = app.test_client().post(URL, json={"rows": rows}, headers=provider.headers)
    assert posted.status_code == 202
    admin = sa.create_engine(database.url, poolclass=sa.pool.NullPool)
    terminated: list[int] = []

    def cut_connections() -> None:
        deadline = time.monotonic() + 60
        while _count(app, BulkItem, BulkItem.state == "issued") < 5:
            if time.monotonic() > deadline:
                return
            time.sleep(0.002)
        with admin.connect() as connection:
            terminated.extend(
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars()
            )

    cutter = threading.Thread(target=cut_connections)
    cutter.start()
    try:
        with caplog.at_level(logging.WARNING, logger="issuer.services.bulk.jobs"):
            assert _bulk_runs(task_queue(app)) == 1
    finally:
        cutter.join()
        admin.dispose()
    assert any(terminated), "no connection was cut"
    # Without the retry, the cut fails the task: the queue would try it again only later.
    assert _job(app, posted.get_json()["id"]).state == "completed", caplog.text
    _each_row_issued_once(app, freelancers)
