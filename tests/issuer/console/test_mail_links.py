"""Password reset and invitations, end to end through a real SMTP server on loopback: the
console queues the mail, the queue delivers it, the test reads the link and follows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import update

from issuer.models import AccountToken
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL
from tests.issuer.console.conftest import (
    PASSWORD,
    Console,
    Provider,
    SmtpServer,
    app_with_mail,
    deliver,
)

NEW_PASSWORD = "a fresh and long passphrase"


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


def path_of(link: str) -> str:
    assert link.startswith(TEST_BASE_URL + "/console/")  # the configured base, not the Host
    return urlsplit(link).path


def request_reset(app: Flask, console: Console, email: str, smtp: SmtpServer) -> str:
    response = console.post("/console/password/forgot", {"email": email})
    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    assert deliver(app) == 1
    message = smtp.mailbox.messages[-1]
    assert message["To"] == email
    assert message["From"] == "console@microcred.example"
    assert message.get_body(preferencelist=("html",)) is not None
    return path_of(smtp.mailbox.link())


def test_reset_link_sets_a_new_password_once(
    app: Flask, provider: Provider, new_console: Callable[[], Console], smtp_server: SmtpServer
) -> None:
    console = new_console()
    path = request_reset(app, console, provider.owner, smtp_server)
    assert console.get(path).status_code == 200
    done = console.post(path, {"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/console/signin"
    # The owner's open session ended; the old password is gone, the new one works.
    assert provider.console.get("/console/").status_code == 302
    assert console.sign_in(provider.owner, PASSWORD).status_code == 401
    assert console.sign_in(provider.owner, NEW_PASSWORD).status_code == 302
    # Single use: the same link now fails, for showing and for sending.
    other = new_console()
    assert other.get(path).status_code == 404
    assert other.post(path, {"password": "yet another passphrase"}).status_code == 404
    assert other.sign_in(provider.owner, NEW_PASSWORD).status_code == 302


def test_reset_link_expires_after_an_hour(
    app: Flask, provider: Provider, new_console: Callable[[], Console], smtp_server: SmtpServer
) -> None:
    console = new_console()
    path = request_reset(app, console, provider.owner, smtp_server)
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = console.post(path, {"password": NEW_PASSWORD})
    assert response.status_code == 404
    assert "expired" in response.get_data(as_text=True)
    assert console.sign_in(provider.owner, PASSWORD).status_code == 302


def test_reset_also_unlocks_a_locked_account(
    app: Flask, provider: Provider, new_console: Callable[[], Console], smtp_server: SmtpServer
) -> None:
    console = new_console()
    for _ in range(5):
        console.sign_in(provider.owner, "wrong wrong wrong")
    path = request_reset(app, console, provider.owner, smtp_server)
    console.post(path, {"password": NEW_PASSWORD})
    assert console.sign_in(provider.owner, NEW_PASSWORD).status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    app: Flask, new_console: Callable[[], Console], smtp_server: SmtpServer
) -> None:
    response = new_console().post("/console/password/forgot", {"email": "nobody@nowhere.example"})
    assert response.status_code == 200
    assert "If an account uses" in response.get_data(as_text=True)
    assert deliver(app) == 0
    assert smtp_server.mailbox.messages == []


def test_invitation_mail_lets_the_teammate_join_with_the_role(
    app: Flask,
    sign_up: Callable[..., Provider],
    new_console: Callable[[], Console],
    smtp_server: SmtpServer,
) -> None:
    acme = sign_up("acme")
    sent = acme.console.post(
        "/console/team/invite", {"email": "Vera@Acme.example", "role": "viewer"}
    )
    assert sent.status_code == 302
    assert deliver(app) == 1
    assert "invites you to join Acme Training" in smtp_server.mailbox.text()
    path = path_of(smtp_server.mailbox.link())
    teammate = new_console()
    page = teammate.get(path).get_data(as_text=True)
    assert "vera@acme.example" in page
    assert "viewer" in page
    joined = teammate.post(path, {"name": "Vera Viewer", "password": PASSWORD})
    assert joined.status_code == 302
    assert teammate.sign_in("vera@acme.example").status_code == 302
    assert "vera@acme.example (viewer)" in teammate.get("/console/").get_data(as_text=True)
    assert teammate.get(path).status_code == 404  # single use
    # The viewer is refused the owner's actions.
    refused = teammate.post("/console/team/invite", {"email": "x@y.example", "role": "owner"})
    assert refused.status_code == 403


def test_an_invitation_expires(
    app: Flask,
    sign_up: Callable[..., Provider],
    new_console: Callable[[], Console],
    smtp_server: SmtpServer,
) -> None:
    acme = sign_up("acme")
    acme.console.post("/console/team/invite", {"email": "late@acme.example", "role": "issuer"})
    deliver(app)
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert new_console().get(path_of(smtp_server.mailbox.link())).status_code == 404
