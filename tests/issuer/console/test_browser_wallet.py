"""Chromium: a member opens a credential, presses "Send to wallet" and lands on the offer
page with its two QR codes and deep links; the page passes axe and fits a phone.

``WALLET_SCREENSHOTS=docs/img`` keeps the screenshot docs/RECIPIENTS.md shows."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image

from tests.api_fuzz import serving
from tests.credentials.documents.documents_helpers import decode_qr
from tests.issuer.console.conftest import PASSWORD, Provider
from tests.issuer.console.test_browser import Journey
from tests.issuer.console.test_wallet_offer import issued_for

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_send_to_wallet_shows_the_qr_codes(
    browser: Any, app: Flask, provider: Provider, live_url: str, tmp_path: Path
) -> None:
    credential = issued_for(app, provider.slug)
    member = Journey(browser, live_url, tmp_path)
    page = member.page
    member.goto("/console/signin")
    page.get_by_label("E-mail address").fill(provider.members["issuer"])
    page.get_by_label("Password").fill(PASSWORD)
    member.submit("Sign in")
    member.goto(f"/console/credentials/{credential}")
    member.submit("Send to wallet")
    assert "/wallet/offers/" in page.url
    assert page.get_by_role("heading", name="Send to wallet", exact=True).is_visible()
    lcw = page.locator("#lcw-link").get_attribute("href") or ""
    openid = page.locator("#openid-link").get_attribute("href") or ""
    assert lcw.startswith("https://lcw.app/request.html?")
    assert openid.startswith("openid-credential-offer://?credential_offer_uri=")
    # What a phone's camera reads from the rendered page is the deep link beside it.
    for alt, link in (
        ("QR code for the Learner Credential Wallet", lcw),
        ("QR code with the OpenID4VCI credential offer", openid),
    ):
        image = page.get_by_alt_text(alt)
        assert image.evaluate("img => img.complete && img.naturalWidth > 0"), alt
        shot = Image.open(io.BytesIO(image.screenshot()))
        assert decode_qr(shot) == [link], alt
    member.check_accessibility()
    member.shoot("wallet-offer")
    assert member.errors == []
    keep = os.environ.get("WALLET_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(Path(keep) / "wallet-offer.png"), full_page=True)
