"""Scale-out on real parts: two gunicorn web processes and two queue workers on one
machine, sharing one PostgreSQL database and one Redis (``bench.stack``), driven through
HTTP only. Rate limits and caches are shared, each bulk job runs once, no credential is
duplicated, and a worker killed mid-job is replaced by the other.

The database is only read, to count rows and to find which worker holds a job.
Runs when PostgreSQL is available (TEST_DATABASE_URL), as production needs it for
several processes.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench.soak import soak
from bench.stack import Answer, Http, Stack, admin_url
from microcred.platform.db import normalize_database_url
from tests.conftest import TEST_DATABASE_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.xdist_group("scale-out"),
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL)"),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

#: Small enough to reach in a few requests; per hour, so that flask-limiter's fixed window
#: (its default strategy) rolls over at most once an hour, not in the middle of the test.
PUBLIC_LIMIT = 12
LEASE_SECONDS = 2

_addresses = itertools.count(1)


def _client() -> dict[str, str]:
    """A client address of its own (the load balancer's X-Forwarded-For, trusted: one
    proxy), so that each check's public requests have their own rate-limit budget."""
    n = next(_addresses)
    return {"X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {
        "MICROCRED_PUBLIC_RATELIMIT": f"{PUBLIC_LIMIT} per hour",
        # The API's own limit is not under test here: far above the tests' polling.
        "MICROCRED_API_RATELIMIT": "100000 per minute",
        "MICROCRED_TRUSTED_PROXIES": "1",
        "MICROCRED_BULK_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    with Stack(tmp_path_factory.mktemp("stack"), extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[Http]:
    client = Http()
    yield client
    client.close()


class Api:
    """The issuer API with the stack's API key, on any web process."""

    def __init__(self, stack: Stack, http: Http) -> None:
        self.stack, self.http = stack, http
        self.auth = {"Authorization": f"Bearer {stack.issuer['api_key']}"}

    def call(self, web: int, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        answer = self.http.request(method, self.stack.webs[web].url + path, body, self.auth)
        assert answer.status == ok, f"{method} {path}: {answer.status} {answer.body[:500]!r}"
        return answer.json()

    def certification(self) -> str:
        body = {
            "name": f"Scale {os.urandom(3).hex()}",
            "description": "Two web processes, two workers.",
            "criteriaNarrative": "Shown in person.",
            "validityDays": 365,
            "evidenceRule": {"minProjectsPerCompetency": 1},
            "competencies": [{"name": "Scaling out"}],
        }
        return str(self.call(0, "POST", "/api/v1/micro-certifications", body, ok=201)["id"])

    def freelancers(self, count: int) -> list[str]:
        return [
            self.call(
                n % 2,
                "POST",
                "/api/v1/freelancers",
                {"name": f"Freelancer {n}", "email": f"f{n}.{os.urandom(3).hex()}@example.com"},
                ok=201,
            )["id"]
            for n in range(count)
        ]

    def issue(self, web: int, freelancer: str, certification: str) -> dict[str, Any]:
        body = {
            "freelancerId": freelancer,
            "certificationId": certification,
            "override": {"reason": "Assessed in person"},
        }
        issued: dict[str, Any] = self.call(web, "POST", "/api/v1/credentials", body, ok=201)
        return issued

    def bulk(self, web: int, freelancers: list[str], certification: str) -> str:
        rows = [
            {"freelancerId": f, "certificationId": certification, "overrideReason": "In person"}
            for f in freelancers
        ]
        return str(self.call(web, "POST", "/api/v1/bulk-issuances", {"rows": rows}, ok=202)["id"])

    def job(self, web: int, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.call(web, "GET", f"/api/v1/bulk-issuances/{job_id}")
        return job


@pytest.fixture(scope="module")
def api(stack: Stack, http: Http) -> Api:
    return Api(stack, http)


def _wait(condition: Callable[[], bool], seconds: float, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.role}\n{w.log_text()[-2000:]}" for w in stack.workers)
            pytest.fail(f"timed out waiting for {what}\n{logs}")
        time.sleep(0.1)


# --- rate limits ------------------------------------------------------------------------------


def test_a_rate_limit_counts_the_requests_of_both_web_processes(stack: Stack, http: Http) -> None:
    path = f"/issuers/{stack.issuer['slug']}/did.json"
    for _attempt in range(2):
        client = _client()
        answers = [
            http.request("GET", stack.webs[n % 2].url + path, headers=client)
            for n in range(PUBLIC_LIMIT)
        ]
        windows = {answer.headers["X-RateLimit-Reset"] for answer in answers}
        if len(windows) == 1:
            break  # else the hour's window rolled over mid-way (fixed windows): again
    assert [answer.status for answer in answers] == [200] * PUBLIC_LIMIT
    remaining = [int(answer.headers["X-RateLimit-Remaining"]) for answer in answers]
    # One counter for both processes: 11, 10, … 0. Counted per process, it would read
    # 11, 11, 10, 10, … and the limit would be reached only after twice the requests.
    assert remaining == list(range(PUBLIC_LIMIT - 1, -1, -1))
    for web in stack.webs:
        refused = http.request("GET", web.url + path, headers=client)
        assert refused.status == 429, refused.body
        assert int(refused.headers["Retry-After"]) > 0
    other = http.request("GET", stack.webs[1].url + path, headers=_client())
    assert other.status == 200  # another client keeps its own budget


# --- caches -----------------------------------------------------------------------------------


def _status_bit(list_answer: Answer, index: int) -> int:
    """The bit at ``index`` of a signed BitstringStatusListCredential (gzip, base64url)."""
    encoded = list_answer.json()["credentialSubject"]["encodedList"]
    data = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    return (data[index // 8] >> (7 - index % 8)) & 1


def _local(url: str, web: str) -> str:
    """A URL the credential names (the base URL, web A's) as served by ``web``."""
    return web + "/" + url.split("/", 3)[3]


def _seen_by(http: Http, web: str, issued: dict[str, Any]) -> dict[str, Any]:
    """Everything web ``web`` says about a credential: the verify API's verdict, the public
    page, each status list's bit and ETag, the PDF's ETag."""
    client = _client()
    seen: dict[str, Any] = {}
    for entry in issued["document"]["credentialStatus"]:
        answer = http.request("GET", _local(entry["statusListCredential"], web), headers=client)
        assert answer.status == 200
        assert answer.headers["Cache-Control"] == "public, max-age=60"
        purpose = entry["statusPurpose"]
        seen[purpose] = _status_bit(answer, int(entry["statusListIndex"]))
        seen[f"{purpose}-etag"] = answer.headers["ETag"]
    verified = http.request("POST", web + "/api/v1/verify", issued["document"], client)
    assert verified.status == 200, verified.body
    seen["verdict"] = verified.json()["verdict"]
    page = http.request("GET", _local(issued["verificationUrl"], web), headers=client)
    assert page.status == 200
    seen["page"] = page.body.decode()
    pdf = http.request("GET", f"{web}/credentials/{issued['id']}.pdf", headers=client)
    assert pdf.status == 200
    assert pdf.body.startswith(b"%PDF")
    seen["pdf-etag"] = pdf.headers["ETag"]
    return seen


def test_a_revocation_through_one_web_process_shows_at_once_through_the_other(
    stack: Stack, api: Api, http: Http
) -> None:
    web_a, web_b = (web.url for web in stack.webs)
    certification = api.certification()
    first, second = (api.issue(0, f, certification) for f in api.freelancers(2))
    # Web B reads both credentials first, so that every cache it has is warm.
    before = {c["id"]: _seen_by(http, web_b, c) for c in (first, second)}
    for seen in before.values():
        assert (seen["verdict"], seen["revocation"], seen["suspension"]) == ("valid", 0, 0)

    # A CDN in front may revalidate against either process: both give one ETag, and a
    # copy from one is answered 304 by the other.
    did = f"/issuers/{stack.issuer['slug']}/did.json"
    lists = [_local(e["statusListCredential"], "") for e in first["document"]["credentialStatus"]]
    for path in (did, *lists):
        tags = {
            http.request("GET", web + path, headers=_client()).headers["ETag"]
            for web in (web_a, web_b)
        }
        assert len(tags) == 1, (path, tags)
        again = http.request(
            "GET", web_a + path, headers={**_client(), "If-None-Match": tags.pop()}
        )
        assert again.status == 304, path

    api.call(0, "POST", f"/api/v1/credentials/{first['id']}/revoke", {"reason": "Plagiarism"})
    api.call(0, "POST", f"/api/v1/credentials/{second['id']}/suspend", {"reason": "Audit"})

    revoked, suspended = (_seen_by(http, web_b, c) for c in (first, second))
    assert (revoked["verdict"], revoked["revocation"], revoked["suspension"]) == ("revoked", 1, 0)
    assert (suspended["verdict"], suspended["revocation"], suspended["suspension"]) == (
        "suspended",
        0,
        1,
    )
    assert "revoked" in revoked["page"].lower()
    assert "suspended" in suspended["page"].lower()
    # Cached documents and CDN copies are told apart by their ETags: each changed.
    assert revoked["revocation-etag"] != before[first["id"]]["revocation-etag"]
    assert suspended["suspension-etag"] != before[second["id"]]["suspension-etag"]
    for seen, was in ((revoked, before[first["id"]]), (suspended, before[second["id"]])):
        assert seen["pdf-etag"] != was["pdf-etag"]
    # A conditional request with the old ETag gets the new list, not a 304.
    old = before[first["id"]]["revocation-etag"]
    url = _local(first["document"]["credentialStatus"][0]["statusListCredential"], web_b)
    assert http.request("GET", url, headers={**_client(), "If-None-Match": old}).status == 200

    # And back the other way: lifted through web B, valid again through web A.
    api.call(1, "POST", f"/api/v1/credentials/{second['id']}/unsuspend", {})
    again = _seen_by(http, web_a, second)
    assert (again["verdict"], again["suspension"]) == ("valid", 0)
    assert again["pdf-etag"] == before[second["id"]]["pdf-etag"]  # the same document again


# --- bulk jobs --------------------------------------------------------------------------------


def _issued_once(stack: Stack, freelancers: list[str]) -> None:
    """Every freelancer holds exactly one credential, and each bulk row names another."""
    per_freelancer = dict(
        stack.sql(
            "SELECT freelancer_id, count(*) FROM issued_credentials "
            "WHERE freelancer_id = ANY(:ids) GROUP BY freelancer_id",
            ids=freelancers,
        )
    )
    assert per_freelancer == dict.fromkeys(freelancers, 1)
    credentials = [
        row[0]
        for row in stack.sql(
            "SELECT i.credential_id FROM bulk_items i JOIN issued_credentials c "
            "ON c.id = i.credential_id WHERE c.freelancer_id = ANY(:ids)",
            ids=freelancers,
        )
    ]
    assert len(credentials) == len(set(credentials)) == len(freelancers)


def test_bulk_jobs_run_once_across_two_workers(stack: Stack, api: Api) -> None:
    certification = api.certification()
    cohorts = [api.freelancers(15) for _ in range(4)]
    jobs = [api.bulk(n % 2, cohort, certification) for n, cohort in enumerate(cohorts)]
    seen: dict[str, list[int]] = {job: [] for job in jobs}

    def all_done() -> bool:
        finished = True
        for n, job in enumerate(jobs):
            report = api.job(n % 2, job)
            other = api.job(1 - n % 2, job)  # the other web process sees the same job
            assert other["progress"]["total"] == report["progress"]["total"] == 15
            seen[job].append(report["progress"]["done"])
            finished = finished and report["state"] == "completed"
        return finished

    _wait(all_done, 120, "the bulk jobs", stack)
    for job, progress in seen.items():
        assert progress == sorted(progress), f"{job}'s progress went back: {progress}"
        final = api.job(0, job)
        assert final["progress"] == {"done": 15, "failed": 0, "total": 15}
        assert final["counts"] == {"issued": 15, "alreadyIssued": 0, "failed": 0, "pending": 0}
    _issued_once(stack, [f for cohort in cohorts for f in cohort])
    # Each job ran on one worker, once, and both workers took jobs.
    ran = {w.role: [j for j in jobs if f"bulk job {j} done" in w.log_text()] for w in stack.workers}
    assert sorted(j for done in ran.values() for j in done) == sorted(jobs), ran
    assert all(ran.values()), f"a worker took no job: {ran}"


def test_a_short_soak_answers_no_5xx_and_issues_each_bulk_row_once(stack: Stack) -> None:
    """``make soak``'s load (bench/soak.py) for a few seconds on this stack: its mix of
    issue, verify, PDF, bulk and revoke, each request from a client address of its own."""
    result = soak(stack, seconds=6, threads=2, sample_every=2, client_headers=_client)
    tallies = result.load.tallies
    assert {"issue", "verify", "pdf"} <= set(tallies), tallies.keys()
    for op, tally in tallies.items():
        assert (tally.server_errors, tally.failed, tally.unexpected) == (0, 0, 0), (op, tally)
    assert result.bulk_ok
    # 2 x (gunicorn master, its worker) and the 2 queue workers, sampled each time; a queue
    # worker that mailed a certificate also has its PDF render pool's process beside it.
    services = {role for role in result.samples[0].rss if "/" not in role}
    for sample in result.samples:
        served = {role for role in sample.rss if "/" not in role or role.startswith("web-")}
        assert len(served) == 6, sample.rss
        assert {role for role in sample.rss if "/" not in role} == services


def test_a_worker_killed_mid_job_leaves_the_job_to_the_other(stack: Stack, api: Api) -> None:
    """SIGKILL, no clean-up: the job's lease runs out, and the survivor's sweep (each
    minute, on the minute) queues it again; it finishes with no row lost or doubled."""
    certification = api.certification()
    cohort = api.freelancers(120)
    job = api.bulk(1, cohort, certification)

    def holder() -> str | None:
        rows = stack.sql(
            "SELECT lease_owner FROM bulk_jobs j WHERE id = :id AND state = 'running' AND "
            "(SELECT count(*) FROM bulk_items i WHERE i.job_id = j.id AND state = 'issued') >= 10",
            id=job,
        )
        return rows[0][0] if rows else None

    _wait(lambda: holder() is not None, 60, "a worker to issue 10 rows", stack)
    owner = holder()
    assert owner is not None
    pid = int(owner.split(":")[1])
    (victim,) = (w for w in stack.workers if w.pid == pid)
    (survivor,) = (w for w in stack.workers if w.pid != pid)
    os.kill(pid, signal.SIGKILL)
    victim.process.wait(timeout=10)
    cut_at = api.job(0, job)
    assert cut_at["state"] == "running"
    assert 10 <= cut_at["progress"]["done"] < 120, "the job was not cut short mid-way"

    webs = itertools.cycle((0, 1))  # progress followed through both web processes
    _wait(lambda: api.job(next(webs), job)["state"] == "completed", 100, "the survivor", stack)
    for web in (0, 1):
        final = api.job(web, job)
        assert final["progress"] == {"done": 120, "failed": 0, "total": 120}
        assert final["counts"] == {"issued": 120, "alreadyIssued": 0, "failed": 0, "pending": 0}
    _issued_once(stack, cohort)
    log = survivor.log_text()
    assert f"bulk job {job} lost its worker; queued again" in log
    assert f"bulk job {job} done" in log


def test_the_stack_cleans_up_after_itself(tmp_path: Path) -> None:
    """No process, port or database outlives a stack, even one that fails to start."""
    failing = Stack(tmp_path, extra_env={"MICROCRED_QUEUE_URL": "ftp://nowhere"})
    with pytest.raises(RuntimeError, match="MICROCRED_QUEUE_URL"), failing:
        pass
    assert failing.redis.process is None
    assert all(not s.alive() for s in [*failing.webs, *failing.workers])
    admin = sa.create_engine(normalize_database_url(admin_url()), poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                sa.text("SELECT datname FROM pg_database WHERE datname = :name"),
                {"name": failing.database},
            ).all()
    finally:
        admin.dispose()
    assert found == []
