"""Console sessions: stored server-side, only for /console, a new id on sign-in, gone on
sign-out, ended by idle and absolute deadlines and by a password change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from issuer.console.sessions import hash_id
from issuer.models import ConsoleSession
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from tests.issuer.console.conftest import PASSWORD, Console, Provider


def session_rows(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ConsoleSession)) or 0)


def test_cookie_attributes_over_http(new_console: Callable[[], Console]) -> None:
    response = new_console().get("/console/signin")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("microcred_console=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (local use) could not send it back
    assert "Cookie" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_cookie_over_https_is_host_prefixed_and_secure(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/console/signin", base_url="https://microcred.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-microcred_console=")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie


def test_paths_outside_the_console_set_no_cookie_and_store_nothing(
    app: Flask, provider: Provider
) -> None:
    before = session_rows(app)
    client = provider.console.client
    for path in ("/", "/verify", "/livez", "/issuers/acme/did.json", "/api/v1/me"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    assert session_rows(app) == before


def test_only_the_hash_of_the_id_is_stored(app: Flask, provider: Provider) -> None:
    raw = provider.console.cookie()
    assert raw
    assert len(raw) == 43
    with app.app_context():
        assert db.session.get(ConsoleSession, raw) is None
        assert db.session.get(ConsoleSession, hash_id(raw)) is not None


def test_sign_in_issues_a_new_id_and_the_old_one_is_dead(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    console.get("/console/signin")
    planted = console.cookie()
    assert planted
    assert console.sign_in(provider.owner).status_code == 302
    after = console.cookie()
    assert after
    assert after != planted
    assert console.get("/console/").status_code == 200
    # An attacker who planted (or read) the first id holds nothing.
    attacker = new_console()
    attacker.client.set_cookie("microcred_console", planted)
    response = attacker.get("/console/")
    assert response.status_code == 302
    assert "/console/signin" in response.headers["Location"]
    with app.app_context():
        assert db.session.get(ConsoleSession, hash_id(planted)) is None


def test_sign_out_deletes_the_session(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    raw = provider.console.cookie()
    assert raw
    response = provider.console.sign_out()
    assert response.status_code == 302
    assert "microcred_console=;" in response.headers["Set-Cookie"]  # cleared
    with app.app_context():
        assert db.session.get(ConsoleSession, hash_id(raw)) is None
    replay = new_console()
    replay.client.set_cookie("microcred_console", raw)
    assert replay.get("/console/").status_code == 302


@pytest.mark.parametrize("deadline", ["idle", "absolute"])
def test_an_expired_session_is_signed_out(app: Flask, provider: Provider, deadline: str) -> None:
    raw = provider.console.cookie()
    assert raw
    assert provider.console.get("/console/").status_code == 200
    with app.app_context():
        row = db.session.get(ConsoleSession, hash_id(raw))
        assert row is not None
        if deadline == "idle":  # last used 31 minutes ago (the limit is 30)
            values = {
                "last_seen_at": utcnow() - timedelta(minutes=31),
                "expires_at": utcnow() - timedelta(minutes=1),
            }
        else:  # begun 12 h ago: touching it now must not extend it
            values = {
                "created_at": utcnow() - timedelta(hours=12, seconds=5),
                "last_seen_at": utcnow() - timedelta(minutes=2),
            }
        db.session.execute(
            update(ConsoleSession).where(ConsoleSession.id_hash == row.id_hash).values(**values)
        )
        db.session.commit()
    if deadline == "absolute":
        # Still alive by its stored deadline; the next save recomputes it from created_at.
        provider.console.get("/console/")
    response = provider.console.get("/console/")
    assert response.status_code == 302
    assert "/console/signin" in response.headers["Location"]


def test_use_pushes_the_idle_deadline(app: Flask, provider: Provider) -> None:
    raw = provider.console.cookie()
    assert raw
    with app.app_context():
        db.session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id_hash == hash_id(raw))
            .values(
                last_seen_at=utcnow() - timedelta(minutes=20),
                expires_at=utcnow() + timedelta(minutes=10),
            )
        )
        db.session.commit()
    assert provider.console.get("/console/").status_code == 200
    with app.app_context():
        row = db.session.get(ConsoleSession, hash_id(raw))
        assert row is not None
        assert row.expires_at > utcnow() + timedelta(minutes=29)


def test_a_password_change_ends_every_session_of_the_user(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    laptop, phone = provider.console, new_console()
    assert phone.sign_in(provider.owner).status_code == 302
    response = laptop.post(
        "/console/account/password",
        {"current_password": PASSWORD, "password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert "password_changed" in response.headers["Location"]
    for device in (laptop, phone):
        assert device.get("/console/").status_code == 302
    assert phone.sign_in(provider.owner, "a brand new passphrase").status_code == 302


def test_a_removed_member_is_signed_out(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"])
    assert viewer.get("/console/").status_code == 200
    from issuer.services.accounts import find_user

    with app.app_context():
        user = find_user(provider.members["viewer"])
        assert user is not None
        membership_id = user.memberships[0].id
    removed = provider.console.post(f"/console/team/members/{membership_id}/remove")
    assert removed.status_code == 302
    assert viewer.get("/console/").status_code == 302
