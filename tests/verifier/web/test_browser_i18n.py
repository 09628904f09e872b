"""Issue 14, item 7 in a real browser: a Spanish-speaking browser gets the verify page in
Spanish, the switcher (plain links, no script) goes back to English and is remembered,
axe-core finds no serious or critical violation in either language; an Arabic recipient
name reads right to left inside the page. Screenshots go to $MICROCRED_SCREENSHOTS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.verifier.web.conftest import LiveServer
from tests.verifier.web.issuing import IssuingWorld
from tests.verifier.web.test_browser import Tab, shots  # noqa: F401 - fixture
from tests.verifier.web.test_browser_warnings import check_accessibility

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]
ARABIC_NAME = "أمارة أوكافور"


@pytest.fixture
def spanish_tab(browser: Any) -> Iterator[Tab]:
    """A browser whose user prefers Spanish (its Accept-Language). The pages run no script
    (their CSP forbids it), so the switcher is followed as a plain link."""
    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    yield Tab(context.new_page())
    context.close()


def test_the_verify_page_in_spanish_and_back_to_english(
    live_server: LiveServer,
    world: IssuingWorld,
    spanish_tab: Tab,
    shots: Path,  # noqa: F811
) -> None:
    issued = world.issue()
    page = spanish_tab.page

    page.goto(live_server.url + issued.page)

    assert page.locator("html").get_attribute("lang") == "es"
    assert spanish_tab.verdict() == "Válida"
    assert page.locator("#checks-heading").inner_text() == "Comprobaciones"
    switch = page.locator(".language-switch a[hreflang=en]")
    assert switch.get_attribute("lang") == "en"
    check_accessibility(spanish_tab)
    page.screenshot(path=str(shots / "verify-valid-es.png"), full_page=True)

    with page.expect_navigation():
        switch.click()

    assert page.url == live_server.url + issued.page  # back on the same page
    assert page.locator("html").get_attribute("lang") == "en"
    assert spanish_tab.verdict() == "Valid"
    check_accessibility(spanish_tab)
    page.goto(live_server.url + "/verify")  # remembered over the browser's Spanish
    assert page.locator("h1").inner_text() == "Verify a credential"
    assert spanish_tab.errors == []


def test_an_arabic_recipient_name_reads_right_to_left(
    live_server: LiveServer,
    world: IssuingWorld,
    spanish_tab: Tab,
    shots: Path,  # noqa: F811
) -> None:
    issued = world.issue(name=ARABIC_NAME)
    page = spanish_tab.page

    page.goto(live_server.url + issued.page)

    recipient = page.locator(".recipient")
    assert recipient.inner_text() == ARABIC_NAME
    # The paragraph takes its direction from the name (unicode-bidi: plaintext): the name
    # starts at the right edge, while the page's headings stay left to right.
    box = recipient.bounding_box()
    text_box = page.evaluate(
        """() => { const r = document.createRange();
                   r.selectNodeContents(document.querySelector('.recipient'));
                   const b = r.getBoundingClientRect(); return {left: b.left, right: b.right}; }"""
    )
    assert box is not None
    assert abs(text_box["right"] - (box["x"] + box["width"])) < 2
    assert text_box["left"] > box["x"] + 20
    heading = page.locator("#checks-heading").bounding_box()
    assert heading is not None
    assert heading["x"] < box["x"] + 20
    page.screenshot(path=str(shots / "verify-rtl-name-es.png"), full_page=True)
    check_accessibility(spanish_tab)
