"""Fixtures of the public verifier's web tests.

- ``foreign``: another did:key issuer (not in our database) whose status lists are served
  by a real loopback HTTP server; the app under test is built with
  MICROCRED_ALLOW_PRIVATE_FETCH so it may fetch them (as in local development).
- ``live_server``: the app behind a real WSGI server (werkzeug) in a thread on 127.0.0.1,
  for the browser tests; ``browser`` is Debian's Chromium driven by Playwright.
- ``issued``: credentials issued by our own issuer through the issuance service; ``clock``
  is the verifier's "now" (shift it to see a credential expire).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from credentials.did import did_key_from_public_key, did_key_verification_method
from credentials.keys import Ed25519SigningKey
from credentials.proofs import RDFC, add_proof
from credentials.statuslist import status_list_entry
from tests.api_fuzz import serving
from tests.credentials import factories
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    http_server_fixture,
)
from tests.verifier.web.issuing import Issued, IssuingWorld

FOREIGN_KEY = Ed25519SigningKey.from_seed(bytes(range(150, 182)))
REVOKED_INDEX = 4242
SUSPENDED_INDEX = 777


@dataclass
class ForeignIssuer:
    """A did:key training provider of some other platform; its lists are on loopback HTTP."""

    server: TestServer
    key: Ed25519SigningKey = FOREIGN_KEY

    @property
    def did(self) -> str:
        return did_key_from_public_key(self.key.public_key)

    @property
    def vm(self) -> str:
        return did_key_verification_method(self.did)

    def status_url(self, number: int) -> str:
        return self.server.url(f"/status/{number}")

    def publish(self, *, revoked: bool = False, suspended: bool = False) -> None:
        for number, purpose, bit, on in (
            (1, "revocation", REVOKED_INDEX, revoked),
            (2, "suspension", SUSPENDED_INDEX, suspended),
        ):
            document = factories.status_list(
                self.status_url(number),
                purpose=purpose,
                set_bits=(bit,) if on else (),
                key=self.key,
                issuer=self.did,
                vm=self.vm,
            )
            self.server.route(f"/status/{number}", document)

    def unsigned(self, **overrides: Any) -> dict[str, Any]:
        now = datetime.now(UTC).replace(microsecond=0)
        fields: dict[str, Any] = {
            "issuer": {"id": self.did, "type": ["Profile"], "name": "Elsewhere Bootcamp"},
            "validFrom": (now - timedelta(days=10)).isoformat().replace("+00:00", "Z"),
            "validUntil": (now + timedelta(days=365)).isoformat().replace("+00:00", "Z"),
            "credentialStatus": [
                status_list_entry(
                    list_url=self.status_url(1), index=REVOKED_INDEX, purpose="revocation"
                ),
                status_list_entry(
                    list_url=self.status_url(2), index=SUSPENDED_INDEX, purpose="suspension"
                ),
            ],
        }
        fields.update(overrides)
        return factories.credential(**fields)

    def sign(self, document: dict[str, Any], *, suite: str = RDFC) -> dict[str, Any]:
        created = datetime.now(UTC) - timedelta(days=1)
        return add_proof(
            document, self.key, verification_method=self.vm, cryptosuite=suite, created=created
        )

    def credential(self, *, suite: str = RDFC, **overrides: Any) -> dict[str, Any]:
        return self.sign(self.unsigned(**overrides), suite=suite)


@pytest.fixture
def foreign(http_server: TestServer) -> ForeignIssuer:
    issuer = ForeignIssuer(http_server)
    issuer.publish()
    return issuer


@pytest.fixture
def dev_app(make_app: Callable[..., Flask], clock: Clock) -> Flask:
    """The app as in local development: fetches may reach loopback over plain http."""
    return make_app(MICROCRED_ALLOW_PRIVATE_FETCH=True, MICROCRED_VERIFIER_CLOCK=clock)


@pytest.fixture
def dev_client(dev_app: Flask) -> FlaskClient:
    return dev_app.test_client()


# --- our own issuer, and a clock the verifier reads --------------------------------------------


class Clock:
    """The verifier's "now": the real time, shifted by ``offset`` (to see expiry happen)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(make_app: Callable[..., Flask], clock: Clock) -> Flask:
    """The app with the verifier reading ``clock`` (overrides the suite-wide fixture)."""
    return make_app(MICROCRED_VERIFIER_CLOCK=clock)


@pytest.fixture
def world(app: Flask) -> IssuingWorld:
    return IssuingWorld(app)


@pytest.fixture
def issued(world: IssuingWorld) -> Issued:
    return world.issue()


# --- a real server and a real browser --------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    with serving(app) as url:
        yield LiveServer(url, app)
