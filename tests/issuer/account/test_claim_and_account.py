"""Claiming a credential by its link, the recipient account, signing in by e-mail link or
password, and the visibility of each credential on the public pages: what works, and the
refusals (malformed, unknown, expired and replayed links, a foreign credential, a missing
CSRF token) that change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from issuer.models import CredentialChoice, RecipientAccount, RecipientLink, RecipientSession
from issuer.services import events
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL
from tests.issuer.account.conftest import Browser, claim_link, held_credential
from tests.issuer.console.conftest import app_with_mail, deliver
from tests.issuer.factories import Factory
from tests.smtp import SmtpServer

PASSWORD = "a long enough passphrase"


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


@pytest.fixture
def heard() -> Iterator[list[events.Event]]:
    got: list[events.Event] = []

    def listen(event: events.Event) -> None:
        got.append(event)

    events.subscribe(listen, "credential.claimed")
    yield got
    events.unsubscribe(listen)


def path_of(url: str) -> str:
    assert url.startswith(TEST_BASE_URL + "/")
    return urlsplit(url).path


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_claim_link_is_single_use_signs_in_and_publishes_claimed_once(
    app: Flask, make: Factory, browser_client: Browser, heard: list[events.Event]
) -> None:
    held = held_credential(app, make)
    path = path_of(claim_link(app, held.issued.id))
    assert path.startswith("/claim/")
    # GET shows what is claimed and uses nothing (mail scanners prefetch links).
    for _ in range(2):
        page = browser_client.get(path)
        assert page.status_code == 200
        assert "Claim and sign in" in page.get_data(as_text=True)
    assert count(app, RecipientAccount) == 0
    before = browser_client.cookie()
    done = browser_client.post(path)
    assert done.status_code == 302
    # The account page, opened at the claimed credential's card (its "Send to wallet").
    assert done.headers["Location"] == f"/account#credential-{held.issued.id}"
    assert browser_client.cookie() not in (None, before)  # a new session id (no fixation)
    overview = browser_client.get("/account")
    assert overview.status_code == 200
    text = overview.get_data(as_text=True)
    assert "amara@example.com" in text
    assert "Certification" in text
    assert "https://www.linkedin.com/profile/add?" in text
    assert "&lt;a href=" in text  # the embed snippet, escaped in its textarea
    assert [(e.type, e.subject_id) for e in heard] == [("credential.claimed", held.issued.id)]
    # Replayed: refused, nothing changes.
    again = browser_client.post(path)
    assert again.status_code == 410
    assert "used already" in again.get_data(as_text=True)
    assert browser_client.get(path).status_code == 410
    # A second link to the same credential claims it again, but it is no new claim.
    other = Browser(app.test_client())
    assert other.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    assert len(heard) == 1
    assert count(app, RecipientAccount) == 1


def test_expired_unknown_and_malformed_claim_links_change_nothing(
    app: Flask, make: Factory, browser_client: Browser, heard: list[events.Event]
) -> None:
    held = held_credential(app, make)
    path = path_of(claim_link(app, held.issued.id))
    with app.app_context():
        db.session.execute(update(RecipientLink).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    for method in (browser_client.get, browser_client.post):
        answer = method(path)
        assert answer.status_code == 410
        assert "expired" in answer.get_data(as_text=True)
    unknown = "/claim/" + "A" * 43
    assert browser_client.post(unknown).status_code == 404
    assert "not known" in browser_client.get(unknown).get_data(as_text=True)
    for bad in ("/claim/short", "/claim/" + "A" * 42 + "!", "/claim/" + "A" * 44):
        answer = browser_client.post(bad)
        assert answer.status_code == 400, bad
        assert "malformed" in answer.get_data(as_text=True)
    assert count(app, RecipientAccount) == 0
    assert count(app, CredentialChoice) == 0
    assert browser_client.cookie() is None or browser_client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(RecipientLink.used_at)) is None
    assert heard == []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    token=st.text(min_size=1, max_size=80).filter(lambda t: "/" not in t and t not in (".", ".."))
)
def test_any_text_as_a_claim_token_is_a_clear_4xx(app: Flask, token: str) -> None:
    client = app.test_client()
    from urllib.parse import quote

    answer = client.get("/claim/" + quote(token, safe=""))
    assert answer.status_code in (400, 404), (token, answer.status_code)


def test_claim_requires_the_csrf_token(app: Flask, make: Factory, browser_client: Browser) -> None:
    held = held_credential(app, make)
    path = path_of(claim_link(app, held.issued.id))
    refused = browser_client.client.post(path, data={})
    assert refused.status_code == 400
    assert "security token" in refused.get_data(as_text=True)
    assert count(app, RecipientAccount) == 0
    assert browser_client.post(path).status_code == 302  # the link is still usable


def sign_in_by_mail(app: Flask, client: Browser, email: str, smtp: SmtpServer) -> str:
    sent = len(smtp.mailbox.messages)
    answer = client.post("/account/signin", {"email": email})
    assert answer.status_code == 200
    assert "Check your mail" in answer.get_data(as_text=True)
    deliver(app)  # the mail, and any webhook fan-out the claim queued
    assert len(smtp.mailbox.messages) == sent + 1
    assert smtp.mailbox.messages[-1]["To"] == email.lower()
    return path_of(smtp.mailbox.link())


def test_sign_in_link_by_mail_single_use_and_expiring(
    app: Flask, make: Factory, browser_client: Browser, smtp_server: SmtpServer
) -> None:
    held = held_credential(app, make)
    path = sign_in_by_mail(app, browser_client, held.email.upper(), smtp_server)
    assert browser_client.get(path).status_code == 200  # shows a button, uses nothing
    assert browser_client.post(path).status_code == 302
    assert held.issued.id in browser_client.get("/account").get_data(as_text=True)
    assert Browser(app.test_client()).post(path).status_code == 410  # replayed
    # Expired: 410, and nobody is signed in.
    late = Browser(app.test_client())
    path = sign_in_by_mail(app, late, held.email, smtp_server)
    with app.app_context():
        db.session.execute(
            update(RecipientLink)
            .where(RecipientLink.used_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert late.post(path).status_code == 410
    assert late.get("/account").status_code == 302


def test_sign_in_does_not_reveal_whether_an_address_is_known(
    app: Flask, make: Factory, browser_client: Browser, smtp_server: SmtpServer
) -> None:
    held_credential(app, make)
    before = len(smtp_server.mailbox.messages)
    known = browser_client.post("/account/signin", {"email": "amara@example.com"})
    unknown = browser_client.post("/account/signin", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200

    def body(answer: TestResponse, address: str) -> str:
        return answer.get_data(as_text=True).replace(address, "X")

    assert body(known, "amara@example.com") == body(unknown, "nobody@example.com")
    deliver(app)
    # Only the known address got a mail (the queue also carries webhook fan-outs).
    assert len(smtp_server.mailbox.messages) == before + 1
    assert smtp_server.mailbox.messages[-1]["To"] == "amara@example.com"
    bad = browser_client.post("/account/signin", {"email": "not an address"})
    assert bad.status_code == 422


def test_sign_in_links_are_rate_limited_per_address_and_per_client(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    app = make_app(
        MICROCRED_SMTP_URL=smtp_server.url,
        RATELIMIT_ENABLED=True,
        MICROCRED_ACCOUNT_LINK_RATELIMIT="2 per hour",
        MICROCRED_ACCOUNT_SIGNIN_RATELIMIT="4 per minute",
    )
    client = Browser(app.test_client())
    answers = [
        client.post("/account/signin", {"email": "x@example.com"}).status_code for _ in range(3)
    ]
    assert answers == [200, 200, 429]
    # Another address from the same client: its own budget, until the client's runs out.
    assert client.post("/account/signin", {"email": "y@example.com"}).status_code == 200
    assert client.post("/account/signin", {"email": "z@example.com"}).status_code == 429
    # The per-client limit covers password sign-in too.
    refused = client.post("/account/signin/password", {"email": "z@example.com", "password": "x"})
    assert refused.status_code == 429


def test_password_is_optional_and_signs_in(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held = held_credential(app, make)
    assert browser_client.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    short = browser_client.post("/account/password", {"password": "short"})
    assert short.status_code == 302
    assert "Not saved" in browser_client.get("/account").get_data(as_text=True)
    assert browser_client.post("/account/password", {"password": PASSWORD}).status_code == 302
    assert browser_client.post("/account/signout").status_code == 302
    assert browser_client.get("/account").status_code == 302
    fresh = Browser(app.test_client())
    wrong = fresh.post("/account/signin/password", {"email": held.email, "password": "wrong one!"})
    nobody = fresh.post(
        "/account/signin/password", {"email": "no@example.com", "password": PASSWORD}
    )
    assert wrong.status_code == nobody.status_code == 401
    assert "Sign-in failed" in wrong.get_data(as_text=True)
    right = fresh.post("/account/signin/password", {"email": held.email, "password": PASSWORD})
    assert right.status_code == 302
    assert fresh.get("/account").status_code == 200


def test_sign_out_and_expiry_end_the_session(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held = held_credential(app, make)
    browser_client.post(path_of(claim_link(app, held.issued.id)))
    stolen = browser_client.cookie()
    assert stolen
    assert browser_client.post("/account/signout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("microcred_account", stolen)
    assert replay.get("/account").status_code == 302  # the row is gone
    # Expiry: a session past its deadline is not opened.
    again = Browser(app.test_client())
    again.post(path_of(claim_link(app, held.issued.id)))
    assert again.get("/account").status_code == 200
    with app.app_context():
        db.session.execute(
            update(RecipientSession).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert again.get("/account").status_code == 302
    # The account cookie is not the console's: it opens no console page.
    assert again.client.get_cookie("microcred_console") is None


def test_a_foreign_account_cannot_change_another_s_visibility(app: Flask, make: Factory) -> None:
    amara = held_credential(app, make, "amara@example.com", handle="amara")
    bola = held_credential(app, make, "bola@example.com", handle="bola")
    client = Browser(app.test_client())
    client.post(path_of(claim_link(app, bola.issued.id)))
    refused = client.post(
        f"/account/credentials/{amara.issued.id}/visibility", {"visibility": "hidden"}
    )
    assert refused.status_code == 404
    with app.app_context():
        assert db.session.get(CredentialChoice, amara.issued.id) is None
    assert amara.issued.id not in client.get("/account").get_data(as_text=True)
    bad = client.post(f"/account/credentials/{bola.issued.id}/visibility", {"visibility": "all"})
    assert bad.status_code == 400
    # Signed out: sent to sign in, nothing changed.
    anonymous = Browser(app.test_client())
    answer = anonymous.post(
        f"/account/credentials/{bola.issued.id}/visibility", {"visibility": "hidden"}
    )
    assert answer.status_code == 302
    with app.app_context():
        choice = db.session.get(CredentialChoice, bola.issued.id)
        assert choice is not None
        assert choice.visibility == "public"


def test_visibility_on_the_profile_the_verify_page_and_the_share_page(
    app: Flask, make: Factory, client: object
) -> None:
    held = held_credential(app, make)
    public = app.test_client()
    owner = Browser(app.test_client())
    owner.post(path_of(claim_link(app, held.issued.id)))
    setting = f"/account/credentials/{held.issued.id}/visibility"
    code = held.issued.short_code

    def shown() -> tuple[bool, int, int, int]:
        listed = f"/v/{code}" in public.get(f"/p/{held.handle}").get_data(as_text=True)
        return (
            listed,
            public.get(f"/v/{code}").status_code,
            public.get(f"/credentials/{held.issued.id}/share").status_code,
            public.get(f"/credentials/{held.issued.id}.json").status_code,
        )

    assert shown() == (True, 200, 200, 200)
    assert owner.post(setting, {"visibility": "link"}).status_code == 302
    assert shown() == (False, 200, 200, 200)
    assert owner.post(setting, {"visibility": "hidden"}).status_code == 302
    assert shown() == (False, 404, 404, 200)  # the holder's documents stay downloadable
    # Hidden is not revoked: the holder's copy, uploaded, still verifies.
    uploaded = public.post("/api/v1/verify", json=json.loads(held.issued.document))
    assert uploaded.status_code == 200
    body = uploaded.get_json()
    assert (body["verified"], body["verdict"]) == (True, "valid"), body["summary"]
    assert owner.post(setting, {"visibility": "public"}).status_code == 302
    assert shown() == (True, 200, 200, 200)


def test_the_account_lists_credentials_from_every_provider(app: Flask, make: Factory) -> None:
    first = held_credential(app, make, "amara@example.com", handle="amara")
    second = held_credential(app, make, "amara@example.com", handle="amara-two")
    held_credential(app, make, "someone@example.com", handle="someone")
    client = Browser(app.test_client())
    client.post(path_of(claim_link(app, first.issued.id)))
    page = client.get("/account").get_data(as_text=True)
    assert first.issued.id in page
    assert second.issued.id in page
    assert page.count('class="card holding"') == 2
    # Made public explicitly, the other provider's credential joins the first profile.
    assert f"/v/{second.issued.short_code}" not in app.test_client().get("/p/amara").get_data(
        as_text=True
    )
    client.post(f"/account/credentials/{second.issued.id}/visibility", {"visibility": "public"})
    profile = app.test_client().get("/p/amara").get_data(as_text=True)
    assert f"/v/{second.issued.short_code}" in profile


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(max_size=300))
def test_any_text_as_an_address_is_answered_without_error(app: Flask, typed: str) -> None:
    client = Browser(app.test_client())
    answer = client.post("/account/signin", {"email": typed})
    assert answer.status_code in (200, 422), (typed, answer.status_code)
    answer = client.post("/account/signin/password", {"email": typed, "password": "x" * 12})
    assert answer.status_code in (401, 422), (typed, answer.status_code)


def test_account_pages_carry_the_app_s_headers(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held = held_credential(app, make)
    claim = path_of(claim_link(app, held.issued.id))
    pages = [browser_client.get("/account/signin"), browser_client.get(claim)]
    browser_client.post(claim)
    pages.append(browser_client.get("/account"))
    pages.append(browser_client.get("/claim/" + "B" * 43))  # a refusal page too
    for answer in pages:
        headers = answer.headers
        assert "script-src" not in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in headers["Cache-Control"]
        assert "Cookie" in headers["Vary"]
    cookie = browser_client.client.get_cookie("microcred_account")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_erasing_the_person_takes_the_account_its_sessions_links_and_choices(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    from issuer.services import privacy

    held = held_credential(app, make)
    assert browser_client.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    claim_link(app, held.issued.id)  # a second, unused link
    assert count(app, RecipientAccount) == count(app, RecipientSession) == 1
    with app.app_context():
        exported = privacy.export_person(held.email)["other"]["recipient account"]
    assert exported["email"] == held.email
    assert exported["hasPassword"] is False
    assert [c["credential"] for c in exported["choices"]] == [held.issued.id]

    with app.app_context():
        privacy.erase_person(held.email, actor="freelancer")

    for model in (RecipientAccount, RecipientSession, RecipientLink, CredentialChoice):
        assert count(app, model) == 0, model
    assert browser_client.get("/account").status_code in (302, 303)  # signed out for good
