"""Documents: PDF certificate rendering, cached PDFs through the Flask app, memory.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python -m bench documents``
(``.venv/bin/python -m bench.documents --renders 1000`` for the memory figure alone).

Figures (targets from issue 5):

1. a certificate rendered from its stored credential (CertificateData from the signed
   JSON plus our records, WeasyPrint, PDF/A-3b with the JSON attached), one core, steady
   state, cycling through distinct credentials: ≤ 150 ms each;
2. a cached PDF served through the Flask app (test client: routing, the database look-up,
   the status check, the cache read, headers): ≤ 5 ms; and its 304 revalidation;
3. a baked PNG badge served from the cache, for comparison;
4. memory: RSS growth over N renders in one process after a warm-up: < 20 MB.

The app runs on a temporary SQLite database with the real services; credentials are
issued by the issuance service and verified by the app-wide verifier (status memoised).
The provider has a 160 KB logo and the certification a 160 KB badge image (both PNG
data: URIs), so the cached paths pay for whatever they do with large uploads.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.timing import Rate, measure, pin_to_one_core, report

POOL = 24
PDF_RENDER_TARGET_MS = 150.0
CACHED_TARGET_MS = 5.0
RSS_TARGET_MB = 20.0
DEFAULT_RENDERS = 1000
PASSPHRASE = b"microcred-bench-passphrase-0123456789"


@dataclass(frozen=True)
class World:
    app: Any
    credential_ids: list[str]


def rss_kib(pid: int | None = None) -> int:
    """Resident set size of a process (this one by default), from /proc (VmRSS, in KiB)."""
    for line in Path(f"/proc/{pid or 'self'}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("VmRSS not found in /proc/self/status")


def noisy_png_data_uri(side: int = 200) -> str:
    """A PNG that does not compress (≈ 120 KB, ≈ 160 KB as a data: URI): a realistic logo
    or badge upload, so the cached path pays for whatever it does with large images."""
    import base64
    import io
    import random

    from PIL import Image

    image = Image.frombytes("RGB", (side, side), random.Random(0).randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def build_world(tmp: Path, count: int = POOL) -> World:
    import flask_migrate

    from issuer.services import certifications, freelancers, issuers, projects
    from issuer.services.issuance import issue_credential
    from microcred.app import create_app
    from microcred.platform import MIGRATIONS_DIR
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    app = create_app(
        {
            "MICROCRED_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}",
            "MICROCRED_BASE_URL": "https://microcred.example",
            "MICROCRED_KEY_PASSPHRASE": PASSPHRASE,
            "MICROCRED_KEYS_DIR": str(tmp / "keys"),
            "MICROCRED_DOCUMENT_CACHE_DIR": str(tmp / "documents"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
    ids: list[str] = []
    image = noisy_png_data_uri()
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.create_issuer(
            "northwind",
            name="Northwind Skills Academy",
            base_url=app.config["MICROCRED_BASE_URL"],
            passphrase=PASSPHRASE,
            actor="bench",
            profile={
                "signatory_name": "Dr. Lena Marsh",
                "signatory_title": "Head of Assessment",
                "logo_image": image,
            },
        ).issuer
        cert = certifications.create_certification(
            issuer,
            {
                "name": "Freelance Python API Developer",
                "description": "Designs, builds and tests production HTTP APIs in Python.",
                "criteria_narrative": "Each competency shown in an accepted client project.",
                "validity_days": 730,
                "image": image,
                "evidence_rule": {"min_projects_per_competency": 1},
                "competencies": [
                    {"name": "Python programming"},
                    {"name": "HTTP API design"},
                    {"name": "Automated testing"},
                ],
            },
            actor="bench",
        )
        cert_id = cert.id
        competency_ids = [c.id for c in cert.competencies]
    for i in range(count):
        with app.app_context(), write_transaction(db.session):
            issuer = issuers.get_issuer("northwind")
            freelancer = freelancers.create_freelancer(
                issuer,
                {"name": f"Freelancer Number {i}", "email": f"f{i}@example.com"},
                actor="bench",
            )
            for n, platform in enumerate(("Upwork", "Fiverr")):
                project = projects.create_project(
                    issuer,
                    freelancer.id,
                    {
                        "platform": platform,
                        "title": f"Client project {n} of freelancer {i}",
                        "client_name": "Crumb & Co",
                        "started_on": date(2025, 2, 3),
                        "finished_on": date(2025, 3, 14),
                    },
                    actor="bench",
                )
                projects.set_assessments(
                    issuer,
                    project.id,
                    [{"competency_id": c, "outcome": "accepted"} for c in competency_ids],
                    reviewer="Bench Reviewer",
                    actor="bench",
                )
            issued = issue_credential(
                issuer, freelancer_id=freelancer.id, certification_id=cert_id, actor="bench"
            )
            ids.append(issued.id)
    return World(app=app, credential_ids=ids)


def _render_through_service(world: World) -> Any:
    """A function rendering credential i's certificate with the cache bypassed."""
    from credentials.documents.pdf import render_certificate_pdf
    from sharing.certificate import branding_for, certificate_data, summary_of
    from sharing.state import load_issued, sharing

    def render(i: int) -> bytes:
        with world.app.app_context():
            service = sharing()
            issued = load_issued(world.credential_ids[i % len(world.credential_ids)])
            state = service.status.state(issued)
            data = certificate_data(
                issued,
                summary=summary_of(issued),
                verify_url=service.documents.verify_url(issued),
                status_label=state.label,
                branding=branding_for(issued.issuer),
            )
            fingerprint = service.documents.fingerprint
            # Through the render pool as the app renders (a warm renderer process, under the
            # budget); MICROCRED_RENDER_ISOLATED=false in the environment renders in-process.
            return service.documents.pool.run(
                render_certificate_pdf,
                data,
                credential_json=issued.document.encode(),
                templates_dir=fingerprint.templates_dir,
                template=fingerprint.template,
            )

    return render


def _ms_report(rate: Rate, target_ms: float) -> None:
    line = report(rate)
    verdict = "meets" if rate.ms_per_op <= target_ms else "MISSES"
    print(f"{'':<46} target <= {target_ms:g} ms: {verdict} ({target_ms / rate.ms_per_op:.1f}x)")
    del line


def renderer_pids(world: World) -> list[int]:
    """The render pool's processes (none when rendering in-process)."""
    from sharing.state import sharing

    with world.app.app_context():
        pool = sharing().documents.pool
        return [r.process.pid for r in pool._all if r.process.pid]


def memory_growth(
    render: Any, renders: int, *, warmup: int = 30, world: World | None = None
) -> tuple[float, float | None]:
    """RSS growth in MiB over ``renders`` renders, measured after ``warmup`` renders: of
    this process, and of the renderer processes (None when rendering in-process)."""
    for i in range(warmup):
        render(i)
    gc.collect()
    pids = renderer_pids(world) if world is not None else []
    before = rss_kib()
    children = [rss_kib(pid) for pid in pids]
    for i in range(renders):
        render(i)
    gc.collect()
    grown = (rss_kib() - before) / 1024
    if not pids:
        return grown, None
    return grown, (sum(rss_kib(pid) for pid in pids) - sum(children)) / 1024


def run(seconds: float, *, renders: int = DEFAULT_RENDERS) -> None:
    print(f"# documents benchmark ({pin_to_one_core()}, {seconds:.0f} s per figure)")
    with tempfile.TemporaryDirectory(prefix="microcred-bench-") as tmp:
        world = build_world(Path(tmp))
        render = _render_through_service(world)
        _ms_report(
            measure("PDF certificate render (cache bypassed)", render, seconds=seconds, warmup=5),
            PDF_RENDER_TARGET_MS,
        )
        client = world.app.test_client()
        urls = [f"/credentials/{cid}.pdf" for cid in world.credential_ids]
        for url in urls:  # fill the cache
            assert client.get(url).status_code == 200
        _ms_report(
            measure(
                "cached PDF through the Flask app (200)",
                lambda i: client.get(urls[i % len(urls)]),
                seconds=seconds,
            ),
            CACHED_TARGET_MS,
        )
        etags = {url: client.get(url).headers["ETag"] for url in urls}
        _ms_report(
            measure(
                "cached PDF revalidated (304 Not Modified)",
                lambda i: client.get(
                    urls[i % len(urls)], headers={"If-None-Match": etags[urls[i % len(urls)]]}
                ),
                seconds=seconds,
            ),
            CACHED_TARGET_MS,
        )
        badges = [f"/credentials/{cid}/badge.png" for cid in world.credential_ids]
        for url in badges:
            assert client.get(url).status_code == 200
        report(
            measure(
                "cached baked PNG badge through the Flask app",
                lambda i: client.get(badges[i % len(badges)]),
                seconds=seconds,
            )
        )
        growth, renderers = memory_growth(render, renders, world=world)
        for label, value in (("", growth), (" (renderers)", renderers)):
            if value is None:
                continue
            verdict = "meets" if value < RSS_TARGET_MB else "MISSES"
            print(
                f"{'RSS growth over ' + str(renders) + ' renders' + label:<46} {value:>10.1f} MiB"
                f"  target < {RSS_TARGET_MB:g} MiB: {verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--renders", type=int, default=DEFAULT_RENDERS)
    args = parser.parse_args()
    run(args.seconds, renders=args.renders)


if __name__ == "__main__":
    main()
