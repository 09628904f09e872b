"""The issuer's tests check every API response against the served OpenAPI document
(tests/openapi_check.py): a status it does not list, or a body its schema refuses, fails
the test that received it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.openapi_check import CheckedClient


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = CheckedClient
    return app.test_client()
