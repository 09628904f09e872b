"""Issuance throughput on one core: the service layer, HTTP, and a bulk job of 10,000.

Run: ``.venv/bin/python -m bench issuance`` (or ``-m bench.issuance [--seconds N]``).

Every credential is the real thing: an Open Badges 3.0 credential of three competencies
backed by two assessed gig projects, signed, stored in SQLite (WAL) with its evidence
rows, one revocation and one suspension index allocated at random, and an audit event.
Each issuance goes to a different freelancer (a freelancer holds one valid credential per
certification), so nothing is measured on a cached answer.

- **service**: ``issue_credential`` in its own write transaction, in this process
  pinned to one CPU;
- **HTTP**: ``POST /api/v1/credentials`` against gunicorn with one worker process and
  one thread (gthread: keep-alive; a sync worker closes every connection, which costs
  about 0.7 ms per request here) pinned to CPU 0 (``taskset -c 0``), from a keep-alive
  ``http.client`` pinned to another CPU, rate limits off — one core of server;
- **bulk**: 10,000 rows through ``issuer.services.bulk`` (job creation included), end to
  end, with the default suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.timing import Rate, measure, pin_to_one_core, report
from credentials.proofs import JCS, RDFC

TARGETS = {JCS: 300.0, RDFC: 150.0}
BULK_ROWS = 10_000
#: Concurrent keep-alive connections that keep the one server core busy.
HTTP_CLIENTS = 4
PASSPHRASE = "microcred-benchmark-passphrase"  # noqa: S105 - a throw-away instance


def _environment(folder: Path, base_url: str) -> dict[str, str]:
    return {
        "MICROCRED_ENV": "development",
        "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
        "MICROCRED_BASE_URL": base_url,
        "MICROCRED_KEY_PASSPHRASE": PASSPHRASE,
        "MICROCRED_INSTANCE_PATH": str(folder / "instance"),
        "MICROCRED_KEYS_DIR": str(folder / "keys"),
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": "microcred-benchmark-secret-key-0123456789",
    }


@dataclass
class World:
    """A migrated SQLite database with one provider and many freelancers ready to issue."""

    folder: Path
    base_url: str
    slug: str = "bench-academy"
    token: str = ""
    certification_id: str = ""
    freelancers: list[str] = field(default_factory=list)

    def take(self, count: int) -> list[str]:
        taken, self.freelancers = self.freelancers[:count], self.freelancers[count:]
        if len(taken) < count:
            raise RuntimeError("the benchmark ran out of freelancers; raise the pool size")
        return taken


def _app(env: dict[str, str]) -> Any:
    os.environ.update(env)
    from microcred.app import create_app

    return create_app()


def build_world(folder: Path, base_url: str, pool: int) -> World:
    import flask_migrate
    from sqlalchemy import insert

    from issuer.models import Assessment, Freelancer, GigProject
    from issuer.services import certifications, issuers
    from microcred.platform import MIGRATIONS_DIR
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    world = World(folder, base_url)
    app = _app(_environment(folder, base_url))
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        with write_transaction(db.session):
            created = issuers.create_issuer(
                world.slug,
                name="Benchmark Skills Academy",
                base_url=base_url,
                passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
                actor="bench",
                profile={"url": "https://bench.example"},
            )
            certification = certifications.create_certification(
                created.issuer,
                {
                    "name": "Freelance Python API Developer",
                    "description": "Designs, builds and tests HTTP APIs for clients.",
                    "criteria_narrative": "Two accepted client projects per competency.",
                    "validity_days": 730,
                    "evidence_rule": {"min_projects_per_competency": 2},
                    "competencies": [
                        {
                            "name": "Python programming",
                            "alignment": {
                                "target_name": "Python (computer programming)",
                                "target_url": "http://data.europa.eu/esco/skill/ccd0a1d9",
                                "target_framework": "ESCO",
                            },
                        },
                        {"name": "HTTP API design"},
                        {"name": "Automated testing"},
                    ],
                },
                actor="bench",
            )
            world.token = created.api_key_token
            world.certification_id = certification.id
            issuer_id = created.issuer.id
            competencies = [c.id for c in certification.competencies]
        with write_transaction(db.session):
            rows = [
                {"issuer_id": issuer_id, "name": f"Freelancer {n}", "email": f"f{n}@bench.example"}
                for n in range(pool)
            ]
            world.freelancers = list(
                db.session.scalars(insert(Freelancer).returning(Freelancer.id), rows)
            )
            projects = [
                {
                    "issuer_id": issuer_id,
                    "freelancer_id": freelancer,
                    "platform": platform,
                    "title": f"{platform} client API #{n}",
                    "url": f"https://gigs.example/{freelancer}/{n}",
                    "client_name": "Brightline Outfitters",
                    "started_on": date(2025, 2 + 3 * n, 3),
                    "finished_on": date(2025, 3 + 3 * n, 14),
                    "deliverables": "Flask service with an OpenAPI document and tests.",
                    "client_feedback": "Clear API, thorough tests.",
                }
                for freelancer in world.freelancers
                for n, platform in enumerate(("Upwork", "Toptal"))
            ]
            project_ids = list(
                db.session.scalars(insert(GigProject).returning(GigProject.id), projects)
            )
            db.session.execute(
                insert(Assessment),
                [
                    {
                        "project_id": project,
                        "competency_id": competency,
                        "outcome": "accepted",
                        "reviewer": "bench",
                    }
                    for project in project_ids
                    for competency in competencies
                ],
            )
        db.engine.dispose()
    return world


# --- service layer ---------------------------------------------------------------------------


def service_rate(world: World, suite: str, seconds: float) -> Rate:
    from issuer.services import issuers
    from issuer.services.issuance import issue_credential
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    app = _app(_environment(world.folder, world.base_url))
    pool = iter(world.take(int(seconds * 1500) + 200))

    def work(_: int) -> None:
        with write_transaction(db.session):
            issue_credential(
                issuers.get_issuer(world.slug),
                freelancer_id=next(pool),
                certification_id=world.certification_id,
                suite=suite,
                actor="bench",
            )

    with app.app_context():
        rate = measure(f"issue {suite}, service layer", work, seconds=seconds)
        db.engine.dispose()
    return rate


# --- HTTP ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def gunicorn(world: World, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """One worker, one thread, on CPU 0 (the app is created in the worker, as in production)."""
    binary = Path(sys.executable).with_name("gunicorn")
    command = [
        *(["taskset", "-c", "0"] if shutil.which("taskset") else []),
        str(binary),
        "--workers",
        "1",
        # gthread with one thread: still one request at a time in one process, but it
        # keeps connections alive (a sync worker closes each one), as a client behind a
        # proxy would see.
        "--worker-class",
        "gthread",
        "--threads",
        "1",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "microcred.wsgi:app",
    ]
    env = {**os.environ, **_environment(world.folder, world.base_url)}
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=30)


def _server_cpu_seconds(server: subprocess.Popen[bytes]) -> float | None:
    """CPU time (user + system) of the gunicorn worker(s) so far, read from /proc (Linux):
    unlike wall time, it does not move when another process shares the host."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        total = 0.0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
    return total


class _Clients:
    """Keep-alive connections issuing back to back, one thread each, until stopped."""

    def __init__(self, world: World, port: int, suite: str, clients: int, pool: int) -> None:
        self._world, self._port, self._suite = world, port, suite
        self._pool = iter(world.take(pool))
        self._lock = threading.Lock()
        self._headers = {
            "Authorization": f"Bearer {world.token}",
            "Content-Type": "application/json",
        }
        self.counts = [0] * clients
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.ready = threading.Barrier(clients + 1, timeout=120)  # every client warmed up
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def start(self) -> bool:
        for thread in self._threads:
            thread.start()
        try:
            self.ready.wait()
        except threading.BrokenBarrierError:
            self.stop.set()
        return not self.stop.is_set()

    def finish(self) -> int:
        self.stop.set()
        for thread in self._threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return sum(self.counts)

    def _post(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            freelancer = next(self._pool)
        body = json.dumps(
            {
                "freelancerId": freelancer,
                "certificationId": self._world.certification_id,
                "suite": self._suite,
            }
        )
        connection.request("POST", "/api/v1/credentials", body=body, headers=self._headers)
        response = connection.getresponse()
        data = response.read()
        if response.status != 201:
            raise RuntimeError(f"HTTP {response.status}: {data[:300]!r}")

    def _run(self, slot: int, warmup: int = 20) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self._port, timeout=30)
        try:
            for _ in range(warmup):
                self._post(connection)
            self.ready.wait()
            while not self.stop.is_set():
                self._post(connection)
                self.counts[slot] += 1
        except BaseException as error:  # the main thread re-raises it
            self.errors.append(error)
            self.stop.set()
            self.ready.abort()
        finally:
            connection.close()


def http_rate(
    world: World,
    port: int,
    suite: str,
    seconds: float,
    *,
    clients: int = 1,
    server: subprocess.Popen[bytes] | None = None,
) -> Rate:
    """``clients`` keep-alive connections issuing back to back.

    One client measures round trips (the server idles while the client builds the next
    request and reads the answer); several keep the server's one core busy, which is its
    throughput. The label carries the worker's CPU time per credential when it is known.
    """
    load = _Clients(world, port, suite, clients, int(seconds * 1000 * clients) + 100 * clients)
    running = load.start()
    cpu_before = _server_cpu_seconds(server) if server is not None else None
    begin = time.perf_counter()
    if running:
        time.sleep(seconds)
    ops = load.finish()
    elapsed = time.perf_counter() - begin
    cpu_after = _server_cpu_seconds(server) if server is not None else None
    label = f"issue {suite}, HTTP, {clients} client{'s' if clients > 1 else ''}"
    if cpu_before is not None and cpu_after is not None and ops:
        label += f" (worker CPU {1000 * (cpu_after - cpu_before) / ops:.2f} ms/op)"
    return Rate(label, ops, elapsed)


# --- bulk ------------------------------------------------------------------------------------


def bulk_rate(world: World, rows: int, suite: str | None) -> Rate:
    from issuer.services import bulk, issuers
    from microcred.platform.extensions import db

    app = _app(_environment(world.folder, world.base_url))
    freelancers = world.take(rows)
    with app.app_context():
        issuer = issuers.get_issuer(world.slug)
        issuer_id = issuer.id
        start = time.perf_counter()
        normalised = bulk.normalise(
            [{"freelancerId": f, "certificationId": world.certification_id} for f in freelancers],
            default_suite=suite,
        )
        opened = bulk.open_job(issuer, normalised, source_format="json", actor="bench")
        counts = bulk.process_job(issuer_id, opened.job_id, actor="bench")
        elapsed = time.perf_counter() - start
        db.engine.dispose()
    if counts is None or counts["issued"] != rows:
        raise RuntimeError(f"bulk job did not issue every row: {counts}")
    return Rate(f"bulk issuance of {rows:,} ({suite or RDFC}), end to end", rows, elapsed)


def run(seconds: float) -> None:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    print(f"# issuance benchmark ({pin_to_one_core()}, {seconds:.0f} s per figure, SQLite)")
    folder = Path(tempfile.mkdtemp(prefix="microcred-bench-"))
    try:
        port = _free_port()
        pool = int(seconds * (1500 * 2 + 1000 * 2 * (1 + HTTP_CLIENTS))) + 2000 + BULK_ROWS
        started = time.perf_counter()
        world = build_world(folder, f"http://127.0.0.1:{port}", pool)
        took = time.perf_counter() - started
        print(f"  (set-up: {len(world.freelancers):,} freelancers in {took:.1f} s)")
        service = {suite: service_rate(world, suite, seconds) for suite in (JCS, RDFC)}
        for suite, rate in service.items():
            report(rate, target=TARGETS[suite])
        if len(cpus) > 1:
            os.sched_setaffinity(0, {cpus[-1]})  # the client stays off the server's core
        with gunicorn(world, port) as server:
            for suite in (JCS, RDFC):
                # One client: round trips, for reference. Several: the server's core
                # saturated, which is the throughput the target is about.
                report(http_rate(world, port, suite, seconds, server=server))
                report(
                    http_rate(world, port, suite, seconds, clients=HTTP_CLIENTS, server=server),
                    target=TARGETS[suite],
                    baseline=service[suite],
                )
        if len(cpus) > 1:
            os.sched_setaffinity(0, {cpus[0]})
        report(bulk_rate(world, BULK_ROWS, None), target=TARGETS[RDFC])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each figure")
    run(parser.parse_args().seconds)


if __name__ == "__main__":
    main()
