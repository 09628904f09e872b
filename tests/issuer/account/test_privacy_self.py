"""The freelancer's own privacy pages (issue 14, item 5): "Export my data" (a JSON file of
everything every provider holds about the signed-in address) and "Erase my account" (a
confirmation page, the address typed out, a recent sign-in; then every provider's
records, the account and the cached documents go, the session ends and every provider is
told by mail). The refusals change nothing: no CSRF token, no or a wrong confirmation, a
sign-in too old, signed out, too many requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from issuer.models import AuditEvent, Freelancer, Issuer, RecipientSession
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db
from sharing.state import EXTENSION_KEY as SHARING_KEY
from tests.issuer.account.conftest import Browser, Held, claim_link, held_credential
from tests.issuer.account.test_claim_and_account import path_of
from tests.issuer.console.conftest import app_with_mail, deliver
from tests.issuer.factories import Factory
from tests.issuer.test_privacy import rows_naming
from tests.smtp import SmtpServer

EMAIL = "amara@example.com"
BYSTANDER = "bola@example.com"
ERASED_SUBJECT = "A freelancer's data was erased"


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


def two_providers_and_a_bystander(app: Flask, make: Factory) -> tuple[Held, Held, Held]:
    """Amara holds a credential at two providers (each with a contact address to tell);
    Bola, at the first provider, is someone else."""
    first = held_credential(app, make, EMAIL, handle="amara")
    second = held_credential(app, make, EMAIL, handle="amara-two")
    bystander = held_credential(app, make, BYSTANDER, handle="bola")
    with app.app_context(), write_transaction(db.session):
        for held in (first, second, bystander):
            db.session.execute(
                update(Issuer)
                .where(Issuer.id == held.issuer_id)
                .values(email=f"office-{held.issuer_id}@provider.example")
            )
    return first, second, bystander


def signed_in(app: Flask, held: Held) -> Browser:
    browser = Browser(app.test_client())
    assert browser.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    return browser


def freelancers_of(app: Flask, email: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Freelancer.id).where(Freelancer.email == email)))


def test_export_downloads_every_provider_s_data_and_nobody_else_s(
    app: Flask, make: Factory
) -> None:
    first, second, bystander = two_providers_and_a_bystander(app, make)
    browser = signed_in(app, first)
    answer = browser.get("/account/export")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="microcred-personal-data-')
    assert "no-store" in answer.headers["Cache-Control"]
    data = json.loads(answer.get_data(as_text=True))
    assert data["format"] == "microcred-personal-data/1"
    assert data["email"] == EMAIL
    assert sorted(p["freelancer"]["id"] for p in data["providers"]) == sorted(
        [first.freelancer_id, second.freelancer_id]
    )
    credentials = {c["id"] for p in data["providers"] for c in p["credentials"]}
    assert credentials == {first.issued.id, second.issued.id}
    assert data["other"]["recipient account"]["email"] == EMAIL
    text = answer.get_data(as_text=True)
    for foreign in (BYSTANDER, bystander.freelancer_id, bystander.issued.id, "bola"):
        assert foreign not in text


def test_signed_out_is_sent_to_sign_in_and_changes_nothing(app: Flask, make: Factory) -> None:
    _first, _, _ = two_providers_and_a_bystander(app, make)
    stranger = Browser(app.test_client())
    for answer in (
        stranger.get("/account/export"),
        stranger.get("/account/erase"),
        stranger.post("/account/erase", {"email": EMAIL}),
    ):
        assert answer.status_code == 302
        assert answer.headers["Location"].endswith("/account/signin")
    assert len(freelancers_of(app, EMAIL)) == 2


def test_erase_without_csrf_or_confirmation_changes_nothing(app: Flask, make: Factory) -> None:
    first, _, _ = two_providers_and_a_bystander(app, make)
    browser = signed_in(app, first)
    page = browser.get("/account/erase")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for words in ("cannot be undone", "still verify", "gets a mail", "Type your e-mail address"):
        assert words in text, words
    no_token = browser.client.post("/account/erase", data={"email": EMAIL})
    assert no_token.status_code == 400
    assert "security token" in no_token.get_data(as_text=True)
    for typed in ("", BYSTANDER, "amara@example"):
        refused = browser.post("/account/erase", {"email": typed})
        assert refused.status_code == 422, typed
        assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert len(freelancers_of(app, EMAIL)) == 2
    assert browser.get("/account").status_code == 200  # still signed in


def test_an_old_sign_in_must_be_renewed_before_erasing(
    app: Flask, make: Factory, smtp_server: SmtpServer
) -> None:
    first, _, _ = two_providers_and_a_bystander(app, make)
    browser = signed_in(app, first)
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(RecipientSession).values(created_at=utcnow() - timedelta(minutes=16))
        )
    page = browser.get("/account/erase")
    assert "Sign in again first" in page.get_data(as_text=True)
    assert browser.post("/account/erase", {"email": EMAIL}).status_code == 403
    assert len(freelancers_of(app, EMAIL)) == 2
    # The page's button sends a sign-in link to the address; signing in with it renews.
    sent = browser.post("/account/signin", {"email": EMAIL})
    assert "Check your mail" in sent.get_data(as_text=True)
    deliver(app)
    assert browser.post(path_of(smtp_server.mailbox.link())).status_code == 302
    assert browser.post("/account/erase", {"email": EMAIL}).status_code == 302
    assert freelancers_of(app, EMAIL) == []


def test_erase_removes_the_person_everywhere_signs_out_and_tells_the_providers(
    app: Flask, make: Factory, smtp_server: SmtpServer
) -> None:
    first, second, bystander = two_providers_and_a_bystander(app, make)
    browser = signed_in(app, first)
    # The documents are rendered, so the real cache folder holds the person's PDF and badge
    # (the ETag is the cache key: the file is <root>/<key[:2]>/<key>.<ext>).
    root = Path(app.extensions[SHARING_KEY].cache.root)
    files: dict[str, list[Path]] = {}
    for held in (first, second, bystander):
        for path, ext in ((".pdf", "pdf"), ("/badge.png", "png")):
            got = browser.get(f"/credentials/{held.issued.id}{path}")
            assert got.status_code == 200
            key = (got.headers["ETag"] or "").strip('W/"')
            files.setdefault(held.issued.id, []).append(root / key[:2] / f"{key}.{ext}")
    assert all(f.is_file() for found in files.values() for f in found), files
    assert rows_naming(app, EMAIL, "amara-two") != []
    before = len(smtp_server.mailbox.messages)

    answer = browser.post("/account/erase", {"email": f"  {EMAIL.upper()} "})
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/account/erased")
    assert not browser.cookie()  # the session's cookie is deleted
    done = browser.get("/account/erased")
    assert done.status_code == 200
    assert "every training provider that held it has been told" in done.get_data(as_text=True)

    # No row names the address or the profile handles; the bystander keeps everything.
    assert rows_naming(app, EMAIL, "amara-two", '"amara"') == []
    assert freelancers_of(app, BYSTANDER) == [bystander.freelancer_id]
    # Signed out; the public pages are gone (410: the issuer holds no copy any more).
    assert browser.get("/account").status_code == 302
    for held in (first, second):
        assert browser.get(f"/v/{held.issued.short_code}").status_code == 410
        for path in (".json", ".pdf", "/badge.png"):
            assert browser.get(f"/credentials/{held.issued.id}{path}").status_code == 404
    assert browser.get("/p/amara").status_code == 404
    assert browser.get(f"/v/{bystander.issued.short_code}").status_code == 200
    # The cached PDFs and badges of the erased credentials are deleted, the bystander's stay.
    for held in (first, second):
        assert not any(f.exists() for f in files[held.issued.id]), held
    assert all(f.is_file() for f in files[bystander.issued.id])
    # Audited under the account's id, never the address.
    with app.app_context():
        actors = set(
            db.session.scalars(
                select(AuditEvent.actor).where(AuditEvent.action == "freelancer.erase")
            )
        )
    assert len(actors) == 1
    assert actors.pop().startswith("account:")
    # Each provider is told, by a mail that names neither the person nor the address.
    deliver(app)
    told = [m for m in smtp_server.mailbox.messages[before:] if m["Subject"] == ERASED_SUBJECT]
    assert sorted(m["To"] for m in told) == sorted(
        f"office-{held.issuer_id}@provider.example" for held in (first, second)
    )
    for message in told:
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert EMAIL not in body
        assert "amara" not in body.lower()
    # A replayed erase (the old cookie, a fresh token) erases nothing more: signed out.
    assert browser.post("/account/erase", {"email": EMAIL}).status_code == 302


def test_export_and_erase_are_rate_limited(
    make_app: Callable[..., Flask], smtp_server: SmtpServer
) -> None:
    app = make_app(
        MICROCRED_SMTP_URL=smtp_server.url,
        RATELIMIT_ENABLED=True,
        MICROCRED_ACCOUNT_PRIVACY_RATELIMIT="2 per hour",
    )
    held = held_credential(app, Factory(app), EMAIL, handle="amara")
    browser = signed_in(app, held)
    assert [browser.get("/account/export").status_code for _ in range(3)] == [200, 200, 429]
    answers = [browser.post("/account/erase", {"email": BYSTANDER}).status_code for _ in range(3)]
    assert answers == [422, 422, 429]
    assert browser.get("/account/erase").status_code == 200  # showing the page is free
    assert len(freelancers_of(app, EMAIL)) == 1
