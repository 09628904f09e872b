"""Verifications per second through HTTP: gunicorn on loopback, wrk as the load generator.

Run: ``make bench`` (all benchmarks; it installs wrk) or
``.venv/bin/python -m bench verify_http [--seconds N]``; for other server settings
``.venv/bin/python -m bench.verify_http --workers 3 --threads 1 …``.

What is measured (targets from issue 4): ``POST /api/v1/verify`` with credentials issued
by our own did:web issuer (the real issuance service, on SQLite), **status checked**
(revocation and suspension lists read from the database on every request, their
signatures verified once per list version), 32 concurrent connections; req/s and latency
percentiles for eddsa-jcs-2022 (≥ 800/s) and eddsa-rdfc-2022 (≥ 400/s), p99 ≤ 50 ms.
Little's law: 32 requests always in flight with p99 ≤ 50 ms needs a mean latency well
under 50 ms, i.e. well over 32 / 0.05 s = 640 req/s — for both suites.

The server is the production one: ``gunicorn -c microcred/gunicorn_conf.py
microcred.wsgi:app`` with MICROCRED_ENV=production; the worker settings used are printed
(command-line options override the configuration file). Rate limiting is switched off
(RATELIMIT_ENABLED=false): one client address sending thousands of requests per second is
what the public limit exists to stop. wrk's Lua script rotates through a pool of distinct
credentials and counts answers that are not 200 or not ``"verified":true``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from bench.wrk import (
    CONNECTIONS,
    LUA,
    TARGETS,
    idle_fraction,
    report,
    run_wrk,
)

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
POOL = 200
MIN_SECONDS = 10.0
WARMUP_SECONDS = 3

#: Server options to override; empty = microcred/gunicorn_conf.py exactly as documented
#: (one worker per CPU, one thread each, 16 connections per worker; the reasons are there).
DEFAULT_SERVER: dict[str, Any] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _environment(workdir: Path, port: int, server: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MICROCRED_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        MICROCRED_KEY_PASSPHRASE=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}",
        MICROCRED_BASE_URL=f"http://127.0.0.1:{port}",
        MICROCRED_KEYS_DIR=str(workdir / "keys"),
        MICROCRED_INSTANCE_PATH=str(workdir / "instance"),
        RATELIMIT_ENABLED="false",
        MICROCRED_BIND=f"127.0.0.1:{port}",
        GUNICORN_LOG_LEVEL="warning",
    )
    return env


def prepare(env: dict[str, str], pool: int) -> dict[str, list[str]]:
    """Migrate the database and issue ``pool`` credentials per suite (real services)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return _issue_pools(pool)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _issue_pools(pool: int) -> dict[str, list[str]]:
    import flask_migrate

    from issuer.services import certifications, freelancers, issuers, projects
    from issuer.services.issuance import issue_credential
    from microcred.app import create_app
    from microcred.platform import MIGRATIONS_DIR
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    app = create_app()
    documents: dict[str, list[str]] = {suite: [] for suite in TARGETS}
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        with write_transaction(db.session):
            issuer = issuers.create_issuer(
                "northwind-bench",
                name="Northwind Skills Academy",
                base_url=app.config["MICROCRED_BASE_URL"],
                passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
                actor="bench",
            ).issuer
            cert = certifications.create_certification(issuer, _CERTIFICATION, actor="bench")
        for suite in TARGETS:
            for n in range(pool):
                with write_transaction(db.session):
                    freelancer = freelancers.create_freelancer(
                        issuer,
                        {"name": f"Freelancer {n + 1}", "email": f"f{n}@{suite}.example"},
                        actor="bench",
                    )
                    for spec in _PROJECTS:
                        project = projects.create_project(
                            issuer,
                            freelancer.id,
                            {**spec, "title": f"{spec['title']} #{n}"},
                            actor="bench",
                        )
                        outcomes = [
                            {"competency_id": c.id, "outcome": "accepted"}
                            for c in cert.competencies
                        ]
                        projects.set_assessments(
                            issuer, project.id, outcomes, reviewer="Bench", actor="bench"
                        )
                    issued = issue_credential(
                        issuer,
                        freelancer_id=freelancer.id,
                        certification_id=cert.id,
                        suite=suite,
                        actor="bench",
                    )
                    documents[suite].append(issued.document)
        db.engine.dispose()
    return documents


_CERTIFICATION = {
    "name": "Freelance Python API Developer",
    "description": "Designs, builds and tests production HTTP APIs in Python.",
    "criteria_narrative": "Two client projects per competency, assessed by a reviewer.",
    "validity_days": 730,
    "evidence_rule": {"min_projects_per_competency": 2},
    "competencies": [
        {
            "name": "Python programming",
            "alignment": {
                "target_name": "Python (computer programming)",
                "target_url": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                "target_framework": "ESCO",
            },
        },
        {"name": "HTTP API design", "description": "Resource-oriented APIs."},
        {"name": "Automated testing"},
    ],
}
_PROJECTS = [
    {
        "platform": "Upwork",
        "title": "Payments webhook API",
        "url": "https://www.upwork.com/freelancers/~01demo/portfolio/payments",
        "client_name": "Brightline Outfitters",
        "started_on": date(2025, 2, 3),
        "finished_on": date(2025, 3, 14),
    },
    {
        "platform": "Fiverr",
        "title": "Inventory sync REST API",
        "client_name": "Kettle & Crumb Bakery",
        "started_on": date(2025, 4, 7),
        "finished_on": date(2025, 4, 30),
    },
]


# --- the server ----------------------------------------------------------------------------


def server_command(server: dict[str, Any]) -> list[str]:
    """The production command, with only the options ``server`` overrides."""
    command = [str(VENV_BIN / "gunicorn"), "-c", "microcred/gunicorn_conf.py"]
    for option in ("workers", "threads", "worker_class", "worker_connections"):
        if server.get(option) is not None:
            command += [f"--{option.replace('_', '-')}", str(server[option])]
    if server.get("access_log") is not None:
        command += ["--access-logfile", server["access_log"]]
    if server.get("preload"):
        command.append("--preload")
    return [*command, "microcred.wsgi:app"]


@contextmanager
def running_server(command: list[str], env: dict[str, str], log: Path, url: str) -> Any:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own fixed argv
            command, cwd=ROOT, env=env, stdout=out, stderr=out
        )
        try:
            _wait_until_up(url, process, log)
            yield process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def check_answer(url: str, document: str) -> dict[str, Any]:
    """One verification by hand: it must be valid, with both status checks passed.

    The status lists are fetched first, as a client would: lists are signed lazily with
    validFrom = signing time, and one signed in the middle of a verification can come out
    "not valid before" that verification's clock reading (reported to the issuer side).
    """
    for entry in json.loads(document)["credentialStatus"]:
        list_url = entry["statusListCredential"]  # http://127.0.0.1:<port>/…, our own
        with urllib.request.urlopen(list_url, timeout=10) as response:  # noqa: S310
            response.read()
    time.sleep(1.1)  # past the second the lists were signed in
    request = urllib.request.Request(  # noqa: S310 - loopback http, our own server
        url + "/api/v1/verify",
        data=document.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body: dict[str, Any] = json.loads(response.read())
    status = [c["outcome"] for c in body["checks"] if c["check"] == "status"]
    if body["verdict"] != "valid" or status != ["passed", "passed"]:
        raise SystemExit(f"the benchmark credential does not verify: {body['summary']}")
    return body


def run(seconds: float, server: dict[str, Any] | None = None, pool: int = POOL) -> None:
    from bench.timing import unpin

    unpin()  # an earlier benchmark of the same run may have pinned this process to one CPU
    server = {**DEFAULT_SERVER, **(server or {})}
    duration = max(seconds, MIN_SECONDS)
    if shutil.which("wrk") is None:
        print("# verify_http: wrk is not installed (make bench installs it); skipped")
        return
    workdir = Path(tempfile.mkdtemp(prefix="microcred-bench-"))
    try:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        env = _environment(workdir, port, server)
        started = time.monotonic()
        documents = prepare(env, pool)
        print(
            f"# verify_http: POST /api/v1/verify, {CONNECTIONS} connections, {duration:.0f} s "
            f"per suite after {WARMUP_SECONDS} s warm-up; {pool} distinct credentials per suite "
            f"issued by our did:web issuer in {time.monotonic() - started:.1f} s; status "
            "checked; rate limiting OFF (RATELIMIT_ENABLED=false)"
        )
        command = server_command(server)
        print("# server: MICROCRED_ENV=production " + " ".join(command))
        print(
            f"# load:   wrk --threads 2 --connections {CONNECTIONS} --duration {duration:.0f}s "
            f"--script verify.lua {url}/api/v1/verify -- <suite>.jsonl "
            f"({os.cpu_count()} CPUs, shared by server and wrk)"
        )
        idle = idle_fraction()
        if idle < 0.9:
            print(f"# WARNING: the machine is busy ({100 * (1 - idle):.0f}% CPU used by others)")
        script = workdir / "verify.lua"
        script.write_text(LUA)
        with running_server(command, env, workdir / "gunicorn.log", url):
            for suite, texts in documents.items():
                pool_file = workdir / f"{suite}.jsonl"
                pool_file.write_text("\n".join(texts) + "\n")
                check_answer(url, texts[0])
                run_wrk(url, script, pool_file, WARMUP_SECONDS)
                figures = run_wrk(url, script, pool_file, duration)
                if figures is None:
                    print(f"{suite}: wrk printed no result")
                    continue
                report(figures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=MIN_SECONDS)
    parser.add_argument("--workers", type=int, help="override WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, help="override GUNICORN_THREADS")
    parser.add_argument("--worker-class", help="override the gthread worker class")
    parser.add_argument(
        "--worker-connections", type=int, help="override GUNICORN_WORKER_CONNECTIONS"
    )
    parser.add_argument("--preload", action="store_true", help="import the app before forking")
    parser.add_argument(
        "--access-log", default=None, help="override the configured access log ('-' = stdout)"
    )
    parser.add_argument("--pool", type=int, default=POOL)
    args = parser.parse_args()
    server = {
        "workers": args.workers,
        "threads": args.threads,
        "worker_class": args.worker_class,
        "worker_connections": args.worker_connections,
        "preload": args.preload,
        "access_log": args.access_log,
    }
    run(args.seconds, server, pool=args.pool)


if __name__ == "__main__":
    main()
