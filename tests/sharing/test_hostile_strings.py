"""User-supplied strings with markup, quotes, right-to-left text, emoji and absurd lengths,
in every document: the PDF, the SVG badge, and the pages in a real browser.

Rendered pages are written to ``SHARING_SCREENSHOTS`` (when set) so that a person can look
at them; the assertions check what a look would: one page, text shown as text, nothing
executed, nothing wider than the screen.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from credentials.documents.baking import extract_svg
from tests.api_fuzz import serving
from tests.credentials.documents.documents_helpers import decode_qr, parse_own_xml, pdf_page_images
from tests.sharing.conftest import (
    HOSTILE_CERTIFICATION,
    HOSTILE_ISSUER,
    HOSTILE_PROJECT,
    HOSTILE_RECIPIENT,
    Issued,
)


def keep(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write a rendering where a person can look at it."""
    folder = Path(os.environ.get("SHARING_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def hostile(issue: Callable[..., Issued]) -> Issued:
    return issue(
        recipient=HOSTILE_RECIPIENT,
        certification=HOSTILE_CERTIFICATION,
        issuer_name=HOSTILE_ISSUER,
        project_title=HOSTILE_PROJECT,
        handle="hostile",
        profile_public=True,
    )


def test_hostile_pdf_keeps_its_layout_and_shows_markup_as_text(
    client: FlaskClient, hostile: Issued, tmp_path: Path
) -> None:
    pdf = client.get(hostile.path(".pdf")).data
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "<script>alert('recipient')</script>" in text  # drawn as text, not interpreted
    assert "<img src=x onerror=alert(1)>" in text
    assert "أمارا" in text or "ارامأ" in text  # Arabic survives (extraction order may flip)
    assert "…" in text  # the very long names were shortened to fit
    [page] = pdf_page_images(pdf, dpi=150)
    keep(tmp_path, "hostile-certificate.png", _png(page))
    assert decode_qr(page) == [hostile.verify_url]
    # The embedded credential is still the stored one, byte for byte.
    assert reader.attachments["credential.json"] == [hostile.document.encode()]


def _png(image: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_hostile_badge_svg_is_well_formed_with_names_as_text(
    client: FlaskClient, hostile: Issued
) -> None:
    svg = client.get(hostile.path("/badge.svg")).data.decode()
    root = parse_own_xml(svg)  # well-formed XML: nothing broke out of an attribute
    tags = {element.tag.split("}")[-1] for element in root.iter()}
    assert "script" not in tags
    assert "img" not in tags
    assert "foreignObject" not in tags
    assert extract_svg(svg) == hostile.document


# --- real browser -----------------------------------------------------------------------------


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


@dataclass(frozen=True)
class PageFacts:
    """What a look at the rendered page shows."""

    status: int
    screenshot: bytes
    events: list[str]
    scripts: int
    injected_images: int
    scroll_width: int
    heading: str
    loaded_images: int
    snippet: str | None


def inspect(url: str, width: int) -> Callable[[Any], PageFacts]:
    def work(browser: Any) -> PageFacts:
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            events: list[str] = []
            page.on("dialog", lambda d: (events.append(f"dialog: {d.message}"), d.dismiss()))
            page.on("pageerror", lambda error: events.append(f"error: {error}"))
            # Only our own server: the page must not need (or reach) anything else.
            origin = url.rsplit(":", 1)[0]
            page.route(
                lambda target: not target.startswith(origin),
                lambda route: (events.append(f"external: {route.request.url}"), route.abort()),
            )
            response = page.goto(url)
            page.wait_for_load_state("networkidle")
            textarea = page.locator("textarea")
            return PageFacts(
                status=response.status if response is not None else 0,
                screenshot=page.screenshot(full_page=True),
                events=events,
                scripts=page.evaluate("document.scripts.length"),
                injected_images=page.evaluate("document.querySelectorAll('img[src=\"x\"]').length"),
                scroll_width=page.evaluate("document.documentElement.scrollWidth"),
                heading=page.locator("h1").inner_text(),
                loaded_images=page.evaluate(
                    "[...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
                ),
                snippet=textarea.input_value() if textarea.count() else None,
            )
        finally:
            context.close()

    return work


@pytest.mark.browser
@pytest.mark.parametrize(
    "view",
    [("profile", 390), ("profile", 1280), ("share", 390), ("share", 1280)],
    ids=["profile-phone", "profile-desktop", "share-phone", "share-desktop"],
)
def test_hostile_pages_in_chromium(
    browser: Any, live_url: str, hostile: Issued, tmp_path: Path, view: tuple[str, int]
) -> None:
    which, width = view
    path = "/p/hostile" if which == "profile" else hostile.path("/share")
    facts = inspect(live_url + path, width)(browser)
    keep(tmp_path, f"hostile-{which}-{width}.png", facts.screenshot)
    assert facts.status == 200
    assert facts.events == []  # no alert, no script error, nothing fetched elsewhere
    assert facts.scripts == 0
    assert facts.injected_images == 0
    assert facts.scroll_width <= width  # nothing wider than the screen
    expected = HOSTILE_RECIPIENT if which == "profile" else HOSTILE_CERTIFICATION
    assert facts.heading.split()[:3] == expected.split()[:3]  # shown verbatim, as text
    assert facts.loaded_images >= 1  # the baked badge, from our own server
    if which == "share":
        assert facts.snippet is not None
        assert facts.snippet.startswith('<a href="https://microcred.example/v/')
        assert "<script" not in facts.snippet
