"""Sign-in: the lock after repeated failures, the rate limit, one message for every refusal
(an e-mail without an account reads like a wrong password), and where it leads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from issuer.models import AuditEvent, User
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from tests.issuer.console.conftest import PASSWORD, Console, Provider


def refusal_text(response: object) -> str:
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    start = page.index('role="alert"')
    return page[start : page.index("</div>", start)]


def test_five_failures_lock_the_account_for_fifteen_minutes(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    wrong = [console.sign_in(provider.owner, "not the password") for _ in range(5)]
    assert {r.status_code for r in wrong} == {401}
    locked = console.sign_in(provider.owner, PASSWORD)  # the right password, too late
    assert locked.status_code == 401
    assert "locked for 15 minutes after 5 failed attempts" in refusal_text(locked)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == provider.owner))
        assert user is not None
        assert user.locked_until is not None
        assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert actions.count("user.sign_in_failed") == 4
        assert "user.lock" in actions
        # Fifteen minutes later the right password works again.
        db.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert console.sign_in(provider.owner, PASSWORD).status_code == 302


def test_the_lock_is_configurable(
    make_app: Callable[..., Flask], sign_up: Callable[..., Provider]
) -> None:
    # (sign_up uses the default app; a second app on the same database sees its users)
    provider = sign_up("tiny")
    strict = make_app(MICROCRED_CONSOLE_LOCK_AFTER=2, MICROCRED_CONSOLE_LOCK_MINUTES=60)
    console = Console(strict.test_client())
    console.sign_in(provider.owner, "nope")
    response = console.sign_in(provider.owner, "nope again")
    assert "locked for 60 minutes after 2 failed attempts" in refusal_text(response)
    assert console.sign_in(provider.owner, PASSWORD).status_code == 401


def test_refusals_do_not_reveal_whether_an_email_has_an_account(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    unknown = console.sign_in("nobody@nowhere.example", "whatever password")
    wrong = console.sign_in(provider.owner, "whatever password")
    assert unknown.status_code == wrong.status_code == 401
    assert refusal_text(unknown) == refusal_text(wrong)
    # An unknown e-mail never locks, but it reads the same after five tries as well.
    for _ in range(5):
        again = console.sign_in("nobody@nowhere.example", "whatever password")
    assert refusal_text(again) == refusal_text(wrong)


def test_sign_in_is_rate_limited_per_address(
    make_app: Callable[..., Flask], sign_up: Callable[..., Provider]
) -> None:
    provider = sign_up("rl")
    limited = make_app(RATELIMIT_ENABLED=True, MICROCRED_CONSOLE_SIGNIN_RATELIMIT="3 per minute")
    console = Console(limited.test_client())
    codes = [console.sign_in(provider.owner, "wrong password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # Showing the form is not limited; other addresses are not affected.
    assert console.get("/console/signin").status_code == 200
    other = Console(limited.test_client())
    response = other.post(
        "/console/signin",
        {"email": provider.owner, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 302


def test_next_leads_back_to_a_console_page_only(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    first = console.get("/console/team")
    assert first.headers["Location"] == "/console/signin?next=/console/team"
    ok = console.post(
        "/console/signin?next=/console/team", {"email": provider.owner, "password": PASSWORD}
    )
    assert ok.headers["Location"] == "/console/team"
    console.sign_out()
    for target in ("https://evil.example/", "//evil.example", "/console/\\\\evil.example"):
        response = console.post(
            f"/console/signin?next={target}", {"email": provider.owner, "password": PASSWORD}
        )
        assert response.headers["Location"] == "/console/", target
        console.sign_out()


def test_a_member_removed_from_every_organisation_cannot_sign_in(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    from issuer.services.accounts import find_user

    with app.app_context():
        user = find_user(provider.members["viewer"])
        assert user is not None
        membership_id = user.memberships[0].id
    provider.console.post(f"/console/team/members/{membership_id}/remove")
    assert new_console().sign_in(provider.members["viewer"]).status_code == 401


def test_sign_up_refusals_are_shown_on_the_form(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    taken = console.post(
        "/console/signup",
        {
            "organisation": "Other",
            "slug": "acme",
            "name": "X",
            "email": "x@other.example",
            "password": PASSWORD,
        },
    )
    assert taken.status_code == 409
    assert "already exists" in taken.get_data(as_text=True)
    bad = console.post(
        "/console/signup",
        {
            "organisation": "Other",
            "slug": "Not A Slug",
            "name": "X",
            "email": "not-an-email",
            "password": PASSWORD,
        },
    )
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    short = console.post(
        "/console/signup",
        {"organisation": "Other", "name": "X", "email": "x@other.example", "password": "short"},
    )
    assert short.status_code == 422
