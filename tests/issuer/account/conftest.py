"""Fixtures of the freelancer-side tests: a browser-like client of /claim and /account that
sends each form with its CSRF token, and credentials held by one e-mail address."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from werkzeug.test import TestResponse

from issuer.account.interfaces import CLAIM_LINKS_KEY
from issuer.models import Freelancer
from issuer.services import passwords
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.console.conftest import FAST_HASHER
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import Issued, issue, ready
from tests.smtp import SmtpServer, smtp_server  # noqa: F401 - a fixture of these tests

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "microcred_account"


@pytest.fixture(autouse=True)
def _fast_passwords() -> Iterator[None]:
    with mock.patch.object(passwords, "HASHER", FAST_HASHER):
        yield


class Browser:
    """One person's client: keeps its cookie, sends the CSRF token of a fresh form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.client.get(path, **kwargs)

    def token(self) -> str:
        page = self.client.get("/account/signin", follow_redirects=True)
        found = CSRF_FIELD.search(page.get_data(as_text=True))
        assert found
        return found.group(1)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        return self.client.post(path, data={"csrf_token": self.token(), **(data or {})}, **kwargs)

    def cookie(self) -> str | None:
        found = self.client.get_cookie(COOKIE)
        return found.value if found else None


@pytest.fixture
def browser_client(app: Flask) -> Browser:
    return Browser(app.test_client())


@dataclass(frozen=True)
class Held:
    issued: Issued
    email: str
    handle: str
    freelancer_id: str
    issuer_id: int


def held_credential(
    app: Flask, make: Factory, email: str = "amara@example.com", *, handle: str = "amara"
) -> Held:
    """A credential issued to ``email``, whose freelancer has the public profile ``handle``."""
    base = ready(make)
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(Freelancer)
            .where(Freelancer.id == base.freelancer_id)
            .values(email=email, handle=handle, profile_public=True)
        )
    issued = issue(make, base.provider, base.freelancer_id, base.certification.id)
    # The credential's own mail (issue 14, item 1) goes now, so that a test counts only
    # the mail it causes itself.
    task_queue(app).run_pending()
    return Held(issued, email, handle, base.freelancer_id, base.provider.id)


def claim_link(app: Flask, credential_id: str) -> str:
    """What the mail helper does: ``app.extensions["microcred.claim_links"]``, committed."""
    with app.app_context(), write_transaction(db.session):
        url: str = app.extensions[CLAIM_LINKS_KEY](credential_id)
    return url
