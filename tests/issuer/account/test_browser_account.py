"""The freelancer's side in headless Chromium (Playwright), end to end: the claim mail is
sent through ``send_mail`` and received by the loopback SMTP server (aiosmtpd); Chromium
follows its link, claims, sees the credential in the account, makes it public and finds
it on the public profile, hides it and finds it gone (and its /v/ page "not found"); signs
out and back in by an e-mailed sign-in link. Every page of the account (claim, sign-in,
link sent, the sign-in link's page, the account, a refused link) gets the console's checks
(tests/issuer/console/test_browser_every_page.py): axe-core with no serious or critical
violation, no sideways scrolling at 1280 and 360 px, every interactive element reached by
Tab with a visible focus.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import expect

from tests.api_fuzz import serving
from tests.credentials.documents.documents_helpers import decode_qr
from tests.issuer.account.conftest import claim_link, held_credential
from tests.issuer.console.conftest import app_with_mail, deliver
from tests.issuer.console.test_browser import Journey
from tests.issuer.console.test_browser_every_page import Walk
from tests.issuer.factories import Factory
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


def checked(walk: Walk, journey: Journey, name: str) -> None:
    """The every-page checks on the page the browser is on now (a POST's answer or a
    refusal, which ``Walk.visit`` cannot reach by a GET of 200)."""
    page = journey.page
    for width, size in (
        ("1280", {"width": 1280, "height": 900}),
        ("360", {"width": 360, "height": 740}),
    ):
        page.set_viewport_size(size)
        walk._axe(name, width)
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            walk.fail(name, width, "scrolls sideways")
        walk._keyboard(name, width)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_claim_by_mail_set_public_then_hidden_and_sign_in_again(
    browser: Any,
    app: Flask,
    live_url: str,
    *,
    make: Factory,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    held = held_credential(app, make, "amara@example.com", handle="amara")
    # The credential's own mail (issue 14, item 1) carries the claim link.
    deliver(app)
    message = smtp_server.mailbox.messages[-1]
    assert message["To"] == held.email
    assert "/claim/" in smtp_server.mailbox.link()
    claim_path = urlsplit(smtp_server.mailbox.link()).path

    journey = Journey(browser, live_url, tmp_path)
    walk = Walk(journey, tmp_path)
    page = journey.page
    walk.visit("claim", claim_path)
    journey.goto(claim_path)
    journey.submit("Claim and sign in")
    assert urlsplit(page.url).path == "/account"
    walk.visit("account", "/account")
    card = page.locator(f"#credential-{held.issued.id}")
    assert "Active" in card.inner_text()
    assert card.get_by_role("link", name="Add to LinkedIn").count() == 1
    assert "linkedin.com/profile/add" in (
        card.get_by_role("link", name="Add to LinkedIn").get_attribute("href") or ""
    )
    assert "<a href=" in card.locator("textarea").input_value()  # the embed snippet

    # Public: on the profile.
    card.get_by_label("Public: listed on your profile").check()
    with page.expect_navigation():
        card.get_by_role("button", name="Save").click()
    assert "Saved" in page.locator(".notice").inner_text()
    journey.goto(f"/p/{held.handle}")
    assert page.locator(f'a[href$="/v/{held.issued.short_code}"]').count() > 0

    # Hidden: gone from the profile, its verification page answers "not found".
    journey.goto("/account")
    card = page.locator(f"#credential-{held.issued.id}")
    card.get_by_label("Hidden", exact=False).check()
    with page.expect_navigation():
        card.get_by_role("button", name="Save").click()
    journey.goto(f"/p/{held.handle}")
    assert page.locator(f'a[href$="/v/{held.issued.short_code}"]').count() == 0
    assert journey.goto(f"/v/{held.issued.short_code}").status == 404

    # The claim link again: refused, clearly.
    assert journey.goto(claim_path).status == 410
    assert "used already" in page.content()
    checked(walk, journey, "claim-used")

    # Sign out, then in again by a sign-in link by mail.
    journey.goto("/account")
    journey.submit("Sign out")
    assert urlsplit(page.url).path == "/account/signin"
    walk.visit("signin", "/account/signin")
    page.get_by_label("E-mail address").first.fill(held.email)
    journey.submit("Send me a sign-in link")
    assert "Check your mail" in page.content()
    checked(walk, journey, "link-sent")
    sent = len(smtp_server.mailbox.messages)
    deliver(app)
    assert len(smtp_server.mailbox.messages) == sent + 1
    signin_path = urlsplit(smtp_server.mailbox.link()).path
    assert signin_path.startswith("/account/signin/")
    walk.visit("use-link", signin_path)
    journey.submit("Sign in")
    assert urlsplit(page.url).path == "/account"
    assert "Hidden: not listed" in page.content()

    assert walk.failures == [], "\n".join(walk.failures)
    assert len(walk.walked) == 4, walk.walked
    assert journey.errors == []
    journey.context.close()


def test_a_claim_leads_to_send_to_wallet_and_the_offer_s_qr_code(
    browser: Any, app: Flask, live_url: str, *, make: Factory, tmp_path: Path
) -> None:
    """fl-wallet-account: the claim lands on the credential's card with its "Send to
    wallet" button in view; pressing it opens the offer page, whose QR code reads back as
    the openid-credential-offer:// deep link beside it."""
    held = held_credential(app, make, "amara@example.com", handle="amara")
    claim_path = urlsplit(claim_link(app, held.issued.id)).path
    journey = Journey(browser, live_url, tmp_path)
    walk = Walk(journey, tmp_path)
    page = journey.page
    journey.goto(claim_path)
    journey.submit("Claim and sign in")
    assert urlsplit(page.url).path == "/account"
    assert urlsplit(page.url).fragment == f"credential-{held.issued.id}"
    assert "Send to wallet" in page.locator(".notice").inner_text()
    card = page.locator(f"#credential-{held.issued.id}")
    button = card.get_by_role("button", name="Send to wallet")
    expect(button).to_be_in_viewport()
    checked(walk, journey, "account-after-claim")
    journey.shoot("account-after-claim")

    with page.expect_navigation():
        button.click()
    assert urlsplit(page.url).path.startswith("/wallet/offers/")
    assert page.get_by_role("heading", name="Send to wallet", exact=True).is_visible()
    deep_link = page.locator("#openid-link").get_attribute("href") or ""
    assert deep_link.startswith("openid-credential-offer://?credential_offer_uri=")
    image = page.get_by_alt_text("QR code with the OpenID4VCI credential offer")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert decode_qr(Image.open(io.BytesIO(image.screenshot()))) == [deep_link]
    journey.check_accessibility()
    journey.shoot("account-wallet-offer")
    assert walk.failures == [], "\n".join(walk.failures)
    assert journey.errors == []
    journey.context.close()
