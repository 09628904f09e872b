"""Self-submitted evidence in headless Chromium (Playwright), end to end: the freelancer
signs in and submits a gig project from the account; the client's mail goes through
``send_mail`` to the loopback SMTP server (aiosmtpd) and the client confirms in the
browser; the provider accepts the project in the console; a credential is issued and its
verification page shows the project as confirmed by the client. The account pages get
the same checks as tests/issuer/account/test_browser_account.py (axe-core, no sideways
scrolling, keyboard focus)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.api_fuzz import serving
from tests.issuer.account.test_browser_account import checked
from tests.issuer.account.test_submitted_evidence import ACME, EMAIL, account
from tests.issuer.console.conftest import PASSWORD, Provider, app_with_mail, deliver
from tests.issuer.console.test_browser import Journey
from tests.issuer.console.test_browser_every_page import Walk
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue
from tests.smtp import SmtpServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_submit_confirm_accept_issue_and_verify(
    browser: Any,
    app: Flask,
    live_url: str,
    *,
    make: Factory,
    smtp_server: SmtpServer,
    sign_up: Callable[..., Provider],
    tmp_path: Path,
) -> None:
    acme = sign_up("acme")
    cert = make.certification(ACME, min_projects=1)
    freelancer_id = make.freelancer(ACME, name="Amara Okafor", email=EMAIL)
    account(app)

    # The freelancer signs in and submits a project.
    freelancer = Journey(browser, live_url, tmp_path)
    walk = Walk(freelancer, tmp_path)
    page = freelancer.page
    freelancer.goto("/account/signin")
    page.locator("#password-email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert urlsplit(page.url).path == "/account"
    page.get_by_role("link", name="Submit a project").click()
    page.wait_for_url("**/account/projects/new")
    walk.visit("submit-project", "/account/projects/new")
    page.get_by_label("Training provider").select_option(freelancer_id)
    page.get_by_label("Title").fill("Checkout API for a bakery")
    page.get_by_label("Platform").select_option("Upwork")
    page.get_by_label("Link").fill("https://gigs.example/bakery")
    page.get_by_label("Client", exact=True).fill("Crumb & Co")
    page.get_by_label("Started on").fill("2025-03-01")
    page.get_by_label("Finished on").fill("2025-04-01")
    page.get_by_label("What you delivered").fill("A REST API and its tests.")
    boxes = page.locator('input[name="competencies"]')
    assert boxes.count() == len(cert.competency_ids)
    for n in range(boxes.count()):
        boxes.nth(n).check()
    page.get_by_label("Client's e-mail address (optional)").fill("client@crumb.example")
    freelancer.submit("Submit the project")
    assert urlsplit(page.url).path == "/account"
    submitted = page.locator("#submitted")
    assert "Checkout API for a bakery" in submitted.inner_text()
    assert "Pending" in submitted.inner_text()
    checked(walk, freelancer, "account-with-submission")

    # The client gets the mail and confirms in the browser.
    deliver(app)
    mail = smtp_server.mailbox.messages[-1]
    assert mail["To"] == "client@crumb.example"
    client_path = urlsplit(smtp_server.mailbox.link()).path
    client = Journey(browser, live_url, tmp_path)
    client_walk = Walk(client, tmp_path)
    client_walk.visit("client-confirm", client_path)
    client.goto(client_path)
    client.page.get_by_label("Your rating of the work (0 to 5)").fill("4.5")
    client.page.get_by_label("Comment (optional)").fill("Delivered on time.")
    client.submit("Confirm the project")
    assert "You confirmed the project" in client.page.content()
    checked(client_walk, client, "client-done")
    assert client.goto(client_path).status == 410  # once only

    # The provider accepts it in the console.
    console = Journey(browser, live_url, tmp_path)
    console.goto("/console/signin")
    console.page.get_by_label("E-mail address").fill(acme.owner)
    console.page.get_by_label("Password").fill(PASSWORD)
    console.submit("Sign in")
    console.goto("/console/submissions")
    console.page.get_by_role("link", name="Checkout API for a bakery").click()
    console.page.wait_for_url("**/console/projects/*")
    assert "Submitted by the freelancer." in console.page.content()
    assert "Confirmed by the client" in console.page.content()
    for competency_id in cert.competency_ids:
        console.page.locator(f"#outcome-{competency_id}").select_option("accepted")
    console.submit("Save the assessments")
    console.goto("/console/submissions")
    assert "No submitted project waits" in console.page.content()

    # The freelancer sees it accepted; a credential is issued; its verify page says so.
    freelancer.goto("/account")
    assert "Accepted" in page.locator("#submitted").inner_text()
    issued = issue(make, ACME, freelancer_id, cert.id)
    freelancer.goto(f"/v/{issued.short_code}")
    project = page.locator(".project").first
    assert "Checkout API for a bakery" in project.inner_text()
    assert "confirmed by the client" in project.inner_text()
    assert "client rating 4.5/5" in project.inner_text()

    failures = walk.failures + client_walk.failures
    assert failures == [], "\n".join(failures)
    assert freelancer.errors == []
    assert client.errors == []
    assert console.errors == []
    for journey in (freelancer, client, console):
        journey.context.close()
