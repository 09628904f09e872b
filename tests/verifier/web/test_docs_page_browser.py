"""The API reference under its Content-Security-Policy in real headless Chromium: the
inline stylesheet applies because it carries the request's nonce, and the browser reports
no policy violation (an inline style without the nonce would be refused)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier.web.conftest import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

#: ``.method.GET { background: #1f6feb; }`` in templates/api_docs.html's inline <style>.
GET_BADGE_BACKGROUND = "rgb(31, 111, 235)"


def test_api_reference_styles_apply_under_the_policy(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        response = page.goto(live_server.url + "/api/v1/docs")
        assert response is not None
        assert response.status == 200
        assert "nonce-" in response.headers["content-security-policy"]
        background = page.evaluate(
            "getComputedStyle(document.querySelector('.method.GET')).backgroundColor"
        )
        # The same markup with a style the policy does not allow: refused by the browser.
        page.evaluate(
            """() => { const s = document.createElement('style');
                       s.textContent = '.method.GET { background: rgb(1, 2, 3) !important; }';
                       document.head.appendChild(s); }"""
        )
        after = page.evaluate(
            "getComputedStyle(document.querySelector('.method.GET')).backgroundColor"
        )
    finally:
        context.close()

    assert background == GET_BADGE_BACKGROUND
    assert after == GET_BADGE_BACKGROUND, "an inline style without the nonce applied"
    assert any("Content Security Policy" in error for error in errors), errors
