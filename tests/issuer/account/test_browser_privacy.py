"""The freelancer's privacy pages in headless Chromium (Playwright): from /account, "Export
my data" downloads the JSON file of what is held; "Erase my account" shows what happens,
takes the typed address, erases, and ends signed out. The erase page and the final page
get the every-page checks (axe-core, no sideways scrolling, keyboard focus)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.api_fuzz import serving
from tests.issuer.account.conftest import claim_link, held_credential
from tests.issuer.account.test_browser_account import checked
from tests.issuer.console.conftest import app_with_mail
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


def test_export_then_erase_from_the_account_page(
    browser: Any, app: Flask, live_url: str, *, make: Factory, tmp_path: Path
) -> None:
    held = held_credential(app, make, "amara@example.com", handle="amara")
    journey = Journey(browser, live_url, tmp_path)
    walk = Walk(journey, tmp_path)
    page = journey.page
    journey.goto(urlsplit(claim_link(app, held.issued.id)).path)
    journey.submit("Claim and sign in")
    assert urlsplit(page.url).path == "/account"

    # Export: a JSON file with this address's records.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export my data").click()
    saved = tmp_path / "export.json"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("microcred-personal-data-")
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["email"] == held.email
    assert [p["freelancer"]["id"] for p in data["providers"]] == [held.freelancer_id]

    # Erase: the page says what happens; the address typed out; then signed out.
    with page.expect_navigation():
        page.get_by_role("link", name="Erase my account").click()
    assert urlsplit(page.url).path == "/account/erase"
    walk.visit("erase", "/account/erase")
    assert "This cannot be undone." in page.content()
    page.get_by_label("Type your e-mail address to confirm").fill("someone@example.com")
    journey.submit("Erase my account and data")
    assert "not the address you are signed in with" in page.content()
    checked(walk, journey, "erase-refused")
    page.get_by_label("Type your e-mail address to confirm").fill(held.email)
    journey.submit("Erase my account and data")
    assert urlsplit(page.url).path == "/account/erased"
    assert "Your account was erased" in page.content()
    checked(walk, journey, "erased")
    assert page.get_by_role("button", name="Sign out").count() == 0
    journey.goto("/account")
    assert urlsplit(page.url).path == "/account/signin"
    assert journey.goto(f"/v/{held.issued.short_code}").status == 410
    assert journey.goto("/p/amara").status == 404

    assert walk.failures == [], "\n".join(walk.failures)
    assert journey.errors == []
    journey.context.close()
