"""Open Badges 2.0 on the verify page in a real browser: a hosted badge by its URL with the
recipient typed (labels, keyboard), and a baked PNG upload; axe-core finds no serious or
critical violation on the form or the result, at 360 and 1280 px."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.api_fuzz import serving
from tests.verifier.ob2.world import ASSERTION_URL, CORE, HOSTS, RECIPIENT, serve_hosted
from tests.verifier.servers import FixtureWeb, fixture_web
from tests.verifier.web.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    Tab,
    open_tab,
    shots,
)
from tests.verifier.web.test_browser_warnings import NARROW, check_accessibility

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


@pytest.fixture
def web(tmp_path: Path) -> Iterator[FixtureWeb]:
    (tmp_path / "tls").mkdir()
    with fixture_web(tmp_path / "tls", HOSTS) as running:
        yield running


@pytest.fixture
def site(make_app: Callable[..., Flask], web: FixtureWeb) -> Iterator[str]:
    with serving(make_app(MICROCRED_VERIFIER_FETCHER=web.fetcher)) as url:
        yield url


@pytest.mark.parametrize("viewport", [NARROW, DESKTOP], ids=["360", "1280"])
def test_hosted_badge_by_url_with_recipient(
    site: str,
    web: FixtureWeb,
    open_tab: Any,  # noqa: F811
    shots: Path,  # noqa: F811
    viewport: dict[str, int],
) -> None:
    serve_hosted(web)
    tab: Tab = open_tab(viewport)
    tab.page.goto(site + "/verify")
    check_accessibility(tab)
    tab.page.get_by_label("Link to a hosted badge (Open Badges 2.0)").fill(ASSERTION_URL)
    tab.page.get_by_label("Who should it belong to? (optional)").fill(RECIPIENT)
    with tab.page.expect_navigation():
        tab.page.keyboard.press("Enter")
    assert tab.verdict() == "Valid"
    text = tab.page.inner_text("body")
    assert "Awarded to the e-mail address you typed" in text
    assert "only as authentic as the issuer" in text
    check_accessibility(tab)
    assert tab.no_horizontal_scroll()
    tab.page.screenshot(path=str(shots / f"ob2-hosted-{viewport['width']}.png"), full_page=True)
    assert tab.errors == []


def test_baked_png_upload(
    site: str,
    web: FixtureWeb,
    open_tab: Any,  # noqa: F811
) -> None:
    import json

    from credentials.documents.ob2_baked import png_text

    png = CORE / "baked_heart.png"
    serve_hosted(web, json.loads(png_text(png.read_bytes()) or "{}"))
    tab: Tab = open_tab(DESKTOP)
    tab.page.goto(site + "/verify")
    tab.page.set_input_files("#credential-file", str(png))
    tab.page.get_by_label("Who should it belong to? (optional)").fill("someone@example.org")
    with tab.page.expect_navigation():
        tab.page.click("button[type=submit]")
    assert tab.verdict() != "Valid"
    assert "Not awarded to the e-mail address you typed" in tab.page.inner_text("body")
    check_accessibility(tab)
    assert tab.errors == []
