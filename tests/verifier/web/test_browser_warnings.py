"""Issue 15 in a real browser: a verified credential with an Open Badges data-quality
warning (shown apart from the verdict, not as a failure) and a pasted JWT ("not supported
yet"), at 360 and 1280 px, with axe-core (no serious or critical violation) and no page
error. Screenshots go to $MICROCRED_SCREENSHOTS (docs/img/verify/ when refreshing docs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.credentials import factories as f
from tests.credentials.test_formats import OB2_JWS  # v-jwt: VC JWTs are verified now
from tests.verifier.web.conftest import LiveServer
from tests.verifier.web.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    Tab,
    open_tab,
    shots,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]
NARROW = {"width": 360, "height": 780}


def check_accessibility(tab: Tab) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(tab.page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad


def paste(tab: Tab, base: str, text: str) -> None:
    tab.page.goto(base + "/verify")
    tab.page.fill("#credential-text", text)
    with tab.page.expect_navigation():
        tab.page.locator("form button[type=submit], form input[type=submit]").first.click()


def dcc_style() -> dict[str, Any]:
    """Signed (did:key, no status list), valid, but no subject id nor identifier and an
    achievementType outside the OB 3.0 enumeration."""
    unsigned = f.credential(
        issuer={"id": f.OTHER_DID, "type": ["Profile"], "name": "State University"}
    )
    unsigned.pop("credentialStatus")
    subject = unsigned["credentialSubject"]
    subject.pop("id", None)
    subject.pop("identifier", None)
    subject["name"] = "Jane Doe"
    subject["achievement"]["achievementType"] = "Program"
    return f.signed(unsigned, key=f.OTHER_KEY, vm=f.OTHER_VM)


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_warnings_are_shown_apart_from_a_valid_verdict(
    live_server: LiveServer,
    open_tab: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    viewport: dict[str, int],
) -> None:
    tab = open_tab(viewport)
    paste(tab, live_server.url, json.dumps(dcc_style()))

    assert tab.verdict() == "Valid"
    warnings = tab.page.locator("section.warnings")
    assert warnings.is_visible()
    codes = [w.get_attribute("data-code") for w in warnings.locator("li.warning").all()]
    assert sorted(codes) == ["ob3.achievement_type_unknown", "ob3.subject_without_identifier"]
    assert "check the name against the person" in warnings.inner_text()
    assert tab.page.locator(".recipient").inner_text() == "Jane Doe"
    assert tab.page.locator(".check.failed").count() == 0  # a warning is not a failure
    assert tab.no_horizontal_scroll()
    check_accessibility(tab)
    tab.page.screenshot(path=str(shots / f"warnings-{viewport['width']}.png"), full_page=True)
    assert tab.errors == []


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_a_pasted_jwt_is_named_not_supported_yet(
    live_server: LiveServer,
    open_tab: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    viewport: dict[str, int],
) -> None:
    tab = open_tab(viewport)
    # A 422 page: Chromium logs the status as a console error; only script errors count.
    paste(tab, live_server.url, OB2_JWS)

    alert = tab.page.locator("#form-error")
    assert "This format is not supported yet." in alert.inner_text()
    assert "Open Badges 2.0" in alert.inner_text()
    assert "format.unsupported" in alert.inner_text()
    assert tab.no_horizontal_scroll()
    check_accessibility(tab)
    tab.page.screenshot(
        path=str(shots / f"format-unsupported-{viewport['width']}.png"), full_page=True
    )
    assert [e for e in tab.errors if "status of 4" not in e] == []
