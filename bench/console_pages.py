"""Console page speed: p50/p95 of every console GET page at 100,000 credentials.

``python -m bench.console_pages [--database-url URL] [--requests N]`` (``make
bench-console``). It seeds one provider with 100,000 credentials and 10,000 freelancers
(20,000 gig projects, 6 certifications, 20,000 audit events, 90 days of verification
counts, 12 team members) with bulk INSERTs through SQLAlchemy Core: every credential
stores a copy of one really signed document, so seeding takes a minute, not the hours
signing would. A database already seeded (same provider and as many credentials) is
reused; ``--reseed`` drops it first.

It then signs in as the provider's owner through the console's own sign-in form and
requests every GET page of ``app.url_map`` under ``/console`` (so pages added later are
measured without changing this file), ``--requests`` times each after two warm-ups,
through the Flask test client (the whole WSGI app, no network). Path arguments are filled
from the seeded data by the collection the path names (``/certifications/<id>`` gets a
certification id, …); a route it cannot fill is listed as "skipped (no sample id for
<arg>)". It prints p50 and p95 per page and exits 1 when a p95 is over ``--budget-ms``
(150) or a page answers 5xx.

PostgreSQL is the default database (``postgresql://postgres@127.0.0.1:5432/bench_console``,
created when missing); SQLite works too (``--database-url sqlite:////tmp/bench.db``).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import string
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_console"
SLUG = "bench-academy"
OWNER = "owner@bench-academy.example"
PASSWORD = "bench-console-password-1"  # noqa: S105 - a bench account
PASSPHRASE = b"microcred-bench-console-passphrase"
SECRET = "microcred-bench-console-secret-key-0123456789"  # noqa: S105
CHUNK = 5_000
#: Extra query strings measured beside the bare pages (a page's other views).
VARIANTS = {
    "/console/": ["?days=90"],
    "/console/audit": ["?page=2", "?page=300"],
}


@dataclass
class Samples:
    """Ids from the seeded data, by the collection a path names."""

    by_collection: dict[str, str] = field(default_factory=dict)
    by_arg: dict[str, str] = field(default_factory=dict)

    def fill(self, rule: str, args: Sequence[str]) -> tuple[str | None, str | None]:
        """The path with its arguments filled, or (None, the argument it cannot fill)."""
        path = rule
        for arg in args:
            pattern = re.compile(r"<(?:[^:<>]+:)?" + re.escape(arg) + r">")
            match = pattern.search(path)
            assert match is not None
            before = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            value = self.by_arg.get(arg) or self.by_collection.get(before)
            if value is None:
                return None, arg
            path = path[: match.start()] + value + path[match.end() :]
        return path, None


def _ensure_database(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    import sqlalchemy as sa

    base, _, name = url.rpartition("/")
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _drop_database(url: str) -> None:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import sqlalchemy as sa

    base, _, name = url.rpartition("/")
    engine = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_app(url: str, keys_dir: Path) -> Any:
    import flask_migrate

    from microcred.app import create_app
    from microcred.platform import MIGRATIONS_DIR

    app = create_app(
        {
            "MICROCRED_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "MICROCRED_KEY_PASSPHRASE": PASSPHRASE,
            "MICROCRED_BASE_URL": "https://microcred.example",
            "MICROCRED_KEYS_DIR": str(keys_dir),
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MICROCRED_QUEUE_URL": "memory://",
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
    return app


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the form"
    return match.group(1)


def _post_form(client: Any, path: str, data: dict[str, str]) -> Any:
    token = _token(client.get(path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _short_code(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase + string.digits, k=12))


def seed(app: Any, *, credentials: int, freelancers: int) -> None:  # noqa: PLR0915 - one script
    """The provider and its data (see the module docs); skipped when already there."""
    from sqlalchemy import func, insert, select

    from issuer.models import (
        AuditEvent,
        Freelancer,
        GigProject,
        IssuedCredential,
        Issuer,
        SigningKey,
        VerificationCount,
    )
    from issuer.services import certifications, issuers, teams
    from issuer.services import freelancers as freelancer_service
    from issuer.services.accounts import find_user
    from issuer.services.issuance import issue_credential
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == SLUG))
        if issuer is not None:
            have = db.session.scalar(
                select(func.count()).where(IssuedCredential.issuer_id == issuer.id)
            )
            if have and have >= credentials:
                print(f"reusing the seeded database ({have:,} credentials)")
                return
            raise SystemExit("a partly seeded database: run with --reseed")

    started = time.perf_counter()
    print("seeding …", flush=True)
    client = app.test_client()
    response = _post_form(
        client,
        "/console/signup",
        {
            "organisation": "Bench Academy",
            "slug": SLUG,
            "name": "Olive Owner",
            "email": OWNER,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rng = random.Random(13)
    now = datetime.now(UTC)
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(SLUG)
        owner = find_user(OWNER)
        assert owner is not None
        owner_id = owner.id
        tokens = [
            teams.invite(issuer, f"member{i}@bench-academy.example", role, by=owner)
            for i, role in enumerate(["issuer", "viewer"] * 6)
        ]
    for i, token in enumerate(tokens):
        with app.app_context(), write_transaction(db.session):
            teams.accept(token, name=f"Member {i}", password=PASSWORD)
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(SLUG)
        cert_ids = []
        for n, months in enumerate((None, 12, 24, None, 6, 36)):
            cert = certifications.create_certification(
                issuer,
                {
                    "name": f"Bench Certification {n + 1}",
                    "description": "A micro-certification of the console bench.",
                    "criteria_narrative": "Assessed gig projects.",
                    "evidence_rule": {"min_projects_per_competency": 1},
                    "competencies": [{"name": f"Skill {n}.{k}"} for k in range(3)],
                    **({"validity_days": months * 30} if months else {}),
                },
                actor="bench",
            )
            cert_ids.append(cert.id)
        first = freelancer_service.create_freelancer(
            issuer, {"name": "Real Freelancer", "email": "real@freelancer.example"}, actor="bench"
        )
        real = issue_credential(
            issuer,
            freelancer_id=first.id,
            certification_id=cert_ids[0],
            override_reason="the bench's one really signed credential",
            actor="bench",
        )
        document, suite, issuer_id = real.document, real.suite, issuer.id
        key_id = db.session.scalar(
            select(SigningKey.id).where(SigningKey.issuer_id == issuer.id, SigningKey.is_active)
        )

    with app.app_context(), write_transaction(db.session):
        connection = db.session.connection()
        freelancer_ids = [f"frl_bench{i:07d}" for i in range(freelancers)]

        def freelancer_rows() -> Iterator[dict[str, Any]]:
            for i, fid in enumerate(freelancer_ids):
                yield {
                    "id": fid,
                    "issuer_id": issuer_id,
                    "name": f"Freelancer {i:05d} {rng.choice(['Ada', 'Bo', 'Cy', 'Di', 'Ed'])}",
                    "email": f"freelancer{i}@bench.example",
                    "identity_salt": f"{rng.getrandbits(128):032x}",
                    "created_at": now - timedelta(minutes=i),
                    "updated_at": now - timedelta(minutes=i),
                }

        for batch in _chunks(freelancer_rows()):
            connection.execute(insert(Freelancer), batch)

        def project_rows() -> Iterator[dict[str, Any]]:
            for i, fid in enumerate(freelancer_ids):
                for k in range(2):
                    yield {
                        "id": f"prj_bench{i:07d}{k}",
                        "issuer_id": issuer_id,
                        "freelancer_id": fid,
                        "platform": rng.choice(["Upwork", "Fiverr", "Toptal"]),
                        "title": f"Gig {i}.{k}",
                        "started_on": date(2025, 1 + k, 6),
                        "finished_on": date(2025, 3 + k, 7),
                    }

        for batch in _chunks(project_rows()):
            connection.execute(insert(GigProject), batch)

        credential_ids: list[str] = []

        def credential_rows() -> Iterator[dict[str, Any]]:
            for i in range(credentials):
                cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                credential_ids.append(cid)
                issued_at = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
                until_kind = rng.random()
                valid_until = (
                    None
                    if until_kind < 0.5
                    else now + timedelta(days=rng.randrange(1, 30))
                    if until_kind < 0.55
                    else now - timedelta(days=rng.randrange(1, 300))
                    if until_kind < 0.6
                    else now + timedelta(days=rng.randrange(31, 700))
                )
                roll = rng.random()
                yield {
                    "id": cid,
                    "issuer_id": issuer_id,
                    "freelancer_id": freelancer_ids[i % freelancers],
                    "certification_id": cert_ids[i % len(cert_ids)],
                    "certification_version": 1,
                    "signing_key_id": key_id,
                    "credential_id": f"urn:uuid:{cid}",
                    "short_code": _short_code(rng),
                    "suite": suite,
                    "document": document,
                    "valid_from": issued_at,
                    "valid_until": valid_until,
                    "issued_at": issued_at,
                    "issued_by": "bench",
                    "revoked_at": issued_at + timedelta(days=1) if roll < 0.02 else None,
                    "revocation_reason": "bench" if roll < 0.02 else None,
                    "suspended": 0.02 <= roll < 0.03,
                    "suspended_at": issued_at if 0.02 <= roll < 0.03 else None,
                }

        for batch in _chunks(credential_rows()):
            connection.execute(insert(IssuedCredential), batch)

        def audit_rows() -> Iterator[dict[str, Any]]:
            for i in range(20_000):
                yield {
                    "issuer_id": issuer_id,
                    "actor": rng.choice(["api_key:mc_bench", f"user:{owner_id}", "cli"]),
                    "action": rng.choice(
                        ["credential.issue", "credential.revoke", "freelancer.create"]
                    ),
                    "target_type": "credential",
                    "target_id": credential_ids[i % len(credential_ids)],
                    "at": now - timedelta(minutes=i * 7),
                }

        for batch in _chunks(audit_rows()):
            connection.execute(insert(AuditEvent), batch)

        today = now.date()

        def count_rows() -> Iterator[dict[str, Any]]:
            for cid in rng.sample(credential_ids, min(5_000, len(credential_ids))):
                for day in sorted(rng.sample(range(90), 6)):
                    yield {
                        "credential_id": cid,
                        "issuer_id": issuer_id,
                        "day": today - timedelta(days=day),
                        "count": rng.randrange(1, 9),
                    }

        for batch in _chunks(count_rows()):
            connection.execute(insert(VerificationCount), batch)

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            with db.engine.connect() as c:
                c.exec_driver_sql("ANALYZE")
    print(
        f"seeded {credentials:,} credentials, {freelancers:,} freelancers in "
        f"{time.perf_counter() - started:.0f} s"
    )


def samples(app: Any) -> Samples:
    from sqlalchemy import select

    from issuer.models import (
        ApiKey,
        Freelancer,
        GigProject,
        IssuedCredential,
        Issuer,
        Membership,
        MicroCertification,
        SigningKey,
    )
    from microcred.platform.extensions import db

    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == SLUG))
        assert issuer is not None

        def one(column: Any, *where: Any) -> str | None:
            value = db.session.scalar(select(column).where(*where).limit(1))
            return None if value is None else str(value)

        # A credential from the middle of the table, not the newest.
        credential = one(
            IssuedCredential.id,
            IssuedCredential.issuer_id == issuer.id,
            IssuedCredential.short_code.like("m%"),
        )
        found = {
            "certifications": one(MicroCertification.id, MicroCertification.issuer_id == issuer.id),
            "credentials": credential,
            "freelancers": one(Freelancer.id, Freelancer.id == "frl_bench0004242"),
            "projects": one(GigProject.id, GigProject.id == "prj_bench00042420"),
            "members": one(
                Membership.id, Membership.issuer_id == issuer.id, Membership.role == "viewer"
            ),
            "api-keys": one(ApiKey.prefix, ApiKey.issuer_id == issuer.id),
            "signing-keys": one(SigningKey.fragment, SigningKey.issuer_id == issuer.id),
        }
    by_collection = {k: v for k, v in found.items() if v is not None}
    by_arg = {
        "membership_id": by_collection.get("members", ""),
        "prefix": by_collection.get("api-keys", ""),
        "fragment": by_collection.get("signing-keys", ""),
        "certification_id": by_collection.get("certifications", ""),
        "credential_id": by_collection.get("credentials", ""),
        "freelancer_id": by_collection.get("freelancers", ""),
        "project_id": by_collection.get("projects", ""),
    }
    return Samples(by_collection, {k: v for k, v in by_arg.items() if v})


def pages(app: Any, found: Samples) -> tuple[list[str], list[str]]:
    """Every console GET page as a path to request, and the ones skipped (why)."""
    paths, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/console") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint == "console.static":
            continue
        # An argument with a default (``defaults={"fmt": "png"}``) is not in the path.
        arguments = sorted(rule.arguments - set(rule.defaults or {}))
        path, missing = found.fill(rule.rule, arguments)
        if path is None:
            skipped.append(f"{rule.rule}: skipped (no sample id for <{missing}>)")
            continue
        paths.append(path)
        paths.extend(path + variant for variant in VARIANTS.get(rule.rule, []))
    return paths, skipped


Result = tuple[str, int, float, float, float]  # path, status, p50, p95, CPU p95 (ms)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(app: Any, paths: list[str], requests: int) -> list[Result]:
    client = app.test_client()
    response = _post_form(client, "/console/signin", {"email": OWNER, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    results = []
    for path in paths:
        timings, cpu = [], []
        status = 0
        for n in range(requests + 2):
            started, started_cpu = time.perf_counter(), time.thread_time()
            answer = client.get(path)
            answer.close()
            elapsed = (time.perf_counter() - started) * 1000
            used = (time.thread_time() - started_cpu) * 1000
            status = answer.status_code
            if n >= 2:
                timings.append(elapsed)
                cpu.append(used)
        results.append((path, status, statistics.median(timings), _p95(timings), _p95(cpu)))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--credentials", type=int, default=100_000)
    parser.add_argument("--freelancers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--budget-ms", type=float, default=150.0, help="the p95 bound")
    parser.add_argument("--reseed", action="store_true", help="drop the database first")
    parser.add_argument("--only", default="", help="measure only paths containing this")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    if args.reseed:
        _drop_database(args.database_url)
    _ensure_database(args.database_url)
    keys_dir = Path(tempfile.gettempdir()) / "microcred-bench-console-keys"
    app = make_app(args.database_url, keys_dir)
    seed(app, credentials=args.credentials, freelancers=args.freelancers)
    found = samples(app)
    paths, skipped = pages(app, found)
    paths = [path for path in paths if args.only in path]
    results = measure(app, paths, args.requests)

    dialect = args.database_url.split(":", 1)[0]
    print(f"\nconsole pages, {dialect}, {args.requests} requests each (ms)")
    width = max(len(p) for p, *_ in results)
    # CPU: this process's own time in the request (the app, not the database server),
    # which a host busy with other work moves much less than the wall-clock figures.
    print(f"{'page':<{width}}  status     p50     p95  CPU p95")
    failed = []
    for path, status, p50, p95, cpu95 in results:
        over = p95 > args.budget_ms or status >= 500
        mark = "  OVER" if over else ""
        print(f"{path:<{width}}  {status:>6}  {p50:6.1f}  {p95:6.1f}  {cpu95:7.1f}{mark}")
        if over:
            failed.append(path)
    for line in skipped:
        print(line)
    if failed:
        print(f"\n{len(failed)} page(s) over p95 {args.budget_ms:.0f} ms or failing:")
        print("\n".join(f"  {path}" for path in failed))
        return 1
    print(f"\nevery page within p95 {args.budget_ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
