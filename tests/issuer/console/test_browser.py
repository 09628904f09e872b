"""The console in headless Chromium (Playwright), one journey: sign up → sign out → sign in
→ invite a teammate (the mail arrives at the loopback SMTP server) → the teammate accepts
and signs in as viewer → the viewer is refused an owner page. On the way, axe-core checks
every page of this step (no serious or critical violation), and sign-in and dashboard are
photographed at 360 px and 1280 px with no horizontal scrolling.

``CONSOLE_SCREENSHOTS=docs/img/console`` keeps the screenshots there (docs/CONSOLE.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.api_fuzz import serving
from tests.issuer.console.conftest import PASSWORD, SmtpServer, app_with_mail, deliver

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


class Journey:
    """One browser context (one person), with its page and what axe found."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        self.context = browser.new_context(viewport=DESKTOP)
        self.page = self.context.new_page()
        self.base = base
        self.shots = shots
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # A refused sign-in (401) or page (403) is logged by Chromium as a failed load:
        # expected here. Anything else (a CSP refusal, a script error) fails the test.
        if message.type == "error" and "responded with a status of 4" not in message.text:
            self.errors.append(message.text)

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def check_accessibility(self) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        bad = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"{self.page.url}: {bad}"

    def shoot(self, name: str) -> None:
        for label, size in (("360", PHONE), ("1280", DESKTOP)):
            self.page.set_viewport_size(size)
            fits = self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert fits, f"{name} scrolls sideways at {label} px"
            self.page.screenshot(path=str(self.shots / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(DESKTOP)

    def submit(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button).click()


def link_path(smtp: SmtpServer) -> str:
    return urlsplit(smtp.mailbox.link()).path


def test_sign_up_invite_and_a_viewer_refused(
    browser: Any, app: Flask, live_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    owner = Journey(browser, live_url, shots)
    page = owner.page

    # Sign up.
    owner.goto("/console/signup")
    owner.check_accessibility()
    page.get_by_label("Organisation name").fill("Harbour Coding School")
    page.get_by_label("Your name").fill("Hana Harbour")
    page.get_by_label("Your e-mail address").fill("hana@harbour.example")
    page.get_by_label("Password").fill(PASSWORD)
    owner.submit("Create the organisation")
    assert page.url.endswith("/console/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    owner.check_accessibility()
    owner.shoot("dashboard")

    # Sign out, then in again.
    owner.submit("Sign out")
    assert "/console/signin" in page.url
    assert page.get_by_text("You are signed out.").is_visible()
    owner.check_accessibility()
    owner.shoot("sign-in")
    page.get_by_label("E-mail address").fill("hana@harbour.example")
    page.get_by_label("Password").fill("not the password")
    owner.submit("Sign in")
    assert page.get_by_role("alert").is_visible()
    owner.check_accessibility()  # the page with its error
    page.get_by_label("Password").fill(PASSWORD)
    owner.submit("Sign in")
    assert page.url.endswith("/console/")

    # Invite a teammate as viewer.
    owner.goto("/console/team")
    owner.check_accessibility()
    page.get_by_label("E-mail address").fill("vik@harbour.example")
    page.get_by_label("Role", exact=True).select_option("viewer")
    owner.submit("Send the invitation")
    assert page.get_by_text("Invitation sent to vik@harbour.example").is_visible()
    owner.check_accessibility()
    for path in ("/console/audit", "/console/account/password"):
        owner.goto(path)
        owner.check_accessibility()
    assert deliver(app) == 1
    invitation = link_path(smtp_server)

    # The teammate accepts in their own browser and signs in as viewer.
    teammate = Journey(browser, live_url, shots)
    mate = teammate.page
    teammate.goto(invitation)
    assert mate.get_by_role("heading", name="Join Harbour Coding School").is_visible()
    teammate.check_accessibility()
    mate.get_by_label("Your name").fill("Vik Viewer")
    mate.get_by_label("Choose a password").fill(PASSWORD)
    teammate.submit("Join")
    mate.get_by_label("E-mail address").fill("vik@harbour.example")
    mate.get_by_label("Password").fill(PASSWORD)
    teammate.submit("Sign in")
    assert mate.get_by_text("vik@harbour.example (viewer)").is_visible()
    teammate.goto("/console/team")
    assert mate.get_by_role("heading", name="Invite a teammate").count() == 0
    teammate.check_accessibility()
    refused = teammate.goto("/console/audit")
    assert refused.status == 403
    assert mate.get_by_text("your role (viewer) may not do this: it needs owner").is_visible()
    teammate.check_accessibility()

    # Forgotten password: the request page, its answer and the reset page.
    teammate.submit("Sign out")
    teammate.goto("/console/password/forgot")
    teammate.check_accessibility()
    mate.get_by_label("E-mail address").fill("vik@harbour.example")
    teammate.submit("Send the link")
    teammate.check_accessibility()
    assert deliver(app) == 1
    teammate.goto(link_path(smtp_server))
    assert mate.get_by_role("heading", name="Set a new password").is_visible()
    teammate.check_accessibility()

    assert owner.errors == []
    assert teammate.errors == []
    owner.context.close()
    teammate.context.close()


def signed_up_owner(browser: Any, live_url: str, tmp_path: Path) -> Journey:
    """A new organisation signed up through the form; its owner's journey, signed in."""
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    owner = Journey(browser, live_url, shots)
    page = owner.page
    owner.goto("/console/signup")
    page.get_by_label("Organisation name").fill("Harbour Coding School")
    page.get_by_label("Your name").fill("Hana Harbour")
    page.get_by_label("Your e-mail address").fill("hana@harbour.example")
    page.get_by_label("Password").fill(PASSWORD)
    owner.submit("Create the organisation")
    return owner


def test_organisation_and_trust(
    browser: Any, app: Flask, live_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Organisation and trust, as an owner: create an API key (its secret shown once),
    revoke it; rotate and retire signing keys; edit the profile; show the did.json to
    publish for a domain. axe-core on every page; the API keys page photographed."""
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page

    # API keys: create one with two scopes and 30 days; the secret is shown once.
    page.get_by_role("link", name="API keys").click()
    owner.check_accessibility()
    page.get_by_label("Name").fill("LMS sync")
    page.get_by_label("issue", exact=True).check()
    page.get_by_label("Expires after").select_option("30")
    owner.submit("Create the key")
    secret = page.get_by_label("The new API key").input_value()
    assert secret.startswith("mc_")
    page.get_by_role("button", name="Copy").click()
    assert page.locator("#copy-status").inner_text() != ""
    owner.check_accessibility()
    owner.shoot("api-keys")
    owner.goto("/console/api-keys")
    assert secret not in page.content()  # once only
    owner.submit(f"Revoke {secret[:11]}")
    assert page.get_by_text(f"API key {secret[:11]} revoked").is_visible()
    owner.check_accessibility()

    # Signing keys: rotate, then retire the new current key.
    page.get_by_role("link", name="Signing keys").click()
    owner.check_accessibility()
    owner.submit("Rotate: make a new current key")
    assert page.get_by_text("New signing key key-2 signs from now on").is_visible()
    owner.submit("Retire key-2 and replace")
    assert page.get_by_text("Signing key key-2 retired").is_visible()
    owner.check_accessibility()

    # Profile, then the domain's document.
    page.get_by_role("link", name="Profile", exact=True).click()
    owner.check_accessibility()
    page.get_by_label("Website").fill("https://harbour.example")
    page.get_by_label("Contact e-mail").fill("hello@harbour.example")
    owner.submit("Save the profile")
    assert page.get_by_text("Profile saved.").is_visible()
    page.get_by_role("link", name="Domain", exact=True).click()
    page.get_by_label("Your domain").fill("harbour.example")
    owner.submit("Show the document")
    assert page.get_by_text("did:web:harbour.example").first.is_visible()
    owner.check_accessibility()
    owner.shoot("domain")

    assert owner.errors == []
    owner.context.close()


def test_define_a_micro_certification(
    browser: Any, app: Flask, live_url: str, tmp_path: Path
) -> None:
    """Sign up → Certifications → create one with an ESCO and an O*NET alignment, one row
    added with "Add another", a refused code fixed → its page → edit → archive; axe on
    every page of the section, the form with its errors included."""
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page

    with page.expect_navigation():
        page.get_by_role("link", name="Certifications").click()
    assert page.get_by_text("None yet.").is_visible()
    owner.check_accessibility()
    with page.expect_navigation():
        page.get_by_role("link", name="Create a micro-certification").click()
    owner.check_accessibility()
    page.get_by_label("Name", exact=True).fill("Freelance Python API Developer")
    page.get_by_label("Description").fill("Builds and tests HTTP APIs in Python.")
    page.get_by_label("Criteria").fill("Two accepted client projects per competency.")
    page.locator("#competencies-0-name").fill("Python programming")
    page.locator("#competencies-0-preset").select_option("esco")
    page.locator("#competencies-0-code").fill("not-an-esco-code")
    page.locator("#competencies-1-name").fill("Software developer duties")
    page.locator("#competencies-1-preset").select_option("onet")
    page.locator("#competencies-1-code").fill("15-1252.00")
    owner.submit("Add another competency")
    assert page.locator("#competencies-2-name").is_visible()
    page.locator("#competencies-2-name").fill("Automated testing")
    page.get_by_label("Minimum client rating (optional)").fill("4.5")
    page.get_by_label("Expiry").select_option("months")
    page.get_by_label("Months after issue").fill("24")
    owner.submit("Save")
    assert page.get_by_text("a ESCO code looks like").is_visible()  # next to its row
    owner.check_accessibility()  # the form with its errors
    page.locator("#competencies-0-code").fill("ccd0a1d9-afda-43d9-b901-96344886e14d")
    owner.submit("Save")
    assert page.get_by_role("heading", name="Freelance Python API Developer").is_visible()
    assert page.get_by_text("24 months after issue").is_visible()
    page.get_by_label("Badge artwork (PNG or SVG)").set_input_files(
        files=[
            {
                "name": "badge.svg",
                "mimeType": "image/svg+xml",
                "buffer": b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
                b'<circle cx="32" cy="32" r="30" fill="#1f6f8b"/></svg>',
            }
        ]
    )
    owner.submit("Upload the artwork")
    assert page.get_by_text("The badge artwork is saved").is_visible()
    preview = page.get_by_alt_text("The badge of Freelance Python API Developer")
    preview.wait_for()
    assert page.evaluate("document.querySelector('.badge-preview img').naturalWidth") > 0
    owner.check_accessibility()
    owner.shoot("certification")

    with page.expect_navigation():
        page.get_by_role("link", name="Edit Freelance Python API Developer").click()
    owner.check_accessibility()
    assert page.locator("#competencies-1-code").input_value() == "15-1252.00"
    page.get_by_label("Accepted gig projects needed per competency").fill("2")
    owner.submit("Save")
    assert page.get_by_text("2 accepted gig projects per competency").is_visible()
    owner.submit("Archive")
    assert page.get_by_text("archived", exact=True).is_visible()
    owner.goto("/console/certifications")
    assert page.get_by_role("heading", name="Archived").is_visible()
    owner.check_accessibility()
    assert owner.errors == []
    owner.context.close()
