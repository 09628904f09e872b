"""The production topology on one machine: several gunicorn web processes and ``microcred
worker`` processes sharing one PostgreSQL database and one Redis.

Used by the scale-out test (``tests/microcred/test_scale_out.py``) and the soak
(``bench/soak.py``, ``make soak``). Everything is real and private to one ``Stack``:

- a fresh PostgreSQL database with a unique name, created through an admin URL
  (``TEST_DATABASE_URL``, else ``SOAK_DATABASE_URL``, else the local server) and dropped
  with ``WITH (FORCE)`` at the end;
- a private ``redis-server`` on a free port (``tests.microcred.faults.RedisServer``): the
  rate-limit counters in its database 0, the task queue in database 1;
- ``microcred init`` and ``microcred issuers create`` run once, as an operator would;
- N gunicorn masters, each started as documented (``gunicorn -c
  python:microcred.gunicorn_conf microcred.wsgi:app``) on its own port, with its own
  instance folder, as separate machines would have;
- M ``microcred worker --workers 1`` processes.

Each process runs in its own session (process group), so ``close()`` can stop a gunicorn
master together with its workers; it always runs, on failure too, when the stack is used
as a context manager. The first web process's address is the base URL: it stands for the
load balancer's public name, so every credential names it whichever process issued it.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from microcred.platform.db import normalize_database_url
from tests.microcred.faults import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: The training provider the stack creates (its API key is in ``Stack.issuer``).
SLUG = "stack-academy"


def admin_url() -> str:
    """The PostgreSQL server to create the stack's database on (any database of it)."""
    return (
        os.environ.get("TEST_DATABASE_URL")
        or os.environ.get("SOAK_DATABASE_URL")
        or DEFAULT_ADMIN_URL
    )


@dataclass
class Service:
    """One started process: its role ("web-0", "worker-1"), the process, its log."""

    role: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def url(self) -> str:
        assert self.port is not None, f"{self.role} serves no port"
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def send(self, sig: signal.Signals) -> None:
        """Signal the whole process group (a gunicorn master and its workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, sig: signal.Signals = signal.SIGTERM, wait: float = 15.0) -> None:
        """Signal the whole process group; SIGKILL whatever is left after ``wait`` s."""
        self.send(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=wait)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # gunicorn's workers too
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


@dataclass
class Stack:
    """``with Stack(workdir) as stack:`` web processes at ``stack.webs[i].url``."""

    workdir: Path
    webs_count: int = 2
    web_concurrency: int = 1
    workers_count: int = 2
    #: Extra environment for every process (rate limits, lease length, …).
    extra_env: dict[str, str] = field(default_factory=dict)
    database: str = field(
        default_factory=lambda: f"microcred_stack_{os.getpid()}_{secrets.token_hex(3)}"
    )
    webs: list[Service] = field(default_factory=list)
    workers: list[Service] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    issuer: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._admin = sa.engine.make_url(normalize_database_url(admin_url()))
        self.database_url = self._admin.set(database=self.database).render_as_string(
            hide_password=False
        )
        self.redis = RedisServer(self.workdir / "redis")
        self._ports = [free_port() for _ in range(self.webs_count)]
        self._database_created = False

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        self._create_database()
        self.redis.start()
        redis = f"redis://127.0.0.1:{self.redis.port}"
        self.env = {
            **os.environ,
            "MICROCRED_ENV": "production",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "MICROCRED_KEY_PASSPHRASE": secrets.token_urlsafe(24),
            "MICROCRED_BASE_URL": f"http://127.0.0.1:{self._ports[0]}",
            "MICROCRED_KEYS_DIR": str(self.workdir / "keys"),
            "MICROCRED_INSTANCE_PATH": str(self.workdir / "instance-cli"),
            "RATELIMIT_STORAGE_URI": f"{redis}/0",
            "MICROCRED_QUEUE_URL": f"{redis}/1",
            "WEB_CONCURRENCY": str(self.web_concurrency),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_LOG_LEVEL": "warning",
            **self.extra_env,
        }
        self.cli("init")
        # The rest starts at once (each process imports the app for seconds), then is
        # waited for: the provider's creation, the web processes, the queue workers.
        with ThreadPoolExecutor(max_workers=1) as background:
            created = background.submit(
                self.cli, "issuers", "create", SLUG, "--name", "Stack Academy", "--json"
            )
            for index, port in enumerate(self._ports):
                self.webs.append(self._start_web(index, port))
            for index in range(self.workers_count):
                self.workers.append(self.start_worker(index, wait=False))
            output = created.result()
        self.issuer = json.loads(output[output.index("{") :])
        for web in self.webs:
            self._wait_ready(web)
        for worker in self.workers:
            self._wait_started(worker)

    def close(self) -> None:
        """Stop every process (their whole groups), Redis, and drop the database."""
        services = [*self.workers, *self.webs]
        for service in services:  # all asked at once; each then gets its grace period
            service.send(signal.SIGTERM)
        for service in services:
            service.stop()
        self.redis.kill()
        if self._database_created:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._database_created = False

    # --- processes -----------------------------------------------------------------------------

    def cli(self, *args: str) -> str:
        """Run ``microcred ARGS`` with the stack's environment; its stdout (fails loudly)."""
        done = subprocess.run(  # noqa: S603 - our own fixed argv
            [str(VENV_BIN / "microcred"), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"microcred {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def _spawn(self, role: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.workdir / f"{role}.log"
        with log.open("ab") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(  # noqa: S603 - our own fixed argv
                command,
                env=env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as a whole
            )

    def _start_web(self, index: int, port: int) -> Service:
        role = f"web-{index}"
        env = {
            **self.env,
            "MICROCRED_BIND": f"127.0.0.1:{port}",
            "MICROCRED_INSTANCE_PATH": str(self.workdir / f"instance-{role}"),
        }
        command = [str(VENV_BIN / "gunicorn"), "-c", "python:microcred.gunicorn_conf"]
        process = self._spawn(role, [*command, "microcred.wsgi:app"], env)
        return Service(role, process, self.workdir / f"{role}.log", port)

    def start_worker(self, index: int, *, wait: bool = True) -> Service:
        role = f"worker-{index}"
        env = {**self.env, "MICROCRED_INSTANCE_PATH": str(self.workdir / f"instance-{role}")}
        command = [str(VENV_BIN / "microcred"), "worker", "--workers", "1"]
        service = Service(role, self._spawn(role, command, env), self.workdir / f"{role}.log")
        if wait:
            self._wait_started(service)
        return service

    def _wait_started(self, worker: Service) -> None:
        deadline = time.monotonic() + 90
        while "microcred worker:" not in worker.log_text():
            if not worker.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{worker.role} did not start:\n{worker.log_text()[-3000:]}")
            time.sleep(0.1)

    def _wait_ready(self, web: Service) -> None:
        deadline = time.monotonic() + 90
        client = Http(timeout=5)
        try:
            while True:
                if not web.alive():
                    raise RuntimeError(f"{web.role} exited:\n{web.log_text()[-3000:]}")
                with contextlib.suppress(OSError, http.client.HTTPException):
                    if client.request("GET", web.url + "/healthz").status == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{web.role} not ready in 90 s:\n{web.log_text()[-3000:]}")
                time.sleep(0.2)
        finally:
            client.close()

    def pids(self) -> dict[str, int]:
        """Every live process of the stack by role: gunicorn masters ("web-0"), their
        workers ("web-0/1", …), queue workers ("worker-0")."""
        found: dict[str, int] = {}
        children = _children()
        for service in [*self.webs, *self.workers]:
            if not service.alive():
                continue
            found[service.role] = service.pid
            for number, child in enumerate(sorted(children.get(service.pid, [])), start=1):
                found[f"{service.role}/{number}"] = child
        return found

    # --- the database --------------------------------------------------------------------------

    def _admin_sql(self, statement: str) -> None:
        engine = sa.create_engine(
            self._admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def _create_database(self) -> None:
        self._admin_sql(f'CREATE DATABASE "{self.database}"')
        self._database_created = True

    def sql(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows of one query on the stack's database (checks, never the app's own work)."""
        engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(sa.text(query), params)]
        finally:
            engine.dispose()


def rss_kib(pid: int) -> int | None:
    """Resident set size of a live process, in KiB (Linux /proc), else None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids, from /proc/*/stat."""
    found: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            # "pid (comm) state ppid …": comm may hold spaces and parentheses.
            ppid = int(text[text.rindex(")") + 2 :].split()[1])
            found.setdefault(ppid, []).append(int(stat.parent.name))
    return found


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Http:
    """A keep-alive HTTP/1.1 client for loopback: one connection per host, reopened after
    an error. Not shared between threads (the soak gives each thread its own)."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._connections: dict[str, http.client.HTTPConnection] = {}
        #: Requests sent again after a kept-alive connection was found closed.
        self.resent = 0

    def request(
        self,
        method: str,
        url: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        payload = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        sent = dict(headers or {})
        if payload is not None:
            sent.setdefault("Content-Type", "application/json")
        for attempt in (1, 2):
            connection = self._connections.get(parts.netloc)
            if connection is None:
                connection = http.client.HTTPConnection(parts.netloc, timeout=self.timeout)
                self._connections[parts.netloc] = connection
            try:
                connection.request(method, path, body=payload, headers=sent)
                response = connection.getresponse()
                answer = Answer(response.status, response.headers, response.read())
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                del self._connections[parts.netloc]
                # A kept-alive connection the server closed meanwhile (gunicorn's keepalive
                # is 5 s): reconnect once. A second failure, or a timeout, is the server's.
                stale = isinstance(error, (ConnectionError, http.client.BadStatusLine))
                if attempt == 2 or not stale:
                    raise
                self.resent += 1
                continue
            if answer.headers.get("Connection", "").lower() == "close":
                connection.close()
                del self._connections[parts.netloc]
            return answer
        raise AssertionError("unreachable")

    def close(self) -> None:
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()
