"""``make soak``: a bounded load test of mixed traffic against the production topology.

Two gunicorn masters (production configuration, ``WEB_CONCURRENCY`` workers each, default
1), two ``microcred worker`` processes, PostgreSQL (a fresh database) and a private Redis
(rate limits and the queue), all on loopback (``bench.stack``). Client threads, in this
separate process, send a mix of:

- ``issue``: a new freelancer (``freelancer``), then ``POST /api/v1/credentials`` with
  the API key (eddsa-rdfc-2022 and eddsa-jcs-2022 in turn);
- ``verify``: ``POST /api/v1/verify`` of a credential issued here (public API);
- ``pdf``: ``GET /credentials/<id>.pdf`` (rendered on a miss, from the cache after);
- ``bulk``: ``POST /api/v1/bulk-issuances`` of ``BULK_ROWS`` new freelancers (the
  workers issue them);
- ``revoke``: ``POST /api/v1/credentials/<id>/revoke``.

Each request goes to the two web processes in turn, as a round-robin load balancer would.
Rate limiting stays on, counted in Redis, with limits set far above the load.

It prints throughput and p50/p99 latency per operation, the 5xx count, RSS of every
gunicorn and worker process sampled every ``SOAK_SAMPLE_SECONDS`` (a table), the
database connections, and a verdict line. Exit status 1 on any 5xx or failed request,
on a bulk row lost or issued twice, or when memory is not flat: the median RSS of the
last quarter of the samples more than ``FLAT_PERCENT`` above that of the second quarter,
for any process (the first quarter is warm-up: imports finish, pools and bounded caches
fill).

Environment: ``SOAK_SECONDS`` (600), ``SOAK_THREADS`` (4), ``SOAK_SAMPLE_SECONDS`` (30,
or an eighth of a shorter run), ``WEB_CONCURRENCY`` (1), ``SOAK_MIX`` (one operation
alone for sizing figures, ``SOAK_MIX=verify``; default the mix above), and the PostgreSQL
server ``TEST_DATABASE_URL`` / ``SOAK_DATABASE_URL`` (else postgres@127.0.0.1:5432).
It also prints the web workers' requests per CPU-second, the steadier figure on a
machine shared with other work.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.soak_report import Sample, Tally, cpu_per_request, report, verdict
from bench.stack import Http, Stack, rss_kib

#: The mix: relative weights of what a thread does next.
WEIGHTS = {"verify": 55, "issue": 20, "pdf": 12, "revoke": 5, "bulk": 3}
BULK_ROWS = 10
LIMITS = "100000 per minute"


class Load:
    """The client side: shared pools of issued credentials, and the tallies."""

    def __init__(
        self,
        stack: Stack,
        certification: str,
        client_headers: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.stack = stack
        self.certification = certification
        self.auth = {"Authorization": f"Bearer {stack.issuer['api_key']}"}
        self.client_headers = client_headers or dict
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.issued: list[dict[str, Any]] = []  # {"id", "document"}
        self.revocable: list[str] = []
        self.jobs: list[str] = []
        self.counter = 0
        #: Requests sent again on a new connection after a kept-alive one was found closed.
        self.resent = 0

    def record(
        self, op: str, started: float, status: int | None, ok: tuple[int, ...], detail: str = ""
    ) -> bool:
        elapsed = time.monotonic() - started
        with self.lock:
            tally = self.tallies[op]
            tally.seconds.append(elapsed)
            if status is None:
                tally.failed += 1
            elif status >= 500:
                tally.server_errors += 1
            elif status not in ok:
                tally.unexpected += 1
            good = status in ok
            if not good and len(tally.examples) < 5:
                tally.examples.append(f"{status} {detail}".strip())
        return good

    def call(
        self,
        http: Http,
        web: str,
        op: str,
        request: tuple[str, str],
        body: Any = None,
        *,
        ok: tuple[int, ...] = (200,),
        auth: bool = True,
    ) -> Any:
        """One timed request (``request``: method and path); its JSON (or True) when the
        status is one of ``ok``, else None (tallied)."""
        method, path = request
        started = time.monotonic()
        try:
            headers = {**self.client_headers(), **(self.auth if auth else {})}
            answer = http.request(method, web + path, body, headers)
        except Exception as error:  # a refused or reset connection is a failed request
            self.record(op, started, None, ok, repr(error)[:200])
            return None
        # An unexpected answer is shown with the start of its body (what the server said).
        detail = "" if answer.status in ok else answer.body[:160].decode(errors="replace")
        if not self.record(op, started, answer.status, ok, detail):
            return None
        return answer.json() if answer.headers.get_content_type().endswith("json") else True

    def next_number(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def freelancer(self, http: Http, web: str) -> str | None:
        n = self.next_number()
        body = {"name": f"Soak Freelancer {n}", "email": f"soak{n}@example.com"}
        created = self.call(
            http, web, "freelancer", ("POST", "/api/v1/freelancers"), body, ok=(201,)
        )
        return None if created is None else str(created["id"])

    def issue(self, http: Http, web: str) -> None:
        freelancer = self.freelancer(http, web)
        if freelancer is None:
            return
        body = {
            "freelancerId": freelancer,
            "certificationId": self.certification,
            "suite": random.choice(("eddsa-rdfc-2022", "eddsa-jcs-2022")),
            "override": {"reason": "Assessed in person"},
        }
        issued = self.call(http, web, "issue", ("POST", "/api/v1/credentials"), body, ok=(201,))
        if issued is not None:
            with self.lock:
                self.issued.append({"id": issued["id"], "document": issued["document"]})
                self.revocable.append(issued["id"])

    def verify(self, http: Http, web: str) -> None:
        with self.lock:
            credential = random.choice(self.issued)
        self.call(
            http, web, "verify", ("POST", "/api/v1/verify"), credential["document"], auth=False
        )

    def pdf(self, http: Http, web: str) -> None:
        with self.lock:
            credential = random.choice(self.issued)
        path = f"/credentials/{credential['id']}.pdf"
        self.call(http, web, "pdf", ("GET", path), auth=False)

    def revoke(self, http: Http, web: str) -> None:
        with self.lock:
            if len(self.revocable) < 10:
                return  # keep some valid ones
            credential = self.revocable.pop(random.randrange(len(self.revocable)))
        path = f"/api/v1/credentials/{credential}/revoke"
        self.call(http, web, "revoke", ("POST", path), {"reason": "Soak test"})

    def bulk(self, http: Http, web: str) -> None:
        freelancers = [self.freelancer(http, web) for _ in range(BULK_ROWS)]
        rows = [
            {"freelancerId": f, "certificationId": self.certification, "overrideReason": "Soak"}
            for f in freelancers
            if f is not None
        ]
        request = ("POST", "/api/v1/bulk-issuances")
        job = self.call(http, web, "bulk", request, {"rows": rows}, ok=(202,))
        if job is not None:
            with self.lock:
                self.jobs.append(str(job["id"]))


def _client(load: Load, stop: threading.Event, seed: int, mix: dict[str, int]) -> None:
    chooser = random.Random(seed)
    names, weights = list(mix), list(mix.values())
    webs = [web.url for web in load.stack.webs]
    http = Http()
    turn = seed
    try:
        while not stop.is_set():
            turn += 1
            getattr(load, chooser.choices(names, weights)[0])(http, webs[turn % len(webs)])
    finally:
        with load.lock:
            load.resent += http.resent
        http.close()


# --- sampling ------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """Busy and total CPU seconds of the whole machine so far (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - values[3] - values[4]) / tick, sum(values) / tick


def _sample(
    stack: Stack,
    started: float,
    cpu: dict[int, float],
    baseline: dict[int, float],
    roles: dict[str, int],
    *,
    first: bool,
) -> Sample:
    """RSS of every process now; ``cpu`` gets each one's CPU seconds so far (``baseline``
    what they had used when the load started, start-up included)."""
    pids = stack.pids()
    for pid in [*pids.values(), stack.redis.process.pid if stack.redis.process else 0]:
        if pid:
            cpu[pid] = max(cpu.get(pid, 0.0), _cpu_seconds(pid))
            baseline.setdefault(pid, cpu[pid] if first else 0.0)
    for role, pid in pids.items():
        roles[role] = pid
    rss = {role: kib for role, pid in pids.items() if (kib := rss_kib(pid)) is not None}
    query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    connections = int(stack.sql(query)[0][0]) - 1  # not this query's own
    load1 = float(Path("/proc/loadavg").read_text().split()[0])
    return Sample(time.monotonic() - started, rss, connections, load1)


@dataclass
class Result:
    load: Load
    samples: list[Sample]
    elapsed: float
    bulk_ok: bool
    cpu_note: str
    #: CPU seconds each process used while the load ran, by role.
    cpu: dict[str, float]


def soak(
    stack: Stack,
    seconds: float,
    *,
    threads: int,
    sample_every: float,
    client_headers: Callable[[], dict[str, str]] | None = None,
    mix: dict[str, int] | None = None,
) -> Result:
    """Run the mix against a started stack for ``seconds``; then wait for the bulk jobs.
    ``client_headers``: extra headers per request (the scale-out test gives each request
    a client address of its own, under its low public rate limit)."""
    http = Http()
    certification = {
        "name": f"Soak Certificate {os.urandom(3).hex()}",
        "description": "Issued under load.",
        "criteriaNarrative": "Shown in person.",
        "validityDays": 365,
        "evidenceRule": {"minProjectsPerCompetency": 1},
        "competencies": [{"name": "Endurance"}, {"name": "Consistency"}],
    }
    auth = {"Authorization": f"Bearer {stack.issuer['api_key']}"}
    path = "/api/v1/micro-certifications"
    created = http.request("POST", stack.webs[0].url + path, certification, auth)
    assert created.status == 201, created.body
    load = Load(stack, created.json()["id"], client_headers)
    for n in range(20):  # something to verify, download and revoke from the start
        load.issue(http, stack.webs[n % 2].url)
    http.close()
    load.tallies.clear()
    stop = threading.Event()
    clients = [
        threading.Thread(target=_client, args=(load, stop, n, mix or WEIGHTS), daemon=True)
        for n in range(threads)
    ]
    cpu: dict[int, float] = {}
    baseline: dict[int, float] = {}
    roles: dict[str, int] = {}
    busy0, total0 = _machine_busy()
    own0 = sum(os.times()[:2])
    started = time.monotonic()
    samples = [_sample(stack, started, cpu, baseline, roles, first=True)]
    for client in clients:
        client.start()
    while (left := started + seconds - time.monotonic()) > 0:
        time.sleep(min(sample_every, left))
        samples.append(_sample(stack, started, cpu, baseline, roles, first=False))
    stop.set()
    for client in clients:
        client.join(timeout=120)
    elapsed = time.monotonic() - started
    busy1, total1 = _machine_busy()
    own = sum(os.times()[:2]) - own0
    stack_cpu = sum(cpu.values()) - sum(baseline.values())
    busy = busy1 - busy0
    cpu_note = (
        f"# CPU: the machine was {100 * busy / (total1 - total0):.0f}% busy "
        f"({os.cpu_count()} cores); the stack's processes used {stack_cpu / elapsed:.2f} "
        f"cores, the load generator {own / elapsed:.2f}, everything else (PostgreSQL, "
        f"other sessions) {(busy - stack_cpu - own) / elapsed:.2f}"
    )
    bulk_ok = _bulk_settled(stack, load)
    used = {role: cpu[pid] - baseline.get(pid, 0.0) for role, pid in roles.items() if pid in cpu}
    return Result(load, samples, elapsed, bulk_ok, cpu_note, used)


def run(
    seconds: float,
    threads: int,
    sample_every: float,
    web_concurrency: int,
    mix: dict[str, int] | None = None,
) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="microcred-soak-"))
    env = {
        "MICROCRED_PUBLIC_RATELIMIT": LIMITS,
        "MICROCRED_API_RATELIMIT": LIMITS,
        "MICROCRED_BULK_LEASE_SECONDS": "10",
    }
    try:
        with Stack(workdir, web_concurrency=web_concurrency, extra_env=env) as stack:
            print(
                f"# soak: {seconds:.0f} s, {threads} client threads; {len(stack.webs)} gunicorn "
                f"masters x {web_concurrency} worker(s) (gthread, 1 thread), "
                f"{len(stack.workers)} queue workers (1 thread each), PostgreSQL "
                f"{stack.database}, private Redis :{stack.redis.port}",
                flush=True,
            )
            if mix:
                print(f"# mix: {mix}")
            result = soak(stack, seconds, threads=threads, sample_every=sample_every, mix=mix)
            report(result.load.tallies, result.samples, result.elapsed)
            print(result.cpu_note)
            cpu_per_request(result.load.tallies, result.cpu)
            print(
                f"# client: {result.load.resent} requests sent again on a new connection "
                "(a kept-alive one found closed by the server)"
            )
            return verdict(result.load.tallies, result.samples, result.bulk_ok)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _bulk_settled(stack: Stack, load: Load) -> bool:
    """Every submitted job completes, each row issued, and no freelancer holds two
    credentials."""
    jobs = load.jobs

    def count(table: str, column: str) -> dict[str, int]:
        query = f"SELECT state, count(*) FROM {table} WHERE {column} = ANY(:ids) GROUP BY state"  # noqa: S608 - our own names
        return {str(state): int(n) for state, n in stack.sql(query, ids=jobs)}

    deadline = time.monotonic() + 300
    while jobs and count("bulk_jobs", "id").get("completed", 0) < len(jobs):
        if time.monotonic() > deadline:
            break
        time.sleep(1)
    states, rows = count("bulk_jobs", "id"), count("bulk_items", "job_id")
    doubled = stack.sql(
        "SELECT count(*) FROM (SELECT freelancer_id FROM issued_credentials "
        "GROUP BY freelancer_id HAVING count(*) > 1) AS d"
    )[0][0]
    print(
        f"# bulk: {len(jobs)} jobs {states}, rows {rows}; freelancers holding two "
        f"credentials: {doubled}"
    )
    return states.get("completed", 0) == len(jobs) and doubled == 0 and set(rows) <= {"issued"}


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS", "600"))
    threads = int(os.environ.get("SOAK_THREADS", "4"))
    sample_every = float(os.environ.get("SOAK_SAMPLE_SECONDS", min(30.0, max(1.0, seconds / 8))))
    web_concurrency = int(os.environ.get("WEB_CONCURRENCY", "1"))
    # SOAK_MIX=verify or SOAK_MIX=verify=3,pdf=1: one operation alone, for sizing figures.
    mix = {
        name: int(weight or 1)
        for name, _, weight in (p.partition("=") for p in os.environ.get("SOAK_MIX", "").split(","))
        if name
    }
    unknown = set(mix) - set(WEIGHTS)
    if unknown:
        sys.exit(f"SOAK_MIX: unknown operation(s) {sorted(unknown)}; use {sorted(WEIGHTS)}")
    sys.exit(run(seconds, threads, sample_every, web_concurrency, mix or None))


if __name__ == "__main__":
    main()
