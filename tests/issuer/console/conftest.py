"""Fixtures of the console tests: a client that sends each form with its CSRF token, a
provider signed up through the console, teammates of each role, and a real SMTP server on
loopback (aiosmtpd) whose received messages the tests read."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from issuer.models import Issuer
from issuer.services import passwords, teams
from issuer.services.accounts import find_user
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.smtp import SmtpServer, smtp_server  # noqa: F401 - a fixture of these tests

PASSWORD = "correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
#: The cheapest valid Argon2id: the real parameters are argon2-cffi's defaults, checked in
#: test_passwords.py; every sign-in here would otherwise cost ~50 ms.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _fast_passwords() -> Iterator[None]:
    with mock.patch.object(passwords, "HASHER", FAST_HASHER):
        yield


class Console:
    """A browser-like client of /console: keeps its cookie, reads the CSRF token of the
    page it last saw (or of a page fetched for it) and sends it with every POST."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        response = self.client.get(path, **kwargs)
        if response.mimetype in ("image/png", "application/pdf"):  # certificate design previews
            return response
        found = CSRF_FIELD.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def fresh_token(self) -> str:
        self.get("/console/password/forgot")  # public, never redirects, has a form
        assert self.token
        return self.token

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> TestResponse:
        form = {"csrf_token": self.fresh_token(), **(data or {})}
        return self.client.post(path, data=form, **kwargs)

    def post_raw(self, path: str, data: dict[str, str], **kwargs: Any) -> TestResponse:
        return self.client.post(path, data=data, **kwargs)

    def cookie(self) -> str | None:
        found = self.client.get_cookie("microcred_console")
        return found.value if found else None

    def sign_in(self, email_address: str, password: str = PASSWORD) -> TestResponse:
        return self.post("/console/signin", {"email": email_address, "password": password})

    def sign_out(self) -> TestResponse:
        return self.post("/console/signout")


@dataclass
class Provider:
    slug: str
    name: str
    owner: str
    console: Console
    members: dict[str, str] = field(default_factory=dict)  # role -> e-mail


@pytest.fixture
def new_console(app: Flask) -> Callable[[], Console]:
    return lambda: Console(app.test_client())


@pytest.fixture
def sign_up(app: Flask, new_console: Callable[[], Console]) -> Callable[..., Provider]:
    """Sign a provider up through the console; its owner stays signed in."""

    def make(slug: str = "acme", *, name: str = "Acme Training") -> Provider:
        console = new_console()
        owner = f"owner@{slug}.example"
        response = console.post(
            "/console/signup",
            {
                "organisation": name,
                "slug": slug,
                "name": "Olive Owner",
                "email": owner,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return Provider(slug, name, owner, console)

    return make


def add_member(app: Flask, provider: Provider, role: str) -> str:
    """A teammate of ``role`` (invited and joined through the services); their e-mail."""
    address = f"{role}@{provider.slug}.example"
    with app.app_context():
        with write_transaction(db.session):
            owner = find_user(provider.owner)
            assert owner is not None
            issuer = db.session.get(Issuer, owner.memberships[0].issuer_id)
            assert issuer is not None
            token = teams.invite(issuer, address, role, by=owner)
        with write_transaction(db.session):
            teams.accept(token, name=f"{role.title()} Member", password=PASSWORD)
    provider.members[role] = address
    return address


@pytest.fixture
def provider(sign_up: Callable[..., Provider], app: Flask) -> Provider:
    """Acme with an owner (signed in on ``provider.console``), an issuer and a viewer."""
    acme = sign_up("acme")
    add_member(app, acme, "issuer")
    add_member(app, acme, "viewer")
    return acme


# --- mail ------------------------------------------------------------------------------------


def app_with_mail(make_app: Callable[..., Flask], server: SmtpServer) -> Flask:
    """An app that mails through ``server`` (a test module's ``app`` fixture)."""
    return make_app(MICROCRED_SMTP_URL=server.url, MICROCRED_MAIL_FROM="console@microcred.example")


def deliver(app: Flask) -> int:
    """Run the queued mail tasks now (the tests' queue is in memory, with no worker)."""
    return task_queue(app).run_pending()
