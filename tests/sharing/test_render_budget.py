"""Documents under the rendering budget, through the app: a certificate too costly to draw
is refused (422), a busy pool answers 503 with Retry-After, and the process carries on."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from credentials.documents import render_pool
from credentials.documents.render_pool import RenderPool
from credentials.documents.svg_raster import rasterise_svg
from credentials.documents.svg_sanitise import sanitise_data_uri
from tests.credentials.documents.test_render_pool import sleep
from tests.issuer.factories import Factory
from tests.sharing.conftest import Issued, _issue
from tests.sharing.test_badges import ORANGE_SVG_URI, pixel

PROBLEM = "application/json"  # the problem body as JSON (the project's error shape)


def text_heavy_logo_uri(texts: int = 3900) -> str:
    """An SVG logo within every static limit of the sanitiser and the rasteriser (fewer than
    4,000 elements, no references) that WeasyPrint takes ≈ 16 s of CPU to draw into a
    certificate (measured in-process: one Pango layout per ``<text>``)."""
    text = '<text x="1" y="9" font-size="3">Lorem ipsum dolor sit amet</text>'
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">{text * texts}</svg>'
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def pool_of(app: Flask) -> RenderPool:
    pool: RenderPool = app.extensions["microcred.sharing"].documents.pool
    return pool


@pytest.fixture
def budget_app(make_app: Callable[..., Flask], tmp_path: Path) -> Callable[..., Flask]:
    def build(**settings: Any) -> Flask:
        return make_app(
            MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"),
            MICROCRED_TEMPLATE_CHECK_SECONDS=0,
            **settings,
        )

    return build


@pytest.fixture(autouse=True)
def _cpu_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other test processes share the machine's cores: give renders all the clock they
    # need, so that only their CPU time decides (what the tests below are about).
    monkeypatch.setattr(render_pool, "_WALL_FACTOR", 30.0)


def test_a_certificate_over_its_budget_is_refused_and_the_next_one_renders(
    budget_app: Callable[..., Flask],
) -> None:
    app = budget_app(MICROCRED_RENDER_SECONDS=2.0)
    client = app.test_client()
    factory = Factory(app)
    ordinary = _issue(app, factory)
    hostile = _issue(app, factory, branding={"logo_image": text_heavy_logo_uri()})
    assert sanitise_data_uri(text_heavy_logo_uri())  # nothing static refuses it
    assert client.get(ordinary.path(".pdf")).status_code == 200  # a renderer, warm
    # Apps with the same budget share one pool, so an earlier test in this process (the
    # other database's run of this one) may have replaced renderers already.
    replaced_before = pool_of(app).replaced
    started = time.monotonic()
    response = client.get(hostile.path(".pdf"))
    assert response.status_code == 422, response.data[:200]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["error"] == "render_budget_exceeded"
    assert body["description"] == (
        "the document takes more than its budget of 2 s of CPU to render"
    )
    assert time.monotonic() - started < 30  # not the 16 s of CPU it asked for, on any clock
    assert pool_of(app).replaced == replaced_before + 1
    other = _issue(app, factory)
    after = client.get(other.path(".pdf"))  # the same process, a new renderer
    assert after.status_code == 200
    assert after.data.startswith(b"%PDF-")


def test_a_tiny_budget_refuses_every_certificate_cleanly(
    budget_app: Callable[..., Flask], make_issued: Callable[..., Issued]
) -> None:
    tiny = budget_app(MICROCRED_RENDER_SECONDS=0.01)
    issued = make_issued(tiny)
    client = tiny.test_client()
    for _ in range(2):
        response = client.get(issued.path(".pdf"))
        assert response.status_code == 422
        assert response.get_json()["error"] == "render_budget_exceeded"
    assert client.get(issued.path(".json")).status_code == 200  # the worker serves on
    roomy = budget_app()
    assert roomy.test_client().get(issued.path(".pdf")).status_code == 200


def _hold_the_only_renderer(pool: RenderPool, seconds: float) -> threading.Thread:
    pool.run(sleep, 0)  # started, so the holder does not spend its time starting one
    holder = threading.Thread(target=pool.run, args=(sleep, seconds))
    holder.start()
    time.sleep(0.2)
    return holder


def test_a_busy_pool_answers_503_with_retry_after_and_caches_nothing(
    budget_app: Callable[..., Flask], make_issued: Callable[..., Issued]
) -> None:
    app = budget_app(MICROCRED_RENDER_WORKERS=1, MICROCRED_RENDER_QUEUE_SECONDS=0.3)
    issued = make_issued(app, image=ORANGE_SVG_URI)
    client = app.test_client()
    holder = _hold_the_only_renderer(pool_of(app), 3.0)
    try:
        for path in (".pdf", "/badge.png"):
            response = client.get(issued.path(path))
            assert response.status_code == 503, path
            assert response.headers["Retry-After"] == "5"
            assert response.get_json()["error"] == "render_overloaded"
    finally:
        holder.join()
    badge = client.get(issued.path("/badge.png"))
    assert badge.status_code == 200
    # The provider's orange artwork, not a default badge cached while the pool was busy.
    assert (
        pixel(badge.data, (200, 200))[:3]
        == pixel(
            rasterise_svg(base64.b64decode(ORANGE_SVG_URI.partition(",")[2]).decode(), size=400),
            (200, 200),
        )[:3]
    )
    assert client.get(issued.path(".pdf")).status_code == 200
