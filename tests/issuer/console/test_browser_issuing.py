"""Issuing in headless Chromium: issue one credential after its preview (the badge drawn,
the PDF served), issue one with an override and its reason (refused without), bulk issue
from a CSV file with the progress bar reaching 100 % and the report downloaded, revoke a
credential and see the public verify page say so. axe-core on every page of the section
(no serious or critical violation); the pages photographed at 360 px and 1280 px with no
horizontal scrolling (``CONSOLE_SCREENSHOTS=docs/img/console`` keeps them for the docs).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.models import Issuer
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.console.test_browser import (  # noqa: F401 - fixtures of these journeys
    DESKTOP,
    PHONE,
    Journey,
    app,
    live_url,
    signed_up_owner,
)
from tests.issuer.factories import Factory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


def cohort(app: Flask) -> str:  # noqa: F811 - the fixture, passed on
    """The signed-up provider's certification, a freelancer who meets it and one who
    does not; returns the certification's id."""
    with app.app_context():
        slug = db.session.scalars(select(Issuer.slug)).one()
    owner: Any = SimpleNamespace(slug=slug)
    make = Factory(app)
    cert = make.certification(owner, name="Python API Developer")
    ready = make.freelancer(owner, name="Amara Okafor", email="amara@example.com")
    project = make.project(owner, ready, title="Invoice API for a bakery")
    make.assess(owner, project, dict.fromkeys(cert.competency_ids, "accepted"))
    make.freelancer(owner, name="Li Wei", email="li@example.com")
    make.freelancer(owner, name="Noor Haddad", email="noor@example.com")
    return cert.id


def test_issue_preview_override_bulk_and_revoke(
    browser: Any,
    app: Flask,  # noqa: F811
    live_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    owner: Journey = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page
    certification = cohort(app)

    # Issue one: choose, preview (badge and PDF from the unsigned draft), issue.
    with page.expect_navigation():
        page.get_by_role("link", name="Issue", exact=True).click()
    axe_at_both_widths(owner)
    page.get_by_label("Freelancer").fill("amara@example.com")
    page.get_by_label("Micro-certification").select_option(certification)
    owner.submit("Preview")
    assert page.get_by_role("heading", name="Evidence rule: met").is_visible()
    badge = page.get_by_alt_text(
        "The badge of Python API Developer, as the credential will carry it"
    )
    badge.wait_for()
    page.wait_for_function("document.querySelector('.badge-preview img').naturalWidth > 0")
    pdf_href = page.get_by_role("link", name="The PDF certificate in English")
    pdf = page.request.get(live_url + str(pdf_href.get_attribute("href")))
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")
    _pdf_picture(pdf.body(), owner.shots / "issue-preview-pdf.png")
    axe_at_both_widths(owner)
    owner.shoot("issue-preview")
    owner.submit("Issue the credential")
    assert page.get_by_text("The credential is issued to Amara Okafor.").is_visible()
    assert page.locator("#credential-state").inner_text() == "Active"
    axe_at_both_widths(owner)
    amara = page.url

    # Override: refused without a reason, then issued with it; the reason is shown.
    owner.goto(f"/console/issue?freelancer=li@example.com&certification={certification}")
    assert page.get_by_role("heading", name="Evidence rule: not met").is_visible()
    page.get_by_label("Override the evidence rule").check()
    owner.submit("Issue the credential")
    assert page.get_by_text("An override needs a reason").is_visible()
    axe_at_both_widths(owner)  # the form with its error
    page.get_by_label("Reason for the override").fill("Assessed in person on 4 May")
    owner.submit("Issue the credential")
    assert page.get_by_text("Assessed in person on 4 May").is_visible()
    axe_at_both_widths(owner)

    # Bulk: check the rows (nothing starts), start, watch the bar reach 100 %, the report.
    with page.expect_navigation():
        page.get_by_role("link", name="Bulk issue").click()
    axe_at_both_widths(owner)
    csv_text = (
        "freelancerEmail,certificationId,overrideReason\n"
        f"noor@example.com,{certification},Portfolio review\n"
        f"amara@example.com,{certification},\n"
        f"ghost@example.com,{certification},\n"
    )
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    owner.submit("Check the rows")
    assert page.get_by_text("no freelancer with freelancerEmail").is_visible()
    axe_at_both_widths(owner)
    owner.shoot("bulk-check")
    owner.submit("Start issuing 3 rows")
    bar = page.locator("progress#bulk-progress")
    assert bar.get_attribute("value") == "0"
    axe_at_both_widths(owner)
    owner.shoot("bulk-progress")
    with app.app_context():
        # The worker's bulk.run task; then (fl-mail) each freelancer's mail: record, send;
        # (fl-webhooks) a webhook fan-out per credential.
        assert task_queue(app).run_pending() >= 1
    # The page's script sees the job finish and reloads onto the report.
    page.get_by_role("link", name="Download the report (CSV)").wait_for(timeout=15_000)
    assert bar.get_attribute("value") == bar.get_attribute("max") == "3"
    assert page.locator("#bulk-percent").inner_text() == "100 %"
    axe_at_both_widths(owner)
    owner.shoot("bulk-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report (CSV)").click()
    report = Path(download.value.path()).read_text()
    assert "issued" in report
    assert "skipped: already holds one" in report
    assert "ghost@example.com" in report

    # Revoke Amara's credential; the public verify page says so at once.
    page.goto(amara)
    page.get_by_label("Reason", exact=True).last.fill("Issued to the wrong cohort")
    owner.submit("Revoke (final)")
    assert page.locator("#credential-state").inner_text() == "Revoked"
    axe_at_both_widths(owner)
    owner.shoot("credential")
    with page.expect_navigation():
        page.get_by_role("link", name="The public verify page").click()
    assert page.locator(".verdict-word").get_attribute("data-verdict") == "revoked"

    # The list, filtered.
    owner.goto("/console/credentials?status=revoked")
    assert page.get_by_role("link", name="Amara Okafor").is_visible()
    assert page.get_by_role("link", name="Li Wei").count() == 0
    axe_at_both_widths(owner)
    owner.goto("/console/credentials")
    owner.shoot("credentials")
    assert owner.errors == []
    owner.context.close()


def axe_at_both_widths(journey: Journey) -> None:
    """axe-core at 360 px and at 1280 px (the layout differs: the rules may too)."""
    journey.page.set_viewport_size(PHONE)
    journey.check_accessibility()
    journey.page.set_viewport_size(DESKTOP)
    journey.check_accessibility()


def _pdf_picture(pdf: bytes, target: Path) -> None:
    """The PDF's first page as a PNG, to look at (docs/CONSOLE.md shows it)."""
    source, stem = target.with_suffix(".pdf"), target.with_suffix("")
    source.write_bytes(pdf)
    try:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(stem)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        pass  # a picture for the docs only
    finally:
        source.unlink(missing_ok=True)
    assert re.match(r".+\.png$", target.name)
