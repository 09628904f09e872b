"""Certificate design in headless Chromium: the owner opens "Certificate design", changes
the layout and the primary colour, and the preview image changes without a page load
(design.js, debounced); a colour too light for text is refused next to its field; the
design is saved. On the certification page, choosing badge artwork shows it before the
upload (artwork.js). axe-core on every page (no serious or critical violation); the design
page is photographed at 360 px and 1280 px with no horizontal scrolling.

``CONSOLE_SCREENSHOTS=docs/img/console`` keeps the screenshots there (docs/CONSOLE.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.issuer.console.test_browser import (  # noqa: F401 - fixtures of these tests
    app,
    live_url,
    signed_up_owner,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

BADGE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<circle cx="32" cy="32" r="30" fill="#1f6f8b"/></svg>'
)


def preview_src(page: Any) -> str:
    src: str = page.locator("#preview-image").get_attribute("src")
    return src


def wait_for_preview(page: Any, previous: str) -> str:
    """The preview's address once it changed from ``previous`` and its image has loaded."""
    page.wait_for_function(
        "prev => { const i = document.getElementById('preview-image');"
        " return i.getAttribute('src') !== prev && i.complete && i.naturalWidth > 0; }",
        arg=previous,
        timeout=20_000,
    )
    return preview_src(page)


def test_design_the_certificate_with_a_live_preview(
    browser: Any,
    app: Flask,  # noqa: F811 - the fixture imported above
    live_url: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page

    with page.expect_navigation():
        page.get_by_role("link", name="Certificate design").click()
    assert page.get_by_role("heading", name="Certificate design").is_visible()
    page.wait_for_function("document.getElementById('preview-image').naturalWidth > 0")
    owner.check_accessibility()
    first = preview_src(page)
    assert "layout=classic" in first

    # A new layout: the preview follows, with no page load.
    page.get_by_label("Modern", exact=False).check()
    second = wait_for_preview(page, first)
    assert "layout=modern" in second
    assert page.locator("#preview-status").inner_text() == "Preview updated."
    assert "layout=modern" in (page.locator("#preview-pdf").get_attribute("href") or "")

    # A new primary colour: again.
    page.locator("#primary_color").fill("#7a1f5c")
    third = wait_for_preview(page, second)
    assert "primary_color=%237a1f5c" in third
    page.get_by_label("Signatory's name").fill("Hana Harbour")
    page.get_by_label("Signatory's title").fill("Head of Assessment")
    fourth = wait_for_preview(page, third)
    assert "signatory_name=Hana+Harbour" in fourth
    owner.check_accessibility()

    # A colour too light to carry text is refused next to its field, nothing saved.
    page.locator("#primary_color").fill("#ffe066")
    owner.submit("Save the design")
    error = page.locator("#primary_color-error")
    assert "WCAG AA" in error.inner_text()
    owner.check_accessibility()  # the form with its error

    # Fixed and saved.
    page.locator("#primary_color").fill("#7a1f5c")
    page.get_by_label("Modern", exact=False).check()
    owner.submit("Save the design")
    assert page.get_by_text("Certificate design saved").is_visible()
    page.wait_for_function("document.getElementById('preview-image').naturalWidth > 0")
    assert "layout=modern" in preview_src(page)
    owner.check_accessibility()
    owner.shoot("design")

    # Badge artwork is shown before it is uploaded.
    with page.expect_navigation():
        page.get_by_role("link", name="Certifications").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Create a micro-certification").click()
    page.get_by_label("Name", exact=True).fill("Freelance Data Analyst")
    page.get_by_label("Description").fill("Cleans, explores and reports on data.")
    page.get_by_label("Criteria").fill("One accepted client project per competency.")
    page.locator("#competencies-0-name").fill("Data cleaning")
    owner.submit("Save")
    assert page.get_by_role("heading", name="Freelance Data Analyst").is_visible()
    assert page.locator("#artwork-preview").is_hidden()
    page.get_by_label("Badge artwork (PNG or SVG)").set_input_files(
        files=[{"name": "badge.svg", "mimeType": "image/svg+xml", "buffer": BADGE_SVG}]
    )
    shown = page.get_by_alt_text("The chosen artwork, before upload")
    shown.wait_for()
    assert (shown.get_attribute("src") or "").startswith("data:image/svg+xml")
    assert page.get_by_text("Not uploaded yet").is_visible()
    owner.check_accessibility()
    owner.submit("Upload the artwork")
    assert page.get_by_text("The badge artwork is saved").is_visible()

    assert owner.errors == []
    owner.context.close()
