"""Helpers of the wallet-delivery tests: the app served on loopback over real HTTP, and the
Node holder (scripts/holder/holder.mjs: Digital Bazaar's vc libraries and jose, pinned,
offline) that plays the wallet."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from issuer.services import wallet
from tests.conftest import TEST_BASE_URL
from tests.issuer.factories import Factory

HOLDER_DIR = Path(__file__).resolve().parents[2] / "scripts" / "holder"
HOLDER = HOLDER_DIR / "holder.mjs"


def holder_available() -> str | None:
    """Why the holder cannot run (None: it can)."""
    if shutil.which("node") is None:
        return "node is not installed: the wallet holder (scripts/holder) cannot run"
    if not (HOLDER_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        return "scripts/holder/node_modules is missing: run `make test` (npm ci) first"
    return None


needs_holder = pytest.mark.skipif(holder_available() is not None, reason=str(holder_available()))


def holder(request: dict[str, Any]) -> dict[str, Any]:
    """One request to the Node holder; its answer (an error in it fails the test)."""
    done = subprocess.run(
        ["node", str(HOLDER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.stdout, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    assert "error" not in answer, answer["error"]
    return answer


@contextmanager
def served(app: Flask) -> Iterator[dict[str, str]]:
    """The app on a loopback port; the host map the holder fetches the public URLs with."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {TEST_BASE_URL: f"http://127.0.0.1:{server.server_port}"}
    finally:
        server.shutdown()
        thread.join(timeout=5)


def new_offer(make: Factory, credential_id: str, **options: Any) -> wallet.Offer:
    with make.transaction():
        return wallet.create_offer(credential_id, actor="test", **options)


def expired_offer(make: Factory, credential_id: str) -> wallet.Offer:
    return new_offer(make, credential_id, lifetime=timedelta(seconds=-1))


SEED_A = "11" * 32
SEED_B = "22" * 32
