"""Issuing in the console (issue 13, item 5): the credentials list and its filters and
pages, a credential's page and its status changes (seen at once on the public verify
page), issuing one with a preview (nothing stored by the preview) and an override with a
mandatory reason, and bulk issuing from a CSV file through the queue's worker path, with
its per-row check, progress and report. Provider B reaches nothing of provider A."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select, update

from issuer.models import AuditEvent, BulkJob, IssuedCredential, StatusAllocation
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.console.conftest import Console, Provider, add_member
from tests.issuer.factories import Factory


class World(SimpleNamespace):
    certification: str
    competencies: tuple[str, ...]
    ready: str  # a freelancer who meets the evidence rule
    short: str  # one who does not


def world(app: Flask, slug: str = "acme") -> World:
    make = Factory(app)
    owner = SimpleNamespace(slug=slug)
    cert = make.certification(owner, name="Python APIs")  # type: ignore[arg-type]
    ready = make.freelancer(owner, name="Amara Okafor", email="amara@example.com")  # type: ignore[arg-type]
    project = make.project(owner, ready)  # type: ignore[arg-type]
    make.assess(owner, project, dict.fromkeys(cert.competency_ids, "accepted"))  # type: ignore[arg-type]
    short = make.freelancer(owner, name="Li Wei", email="li@example.com")  # type: ignore[arg-type]
    return World(certification=cert.id, competencies=cert.competency_ids, ready=ready, short=short)


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def issue_via_console(console: Console, freelancer: str, certification: str, **extra: str) -> str:
    page = console.get(f"/console/issue?freelancer={freelancer}&certification={certification}")
    assert page.status_code == 200, page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    response = console.post(
        "/console/issue",
        {
            "freelancer": freelancer,
            "certification": certification,
            "token": token.group(1),
            **extra,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


# --- issue one ---------------------------------------------------------------------------------


def test_preview_shows_what_would_be_signed_and_stores_nothing(
    app: Flask, provider: Provider
) -> None:
    w = world(app)
    before = (count(app, IssuedCredential), count(app, StatusAllocation), count(app, AuditEvent))
    page = provider.console.get(
        f"/console/issue?freelancer=amara@example.com&certification={w.certification}"
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'Evidence rule: <span class="state state-active">met</span>' in body
    assert "&#34;OpenBadgeCredential&#34;" in body or '"OpenBadgeCredential"' in body
    assert "proof" not in body.split("The credential, unsigned")[1]  # unsigned
    assert "credentialStatus" not in body
    pdf = provider.console.client.get(
        f"/console/issue/preview.pdf?freelancer={w.ready}&certification={w.certification}"
    )
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    png = provider.console.client.get(
        f"/console/issue/preview.png?freelancer={w.ready}&certification={w.certification}"
    )
    assert png.status_code == 200
    assert png.data.startswith(b"\x89PNG")
    after = (count(app, IssuedCredential), count(app, StatusAllocation), count(app, AuditEvent))
    assert after == before  # no credential, no status list index, nothing recorded


def test_issue_one_after_the_preview_and_a_double_submit_issues_once(
    app: Flask, provider: Provider
) -> None:
    w = world(app)
    page = provider.console.get(
        f"/console/issue?freelancer={w.ready}&certification={w.certification}"
    )
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    form = {"freelancer": w.ready, "certification": w.certification, "token": token.group(1)}
    first = provider.console.post("/console/issue", form)
    assert first.status_code == 302
    again = provider.console.post("/console/issue", form)  # the same form sent twice
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, IssuedCredential) == 1
    detail = provider.console.get(first.headers["Location"]).get_data(as_text=True)
    assert "Amara Okafor" in detail
    assert "Active" in detail
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "credential.issue"))
        assert event is not None
        assert event.ip == "127.0.0.1"


def test_the_certificate_language_is_chosen_on_the_issue_page(
    app: Flask, provider: Provider
) -> None:
    """The preview offers the PDF in each language; the chosen one is kept with the
    credential and its PDF is printed in it; an unknown one changes nothing."""
    w = world(app)
    page = provider.console.get(
        f"/console/issue?freelancer={w.ready}&certification={w.certification}"
    ).get_data(as_text=True)
    assert '<option selected value="en">English</option>' in page
    assert '<option value="es">Español</option>' in page
    spanish = re.search(r'href="([^"]*preview\.pdf[^"]*language=es[^"]*)"', page)
    assert spanish, page
    preview = provider.console.client.get(html.unescape(spanish.group(1)))
    assert preview.status_code == 200
    words = " ".join(PdfReader(io.BytesIO(preview.data)).pages[0].extract_text().split())
    assert "Se certifica que" in words
    assert "VISTA PREVIA" in words
    refused = provider.console.client.get(
        f"/console/issue/preview.pdf?freelancer={w.ready}&certification={w.certification}"
        "&language=fr"
    )
    assert refused.status_code == 400
    assert "language" in refused.get_data(as_text=True)

    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert token
    form = {"freelancer": w.ready, "certification": w.certification, "token": token.group(1)}
    unknown = provider.console.post("/console/issue", {**form, "language": "fr"})
    assert unknown.status_code == 422
    assert "Not a valid choice" in unknown.get_data(as_text=True)
    assert count(app, IssuedCredential) == 0
    issued = provider.console.post("/console/issue", {**form, "language": "es"})
    assert issued.status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(IssuedCredential))
        assert stored is not None
        assert stored.language == "es"
        credential_id = stored.id
    detail = provider.console.get(issued.headers["Location"]).get_data(as_text=True)
    assert "<dt>PDF certificate</dt><dd>in Español</dd>" in detail
    pdf = provider.console.client.get(f"/credentials/{credential_id}.pdf")
    assert "Se certifica que" in " ".join(
        PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split()
    )


def test_unmet_rule_needs_the_override_and_a_reason(app: Flask, provider: Provider) -> None:
    w = world(app)
    page = provider.console.get(
        f"/console/issue?freelancer={w.short}&certification={w.certification}"
    )
    body = page.get_data(as_text=True)
    assert "not met" in body
    assert "more accepted gig project" in body
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', body)
    assert token
    form = {"freelancer": w.short, "certification": w.certification, "token": token.group(1)}
    refused = provider.console.post("/console/issue", form)
    assert refused.status_code == 422
    assert "tick the override box and give a reason" in refused.get_data(as_text=True)
    no_reason = provider.console.post("/console/issue", {**form, "override": "y", "reason": "  "})
    assert no_reason.status_code == 422
    assert "An override needs a reason" in no_reason.get_data(as_text=True)
    reason_only = provider.console.post("/console/issue", {**form, "reason": "In person"})
    assert reason_only.status_code == 422
    assert count(app, IssuedCredential) == 0
    done = provider.console.post(
        "/console/issue", {**form, "override": "y", "reason": "Assessed in person on 4 May"}
    )
    assert done.status_code == 302
    detail = provider.console.get(done.headers["Location"]).get_data(as_text=True)
    assert "Assessed in person on 4 May" in detail
    with app.app_context():
        issued = db.session.scalar(select(IssuedCredential))
        assert issued is not None
        assert "Assessed in person on 4 May" in issued.document  # stated in the credential
        assert issued.override_reason == "Assessed in person on 4 May"


def test_issue_refusals_are_clear(app: Flask, provider: Provider) -> None:
    w = world(app)
    unknown = provider.console.get(
        f"/console/issue?freelancer=nobody@example.com&certification={w.certification}"
    )
    assert unknown.status_code == 404
    assert "You have no freelancer" in unknown.get_data(as_text=True)
    missing = provider.console.get("/console/issue?freelancer=&certification=")
    assert missing.status_code == 422
    assert "Name the freelancer." in missing.get_data(as_text=True)
    issue_via_console(provider.console, w.ready, w.certification)
    held = provider.console.get(
        f"/console/issue?freelancer={w.ready}&certification={w.certification}"
    )
    assert "already holds a valid credential" in held.get_data(as_text=True)
    assert 'action="/console/issue"' not in held.get_data(as_text=True)


# --- the list and one credential ---------------------------------------------------------------


def test_list_filters_and_pages(
    app: Flask, provider: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from issuer.services import credentials

    w = world(app)
    first = issue_via_console(provider.console, w.ready, w.certification)
    second = issue_via_console(
        provider.console, w.short, w.certification, override="y", reason="Seen"
    )
    provider.console.post(f"/console/credentials/{first}/revoke", {"revoke-reason": "Mistake"})
    listing = provider.console.get("/console/credentials").get_data(as_text=True)
    assert "Amara Okafor" in listing
    assert "Li Wei" in listing
    revoked = provider.console.get("/console/credentials?status=revoked").get_data(as_text=True)
    assert "Amara Okafor" in revoked
    assert "Li Wei" not in revoked
    active = provider.console.get("/console/credentials?status=valid").get_data(as_text=True)
    assert "Li Wei" in active
    assert "Amara Okafor" not in active
    found = provider.console.get("/console/credentials?q=LI@EXAMPLE").get_data(as_text=True)
    assert "Li Wei" in found
    assert "Amara Okafor" not in found
    by_cert = provider.console.get(f"/console/credentials?certification={w.certification}")
    assert "Li Wei" in by_cert.get_data(as_text=True)
    none = provider.console.get("/console/credentials?q=%25").get_data(as_text=True)
    assert "No credential matches." in none  # % is a character, not a wildcard
    bad = provider.console.get("/console/credentials?status=lost")
    assert bad.status_code == 422
    assert "status must be one of" in bad.get_data(as_text=True)
    bad_cursor = provider.console.get("/console/credentials?after=yesterday")
    assert bad_cursor.status_code == 422
    # Pages of one: newest first, then the older one, then no more.
    monkeypatch.setattr(credentials, "PAGE_SIZE", 1)
    with app.app_context():
        db.session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.id == first)
            .values(issued_at=datetime.now(UTC) - timedelta(days=1))
        )
        db.session.commit()
    page1 = provider.console.get("/console/credentials").get_data(as_text=True)
    assert second in page1
    assert first not in page1
    older = re.search(r'href="(/console/credentials\?after=[^"]+)" rel="next"', page1)
    assert older
    page2 = provider.console.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert first in page2
    assert second not in page2
    assert 'rel="next"' not in page2


def test_revoke_suspend_reinstate_show_at_once_on_the_public_page(
    app: Flask, provider: Provider
) -> None:
    w = world(app)
    credential = issue_via_console(provider.console, w.ready, w.certification)
    with app.app_context():
        code = db.session.get(IssuedCredential, credential).short_code
    public = app.test_client()

    def public_status() -> str:
        page = public.get(f"/v/{code}").get_data(as_text=True)
        found = re.search(r'data-verdict="([a-z_]+)"', page)
        assert found, page
        return found.group(1)

    first_seen = public_status()
    assert first_seen not in ("revoked", "suspended"), first_seen
    path = f"/console/credentials/{credential}"
    no_reason = provider.console.post(f"{path}/suspend", {"suspend-reason": ""})
    assert no_reason.status_code == 422
    assert "Give a reason" in no_reason.get_data(as_text=True)
    assert (
        provider.console.post(f"{path}/suspend", {"suspend-reason": "Under review"}).status_code
        == 302
    )
    assert "Suspended" in provider.console.get(path).get_data(as_text=True)
    assert public_status() == "suspended"
    assert (
        provider.console.post(f"{path}/reinstate", {"reinstate-reason": "Cleared"}).status_code
        == 302
    )
    assert public_status() == first_seen
    assert (
        provider.console.post(f"{path}/revoke", {"revoke-reason": "Issued in error"}).status_code
        == 302
    )
    assert public_status() == "revoked"
    again = provider.console.post(f"{path}/revoke", {"revoke-reason": "Twice"})
    assert again.status_code == 409
    assert "already revoked" in again.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.ip.is_not(None), AuditEvent.target_id == credential
            )
        ).all()
    assert {"credential.suspend", "credential.unsuspend", "credential.revoke"} <= set(actions)


def test_a_viewer_reads_but_cannot_change(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    w = world(app)
    credential = issue_via_console(provider.console, w.ready, w.certification)
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"])
    page = viewer.get(f"/console/credentials/{credential}").get_data(as_text=True)
    assert "Amara Okafor" in page
    assert "Change its status" not in page
    for action in ("revoke", "suspend", "reinstate"):
        refused = viewer.post(
            f"/console/credentials/{credential}/{action}", {f"{action}-reason": "x"}
        )
        assert refused.status_code == 403
    assert (
        viewer.get(
            f"/console/issue?freelancer={w.ready}&certification={w.certification}"
        ).status_code
        == 403
    )
    issuer = new_console()
    issuer.sign_in(provider.members["issuer"])
    assert (
        issuer.post(
            f"/console/credentials/{credential}/suspend", {"suspend-reason": "Check"}
        ).status_code
        == 302
    )


# --- bulk --------------------------------------------------------------------------------------


def csv_file(rows: list[list[str]]) -> tuple[io.BytesIO, str]:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode()), "cohort.csv"


def test_bulk_check_then_run_then_report(app: Flask, provider: Provider) -> None:
    w = world(app)
    upload = csv_file(
        [
            ["freelancerEmail", "certificationId", "overrideReason"],
            ["amara@example.com", w.certification, ""],
            ["li@example.com", w.certification, "Assessed in person"],
            ["ghost@example.com", w.certification, ""],
            ["amara@example.com", w.certification, ""],
        ]
    )
    checked = provider.console.post(
        "/console/bulk", {"csv": upload}, content_type="multipart/form-data"
    )
    body = checked.get_data(as_text=True)
    assert checked.status_code == 200, body
    assert "no freelancer with freelancerEmail" in body
    assert "the same as row 1" in body
    assert "issue (override)" in body
    assert count(app, BulkJob) == 0
    assert count(app, IssuedCredential) == 0
    rows = re.search(r'name="rows" type="hidden" value="([^"]+)"', body)
    assert rows
    start = provider.console.post(
        "/console/bulk/start",
        {
            "rows": rows.group(1).replace("&#34;", '"').replace("&quot;", '"'),
            "source_name": "cohort.csv",
        },
    )
    assert start.status_code == 302, start.get_data(as_text=True)
    job_url = start.headers["Location"]
    job_id = job_url.rsplit("/", 1)[-1]
    waiting_page = provider.console.get(job_url)
    waiting = waiting_page.get_data(as_text=True)
    # The bar's script is a file carrying the page's nonce; it may ask this origin only.
    policy = waiting_page.headers["Content-Security-Policy"]
    nonce = re.search(r"script-src 'nonce-([^']+)'", policy)
    assert nonce
    assert f'bulk_progress.js" nonce="{nonce.group(1)}"' in waiting
    assert "connect-src 'self'" in policy
    assert "<progress" in waiting
    assert 'http-equiv="refresh"' in waiting
    assert "bulk_progress.js" in waiting
    assert provider.console.get(f"{job_url}/progress").get_json()["finished"] is False
    task_queue(app).run_pending()  # the queue's worker path: the bulk.run task
    progress = provider.console.get(f"{job_url}/progress").get_json()
    assert progress["finished"] is True
    assert progress["percent"] == 100
    assert progress["counts"] == {"issued": 2, "already_issued": 1, "failed": 1, "pending": 0}
    done = provider.console.get(job_url).get_data(as_text=True)
    assert "Download the report" in done
    assert 'http-equiv="refresh"' not in done
    report = provider.console.get(f"{job_url}/report.csv")
    assert report.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(report.get_data(as_text=True))))
    assert [line["outcome"] for line in lines] == [
        "issued",
        "issued",
        "error",
        "skipped: already holds one",
    ]
    assert lines[2]["column"] == "freelancerEmail"
    assert "ghost@example.com" in lines[2]["problem"]
    assert count(app, IssuedCredential) == 2
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bulk.create"))
        assert event is not None
        assert event.ip == "127.0.0.1"
        assert event.target_id == job_id


def test_bulk_refuses_bad_files_clearly(app: Flask, provider: Provider) -> None:
    world(app)
    cases = [
        (b"", "Choose a CSV file."),
        (b"name,certificationId\nx,y\n", "unknown CSV column 'name'"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"freelancerEmail,certificationId\n", "there are no rows"),
    ]
    for data, message in cases:
        upload = (io.BytesIO(data), "bad.csv") if data else (io.BytesIO(b""), "")
        response = provider.console.post(
            "/console/bulk", {"csv": upload}, content_type="multipart/form-data"
        )
        assert 400 <= response.status_code < 500, (data, response.status_code)
        assert message in html.unescape(response.get_data(as_text=True)), data
    garbled = provider.console.post("/console/bulk/start", {"rows": "not json"})
    assert garbled.status_code == 400
    assert count(app, BulkJob) == 0


def test_bulk_is_refused_to_a_viewer(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"])
    for path in ("/console/bulk",):
        assert viewer.get(path).status_code == 403
    assert viewer.post("/console/bulk/start", {"rows": "[]"}).status_code == 403


# --- provider B --------------------------------------------------------------------------------


def test_provider_b_reaches_no_credential_job_or_freelancer_of_a(
    app: Flask, provider: Provider, sign_up: Callable[..., Provider]
) -> None:
    w = world(app)
    credential = issue_via_console(provider.console, w.ready, w.certification)
    upload = csv_file([["freelancerId", "certificationId"], [w.short, w.certification]])
    body = provider.console.post(
        "/console/bulk", {"csv": upload}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    rows = re.search(r'name="rows" type="hidden" value="([^"]+)"', body)
    assert rows
    job = provider.console.post(
        "/console/bulk/start", {"rows": rows.group(1).replace("&#34;", '"')}
    )
    job_id = job.headers["Location"].rsplit("/", 1)[-1]
    beta = sign_up("beta", name="Beta Academy")
    add_member(app, beta, "issuer")
    paths_get = [
        f"/console/credentials/{credential}",
        f"/console/bulk/{job_id}",
        f"/console/bulk/{job_id}/progress",
        f"/console/bulk/{job_id}/report.csv",
        f"/console/issue?freelancer={w.ready}&certification={w.certification}",
        f"/console/issue?freelancer=amara@example.com&certification={w.certification}",
        f"/console/issue/preview.pdf?freelancer={w.ready}&certification={w.certification}",
        f"/console/issue/preview.png?freelancer={w.ready}&certification={w.certification}",
    ]
    for path in paths_get:
        response = beta.console.get(path)
        assert response.status_code == 404, path
        assert "Amara" not in response.get_data(as_text=True), path
    for action in ("revoke", "suspend", "reinstate"):
        response = beta.console.post(
            f"/console/credentials/{credential}/{action}", {f"{action}-reason": "x"}
        )
        assert response.status_code == 404
    token_page = beta.console.get("/console/issue")
    assert token_page.status_code == 200
    refused = beta.console.post(
        "/console/issue", {"freelancer": w.ready, "certification": w.certification, "token": "t"}
    )
    assert refused.status_code == 404
    listing = beta.console.get("/console/credentials").get_data(as_text=True)
    assert "Amara" not in listing
    assert "No credential issued yet." in listing
    assert "Python APIs" not in beta.console.get("/console/bulk").get_data(as_text=True)
    # Beta's check of A's ids finds nothing of A.
    upload = csv_file([["freelancerId", "certificationId"], [w.ready, w.certification]])
    checked = beta.console.post(
        "/console/bulk", {"csv": upload}, content_type="multipart/form-data"
    )
    assert "no freelancer with freelancerId" in checked.get_data(as_text=True)
    with app.app_context():
        issued = db.session.get(IssuedCredential, credential)
        assert issued is not None
        assert issued.revoked_at is None
        assert not issued.suspended
