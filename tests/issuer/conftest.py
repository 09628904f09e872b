"""The issuer's tests check every API response against the served OpenAPI document
(tests/openapi_check.py): a status it does not list, or a body its schema refuses, fails
the test that received it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.issuer.webhook_receiver import Receiver, serve
from tests.openapi_check import CheckedClient


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckedClient
    return app.test_client()


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    """A real HTTPS webhook receiver on loopback, its TLS material in the test's folder
    (tests/issuer/webhook_receiver.py)."""
    directory = tmp_path / "receiver-tls"
    directory.mkdir()
    yield from serve(directory)
