"""The whole path of issue 13 in one test, in headless Chromium, as a training provider and
then a client use it: sign up → define a micro-certification → add a freelancer and a gig
project → accept the project for every competency → issue after the preview → open the
PDF certificate → decode its QR code (zxing-cpp) → the public page it leads to says
valid → revoke in the console → the same page says revoked.

Nothing is seeded behind the browser's back: every step is a page and a form, and the
QR code is read from the PDF as a client's phone would read the printed certificate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.credentials.documents.documents_helpers import decode_qr, pdf_page_images
from tests.issuer.console.test_browser import (  # noqa: F401 - app and live_url are fixtures
    Journey,
    app,
    live_url,
    signed_up_owner,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

CERTIFICATION = "Freelance Python API Developer"
FREELANCER = "Amara Okafor"


def define_certification(owner: Journey) -> None:
    page = owner.page
    with page.expect_navigation():
        page.get_by_role("link", name="Certifications").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Create a micro-certification").click()
    page.get_by_label("Name", exact=True).fill(CERTIFICATION)
    page.get_by_label("Description").fill("Builds and tests HTTP APIs in Python.")
    page.get_by_label("Criteria").fill("One accepted client project per competency.")
    page.locator("#competencies-0-name").fill("Python programming")
    page.locator("#competencies-0-preset").select_option("onet")
    page.locator("#competencies-0-code").fill("15-1252.00")
    page.locator("#competencies-1-name").fill("Automated testing")
    page.get_by_label("Expiry").select_option("months")
    page.get_by_label("Months after issue").fill("24")
    owner.submit("Save")
    assert page.get_by_role("heading", name=CERTIFICATION).is_visible()


def add_freelancer_with_accepted_project(owner: Journey) -> None:
    page = owner.page
    with page.expect_navigation():
        page.get_by_role("link", name="Freelancers").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a freelancer").click()
    page.get_by_label("Name").fill(FREELANCER)
    page.get_by_label("E-mail address").fill("amara@example.org")
    owner.submit("Save")
    assert page.get_by_role("heading", name=FREELANCER).is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a gig project").click()
    page.get_by_label("Title").fill("Payments webhook API")
    page.get_by_label("Platform").select_option("Upwork")
    page.get_by_label("Client (optional)").fill("Brightline Outfitters")
    page.get_by_label("Client rating (optional)").fill("4.9")
    owner.submit("Save the project")
    page.get_by_label("Python programming", exact=True).select_option("accepted")
    page.get_by_label("Automated testing", exact=True).select_option("accepted")
    page.get_by_label("Note on Automated testing (optional)").fill("Contract tests in CI.")
    owner.submit("Save the assessments")
    assert page.get_by_text("2 of 2 competencies demonstrated").is_visible()


def issue_after_preview(owner: Journey) -> str:
    """Issue from the freelancer's page; returns the console page of the credential."""
    page = owner.page
    with page.expect_navigation():
        page.get_by_role("link", name=f"Issue {CERTIFICATION} to {FREELANCER}").click()
    if page.get_by_role("button", name="Preview").count():
        owner.submit("Preview")
    assert page.get_by_role("heading", name="Evidence rule: met").is_visible()
    owner.submit("Issue the credential")
    assert page.get_by_text(f"The credential is issued to {FREELANCER}.").is_visible()
    assert page.locator("#credential-state").inner_text() == "Active"
    return str(page.url)


def qr_code_of_the_pdf(owner: Journey) -> str:
    """The address in the QR code printed on the credential's PDF certificate."""
    page = owner.page
    href = page.get_by_role("link", name="The PDF certificate").get_attribute("href")
    pdf = page.request.get(owner.base + str(href))
    assert pdf.ok
    assert pdf.headers["content-type"].startswith("application/pdf")
    (first_page,) = pdf_page_images(pdf.body(), dpi=150)
    first_page.save(owner.shots / "whole-path-certificate.png")
    (address,) = decode_qr(first_page)
    return address


def verdict_at(owner: Journey, address: str) -> str:
    page = owner.page
    # The QR code names the service's public base URL; the test server listens elsewhere
    # on loopback, so the path is followed on it (the same route, the same app).
    owner.goto(urlsplit(address).path)
    owner.check_accessibility()
    return str(page.locator(".verdict-word").get_attribute("data-verdict"))


def test_sign_up_to_revoked_in_one_path(
    browser: Any,
    app: Flask,  # noqa: F811 - the fixture imported above
    live_url: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)  # the sign-up form, submitted
    assert owner.page.get_by_role("heading", name="Dashboard").is_visible()
    define_certification(owner)
    add_freelancer_with_accepted_project(owner)
    credential_page = issue_after_preview(owner)

    address = qr_code_of_the_pdf(owner)
    assert urlsplit(address).path.startswith("/v/")
    assert verdict_at(owner, address) == "valid"
    assert owner.page.get_by_text(FREELANCER).first.is_visible()

    owner.page.goto(credential_page)
    owner.page.get_by_label("Reason", exact=True).last.fill("Issued to the wrong cohort")
    owner.submit("Revoke (final)")
    assert owner.page.locator("#credential-state").inner_text() == "Revoked"
    assert verdict_at(owner, address) == "revoked"
    assert owner.errors == []
    owner.context.close()
