"""The verification page in real headless Chromium (Debian's, driven by Playwright), served
by a real WSGI server on 127.0.0.1 with a SQLite database.

Screenshots at phone (390 px) and desktop (1280 px) width go to the test's temporary
directory, or to $MICROCRED_SCREENSHOTS when set (to look at them; never committed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.verifier.web.conftest import Clock, LiveServer
from tests.verifier.web.issuing import IssuingWorld

# A real browser against a file database: SQLite only (the backends are covered elsewhere).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

XSS_NAME = "<script>alert(1)</script><img src=x onerror=alert(2)>"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Tab:
    """A browser page that records every dialog, page error and console error."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def verdict(self) -> str:
        return str(self.page.locator("[data-verdict]").inner_text())

    def no_horizontal_scroll(self) -> bool:
        return bool(self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def open_tab(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(viewport: dict[str, int] = DESKTOP) -> Tab:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        return Tab(context.new_page())

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("MICROCRED_SCREENSHOTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _missing_assets(tab: Tab) -> list[str]:
    """Stylesheets the page links that did not load (a CSP or routing mistake)."""
    return list(
        tab.page.evaluate(
            "[...document.querySelectorAll('link[rel=stylesheet]')]"
            ".filter(l => !l.sheet).map(l => l.href)"
        )
    )


def test_valid_credential_page(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, shots: Path
) -> None:
    issued = world.issue()
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        tab = open_tab(viewport)
        response = tab.page.goto(live_server.url + issued.page)

        assert response.status == 200
        assert tab.verdict() == "Valid"
        assert tab.page.locator(".recipient").inner_text() == "Amara Okafor"
        assert tab.page.locator(".competency").count() == 3
        assert _missing_assets(tab) == []
        assert tab.no_horizontal_scroll(), name
        tab.page.screenshot(
            path=str(shots / f"verify-valid-{viewport['width']}.png"), full_page=True
        )
        assert tab.errors == []


def test_revoked_credential_page(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, shots: Path
) -> None:
    issued = world.issue()
    world.revoke(issued)
    tab = open_tab(PHONE)

    tab.page.goto(live_server.url + issued.page)

    assert tab.verdict() == "Revoked"
    assert "has withdrawn this credential" in tab.page.locator(".verdict-text").inner_text()
    assert tab.no_horizontal_scroll()
    tab.page.screenshot(path=str(shots / "verify-revoked-390.png"), full_page=True)


def test_expired_credential_page(
    live_server: LiveServer, world: IssuingWorld, clock: Clock, open_tab: Any, shots: Path
) -> None:
    issued = world.issue(validity_days=30)
    clock.offset = timedelta(days=45)
    tab = open_tab(PHONE)

    tab.page.goto(live_server.url + issued.page)

    assert tab.verdict() == "Expired"
    failed = tab.page.locator(".check.failed h3").all_inner_texts()
    assert failed == ["Validity period"]
    tab.page.screenshot(path=str(shots / "verify-expired-390.png"), full_page=True)


def test_tampered_credential_page(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, shots: Path
) -> None:
    issued = world.issue()

    def rename(document: dict[str, Any]) -> None:
        document["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"

    world.tamper(issued, rename)
    tab = open_tab(DESKTOP)

    tab.page.goto(live_server.url + issued.page)

    assert tab.verdict() == "Not valid"
    assert tab.page.locator(".unconfirmed").is_visible()
    assert "Digital signature" in tab.page.locator(".check.failed h3").first.inner_text()
    tab.page.screenshot(path=str(shots / "verify-tampered-1280.png"), full_page=True)


def test_script_in_a_name_is_text_and_runs_nothing(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, shots: Path
) -> None:
    issued = world.issue(name=XSS_NAME)
    tab = open_tab(PHONE)

    response = tab.page.goto(live_server.url + issued.page)
    tab.page.wait_for_load_state("load")

    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert tab.page.locator(".recipient").inner_text() == XSS_NAME
    assert tab.page.evaluate("document.scripts.length") == 0
    assert tab.page.evaluate("document.querySelectorAll('main img').length") == 0
    assert tab.dialogs == []
    assert tab.errors == []
    assert tab.verdict() == "Valid"
    tab.page.screenshot(path=str(shots / "verify-xss-390.png"), full_page=True)


def test_keyboard_reaches_every_link(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any
) -> None:
    issued = world.issue()
    tab = open_tab(DESKTOP)
    tab.page.goto(live_server.url + issued.page)
    links = tab.page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")

    reached: list[str] = []
    outlines: set[str] = set()
    for _ in range(len(links) + 5):
        tab.page.keyboard.press("Tab")
        focused = tab.page.evaluate(
            "(() => { const e = document.activeElement;"
            " return [e.href || '', getComputedStyle(e).outlineStyle]; })()"
        )
        if focused[0]:
            reached.append(focused[0])
            outlines.add(focused[1])

    assert set(links) <= set(reached)
    assert "none" not in outlines  # every focused link shows a visible focus ring
    assert reached[0].endswith("#main")  # the skip link comes first
    tab.page.keyboard.press("Shift+Tab")


def test_skip_link_moves_focus_to_the_content(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any
) -> None:
    issued = world.issue()
    tab = open_tab(PHONE)
    tab.page.goto(live_server.url + issued.page)

    tab.page.keyboard.press("Tab")
    assert tab.page.locator(".skip-link").is_visible()
    tab.page.keyboard.press("Enter")

    assert tab.page.evaluate("document.activeElement.id") == "main"


def test_upload_form_works_with_the_keyboard_alone(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, shots: Path
) -> None:
    issued = world.issue()
    document = json.dumps(world.document(issued))
    tab = open_tab(PHONE)
    tab.page.goto(live_server.url + "/verify")
    tab.page.screenshot(path=str(shots / "verify-form-390.png"), full_page=True)

    for _ in range(20):  # skip link, header links, file input, then the text area
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("document.activeElement.id") == "credential-text":
            break
    tab.page.keyboard.insert_text(document)
    tab.page.keyboard.press("Tab")
    # v-ob2: the badge URL and recipient fields come next, then the button
    for _ in range(2):
        if tab.page.evaluate("document.activeElement.type") == "submit":
            break
        tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.type") == "submit"
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")

    assert tab.verdict() == "Valid"
    assert "from your upload" in tab.page.locator(".verdict-time").inner_text()
    assert tab.no_horizontal_scroll()


def test_uploaded_file_with_a_script_name_runs_nothing(
    live_server: LiveServer, world: IssuingWorld, open_tab: Any, tmp_path: Path
) -> None:
    issued = world.issue(name=XSS_NAME)
    upload = tmp_path / "credential.json"
    upload.write_text(json.dumps(world.document(issued)))
    tab = open_tab(DESKTOP)
    tab.page.goto(live_server.url + "/verify")

    tab.page.set_input_files("#credential-file", str(upload))
    with tab.page.expect_navigation():
        tab.page.click("button[type=submit]")

    assert tab.verdict() == "Valid"
    assert tab.page.locator(".recipient").inner_text() == XSS_NAME
    assert tab.dialogs == []
    assert tab.page.evaluate("document.scripts.length") == 0


def test_a_stranger_calling_itself_harvard_is_shown_as_an_unknown_issuer(
    live_server: LiveServer, open_tab: Any, shots: Path
) -> None:
    """Issue 11: a valid signature from a fresh did:key that names itself "Harvard
    University" is intact, but the page never presents that name as fact."""
    from tests.credentials import factories as f

    unsigned = f.credential(
        issuer={"id": f.OTHER_DID, "type": ["Profile"], "name": "Harvard University"}
    )
    unsigned.pop("credentialStatus")
    forged = f.signed(unsigned, key=f.OTHER_KEY, vm=f.OTHER_VM)
    tab = open_tab()
    tab.page.goto(live_server.url + "/verify")
    tab.page.fill("#credential-text", json.dumps(forged))
    tab.page.locator("form button[type=submit], form input[type=submit]").first.click()
    tab.page.wait_for_selector("[data-trust]")
    tab.page.screenshot(path=str(shots / "unknown-issuer.png"), full_page=True)

    assert tab.verdict() == "Valid"  # intact and current...
    trust = tab.page.locator("[data-trust]")
    assert trust.get_attribute("data-trust") == "unknown"  # ...but nobody vouches for it
    assert "Unknown issuer" in trust.inner_text()
    assert "its own claim" in trust.inner_text()
    issued_by = tab.page.locator(".facts .issuer-name").inner_text()
    assert issued_by == "“Harvard University”"
    assert "self-asserted" in tab.page.locator(".facts").inner_text()
    assert "Harvard University signed it" not in tab.page.locator("[data-verdict]").inner_text()
    assert "Harvard University signed" not in tab.page.inner_text("main")
    assert tab.errors == []
