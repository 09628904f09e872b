"""Issue 15, item 4 in a real browser: a pasted VC-JOSE-COSE credential (EdDSA, did:key)
shows the same result page as a Data Integrity one — verdict, who issued it, the checks
with the JWS signature — at 360 and 1280 px, with axe-core (no serious or critical
violation) and no page error. Screenshots go to $MICROCRED_SCREENSHOTS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.credentials.jose_signing import Issuer, tamper_payload
from tests.verifier.web.conftest import LiveServer
from tests.verifier.web.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    open_tab,
    shots,
)
from tests.verifier.web.test_browser_warnings import NARROW, check_accessibility, paste

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_a_pasted_vc_jwt_verifies(
    live_server: LiveServer,
    open_tab: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    viewport: dict[str, int],
) -> None:
    tab = open_tab(viewport)
    paste(tab, live_server.url, Issuer.make("EdDSA", "key").jwt())

    text = tab.page.locator("main").inner_text()
    assert "Valid" in text
    assert "Data Analysis" in text
    assert "EdDSA JWS signature" in text
    assert tab.no_horizontal_scroll()
    check_accessibility(tab)
    tab.page.screenshot(path=str(shots / f"jwt-valid-{viewport['width']}.png"), full_page=True)
    assert tab.errors == []


def test_a_pasted_tampered_vc_jwt_is_not_valid(
    live_server: LiveServer,
    open_tab: Any,  # noqa: F811
) -> None:
    tab = open_tab(NARROW)
    paste(tab, live_server.url, tamper_payload(Issuer.make("ES256", "jwk").jwt()))

    text = tab.page.locator("main").inner_text()
    assert "Not valid" in text
    assert "jose.bad_signature" in text or "does not match" in text
    assert tab.errors == []
