"""The freelancer's "Send to wallet" (issue 14, item 3) and the wallet copies it leads to.

Sending: the owner of a credential gets a single-use offer and lands on its page; another
account, a signed-out visitor, a form without its CSRF token, a revoked, suspended or
expired credential are refused and nothing is written; offers are limited per account;
a spent offer is refused as the wallet endpoints refuse it.

Copies: a wallet copy is not a second credential of the account (it is counted under its
original), is never listed on the public profile, and follows its original's visibility
on /v/ and the share page, while the copy itself still verifies by upload.

The wallet's side is played by the service (``wallet.issue_copy``, what both protocols call
once the holder proved its DID); tests/issuer/test_wallet_delivery.py runs a real holder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from credentials.did import did_key_from_public_key
from credentials.errors import ConflictError
from issuer.models import AuditEvent, IssuedCredential, Issuer, RecipientAccount, WalletOffer
from issuer.services import credentials, privacy, recipients, wallet
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db
from tests.issuer.account.conftest import Browser, Held, claim_link, held_credential
from tests.issuer.account.test_claim_and_account import path_of
from tests.issuer.factories import Factory

HOLDER_DID = did_key_from_public_key(bytes(range(32)))


def signed_in(app: Flask, held: Held) -> Browser:
    """A browser that followed the credential's claim link (so signed in as its owner)."""
    browser = Browser(app.test_client())
    assert browser.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    return browser


def send_path(credential_id: str) -> str:
    return f"/account/credentials/{credential_id}/wallet-offer"


def offers(app: Flask) -> list[WalletOffer]:
    with app.app_context():
        found = list(db.session.scalars(select(WalletOffer)))
        db.session.expunge_all()
        return found


def send(browser: Browser, credential_id: str) -> str:
    """Press "Send to wallet": the offer's token, from the redirect to its page."""
    answer = browser.post(send_path(credential_id))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    location = answer.headers["Location"]
    assert location.startswith("/wallet/offers/")
    return location.rsplit("/", 1)[1]


@dataclass(frozen=True)
class Copy:
    id: str
    short_code: str
    document: str
    wallet_copy_of: str | None


def take_up(app: Flask, token: str) -> Copy:
    """The wallet takes the offer up: what both protocols do once the holder proved its
    DID (the DID Authentication and the proof JWT are tested with a real holder)."""
    with app.app_context(), write_transaction(db.session):
        offer = wallet.offer_by_token(token, lock=True)
        issued = wallet.issue_copy(offer, HOLDER_DID, protocol="vcapi")
        return Copy(issued.id, issued.short_code, issued.document, issued.wallet_copy_of)


def as_provider(
    app: Flask, held: Held, action: Callable[..., object], credential_id: str, **kw: object
) -> None:
    """The credential's provider revokes, suspends or reinstates it (the console's service)."""
    with app.app_context(), write_transaction(db.session):
        provider = db.session.get(Issuer, held.issuer_id)
        action(provider, credential_id, actor="test", **kw)


def test_the_owner_sends_a_credential_to_a_wallet_once(app: Flask, make: Factory) -> None:
    held = held_credential(app, make)
    owner = signed_in(app, held)
    page = owner.get("/account").get_data(as_text=True)
    assert f'action="{send_path(held.issued.id)}"' in page
    assert "Send to wallet" in page
    assert "press “Send to wallet” under it" in page  # the notice after the claim

    token = send(owner, held.issued.id)
    shown = owner.get(f"/wallet/offers/{token}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "openid-credential-offer://?credential_offer_uri=" in text
    assert "https://lcw.app/request.html?issuer=microcred.example" in text
    assert f"/wallet/offers/{token}/qr/openid.svg" in text
    assert f"/wallet/offers/{token}/qr/lcw.svg" in text
    with app.app_context():
        account_id = db.session.scalar(select(RecipientAccount.id))
        audited = db.session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "credential.wallet_offer")
        ).all()
    [offer] = offers(app)
    assert (offer.credential_id, offer.created_by) == (held.issued.id, f"account:{account_id}")
    assert audited == [f"account:{account_id}"]

    # The wallet takes it up; the offer is spent, as the wallet endpoints say.
    copy = take_up(app, token)
    assert copy.wallet_copy_of == held.issued.id
    replay = owner.client.post(f"/workflows/wallet-delivery/exchanges/{token}", json={})
    assert replay.status_code == 409
    assert replay.get_json()["error"] == "offer_used"
    used = owner.get(f"/wallet/offers/{token}")
    assert used.status_code == 409
    assert "used already" in used.get_data(as_text=True)
    # A new press makes a new offer; the copy is not a credential of its own here.
    send(owner, held.issued.id)
    assert len(offers(app)) == 2
    refused = owner.post(send_path(copy.id))
    assert refused.status_code == 404
    assert len(offers(app)) == 2


def test_other_accounts_signed_out_visitors_and_forms_without_csrf_are_refused(
    app: Flask, make: Factory
) -> None:
    amara = held_credential(app, make, "amara@example.com", handle="amara")
    bola = held_credential(app, make, "bola@example.com", handle="bola")
    other = signed_in(app, bola)
    refused = other.post(send_path(amara.issued.id))
    assert refused.status_code == 404
    assert "none of your credentials" in refused.get_data(as_text=True)
    assert other.post(send_path("0f6c7a1e-4b9b-4a53-9d0e-2a7f6c1d9b11")).status_code == 404
    anonymous = Browser(app.test_client()).post(send_path(amara.issued.id))
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/account/signin"
    owner = signed_in(app, amara)
    no_token = owner.client.post(send_path(amara.issued.id), data={})
    assert no_token.status_code == 400
    assert "security token" in no_token.get_data(as_text=True)
    assert offers(app) == []
    assert send(owner, amara.issued.id)  # the owner, with the form's token


def test_revoked_suspended_and_expired_credentials_are_refused_clearly(
    app: Flask, make: Factory
) -> None:
    held = held_credential(app, make)
    owner = signed_in(app, held)

    def change(action: Callable[..., object], **kwargs: object) -> None:
        as_provider(app, held, action, held.issued.id, **kwargs)

    def refused(word: str) -> None:
        answer = owner.post(send_path(held.issued.id))
        assert answer.status_code == 409
        text = answer.get_data(as_text=True)
        assert "This credential cannot be sent to a wallet" in text
        assert word in text
        page = owner.get("/account").get_data(as_text=True)
        assert f'action="{send_path(held.issued.id)}"' not in page  # no button
        assert "Only an active credential can be sent to a wallet." in page

    change(credentials.suspend, reason="Under review")
    refused("suspended")
    change(credentials.unsuspend, reason="Cleared")
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.id == held.issued.id)
            .values(valid_until=utcnow() - timedelta(days=1))
        )
    refused("expired")
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(IssuedCredential)
            .where(IssuedCredential.id == held.issued.id)
            .values(valid_until=utcnow() + timedelta(days=30))
        )
    change(credentials.revoke, reason="Issued in error")
    refused("revoked")
    assert offers(app) == []


def test_an_erased_credential_is_never_sent_to_a_wallet(app: Flask, make: Factory) -> None:
    """Erasure withdraws the stored copy: neither a new offer nor one made before it signs
    anything (the service refuses before reading the withdrawn document)."""
    held = held_credential(app, make)
    with app.app_context(), write_transaction(db.session):
        earlier = wallet.create_offer(held.issued.id, actor="test")
    with app.app_context():
        privacy.erase_person(held.email, actor="freelancer")
    with app.app_context():
        with (
            pytest.raises(ConflictError, match="withdrawn") as refused,
            write_transaction(db.session),
        ):
            wallet.create_offer(held.issued.id, actor="test")
        assert refused.value.code == "credential_erased"
        row = wallet.offer_by_token(earlier.token)
        with (
            pytest.raises(ConflictError, match="withdrawn") as refused,
            write_transaction(db.session),
        ):
            wallet.issue_copy(row, HOLDER_DID, protocol="vcapi")
        assert refused.value.code == "credential_erased"
        copies = select(func.count()).where(IssuedCredential.wallet_copy_of.is_not(None))
        assert db.session.scalar(copies) == 0


def test_offers_are_limited_per_account(make_app: Callable[..., Flask]) -> None:
    app = make_app(RATELIMIT_ENABLED=True, MICROCRED_ACCOUNT_WALLET_RATELIMIT="2 per hour")
    make = Factory(app)
    amara = held_credential(app, make, "amara@example.com", handle="amara")
    bola = held_credential(app, make, "bola@example.com", handle="bola")
    owner = signed_in(app, amara)
    answers = [owner.post(send_path(amara.issued.id)).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    # Another account from the same client address has its own budget.
    assert signed_in(app, bola).post(send_path(bola.issued.id)).status_code == 302
    assert len(offers(app)) == 3


def test_the_offer_page_is_in_the_reader_s_language(app: Flask, make: Factory) -> None:
    held = held_credential(app, make)
    owner = signed_in(app, held)
    token = send(owner, held.issued.id)
    owner.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-ES,es;q=0.9"
    page = owner.get(f"/wallet/offers/{token}")
    text = page.get_data(as_text=True)
    assert '<html lang="es">' in text
    assert "Enviar al monedero" in text
    assert "Código QR con la oferta de credencial OpenID4VCI" in text
    assert "Send to wallet" not in text
    assert 'hreflang="en"' in text  # the switcher
    assert "Accept-Language" in page.headers["Vary"]
    account = owner.get("/account").get_data(as_text=True)
    assert "Enviar al monedero" in account


# --- wallet copies: listed once, and as their original chose -------------------------------


def test_a_copy_is_counted_under_its_original_not_listed_beside_it(
    app: Flask, make: Factory
) -> None:
    held = held_credential(app, make)
    owner = signed_in(app, held)
    copy = take_up(app, send(owner, held.issued.id))
    page = owner.get("/account").get_data(as_text=True)
    assert page.count('class="card holding"') == 1
    assert f'id="credential-{copy.id}"' not in page
    assert "Also in your wallet (1 copy)" in page
    second = take_up(app, send(owner, held.issued.id))
    assert "Also in your wallet (2 copies)" in owner.get("/account").get_data(as_text=True)
    with app.app_context():
        account = db.session.scalar(select(RecipientAccount))
        assert account is not None
        [holding] = recipients.holdings(account)
        assert (holding.credential.id, holding.wallet_copies) == (held.issued.id, 2)
    # A copy revoked on its own is no longer counted as in the wallet.
    as_provider(app, held, credentials.revoke, second.id, reason="Lost phone")
    assert "Also in your wallet (1 copy)" in owner.get("/account").get_data(as_text=True)
    # A copy's visibility is its original's: it cannot be set on its own.
    refused = owner.post(f"/account/credentials/{copy.id}/visibility", {"visibility": "public"})
    assert refused.status_code == 404


def test_copies_follow_their_original_s_visibility_on_every_public_page(
    app: Flask, make: Factory
) -> None:
    held = held_credential(app, make)
    owner = signed_in(app, held)
    copy = take_up(app, send(owner, held.issued.id))
    public = app.test_client()
    setting = f"/account/credentials/{held.issued.id}/visibility"

    def profile() -> tuple[bool, bool]:
        text = public.get(f"/p/{held.handle}").get_data(as_text=True)
        return f"/v/{held.issued.short_code}" in text, f"/v/{copy.short_code}" in text

    def copy_pages() -> tuple[int, int, int, int]:
        return (
            public.get(f"/v/{copy.short_code}").status_code,
            public.get(f"/v/urn:uuid:{copy.id}").status_code,
            public.get(f"/credentials/{copy.id}/share").status_code,
            public.get(f"/credentials/{copy.id}.json").status_code,
        )

    # Public: the original is listed, its copy never (the same award again).
    assert profile() == (True, False)
    assert copy_pages() == (200, 200, 200, 200)
    assert owner.post(setting, {"visibility": "link"}).status_code == 302
    assert profile() == (False, False)
    assert copy_pages() == (200, 200, 200, 200)
    # Hidden: the copy's pages answer as unknown, as the original's do; its document stays
    # at its UUID URL, and the copy in the wallet still verifies.
    assert owner.post(setting, {"visibility": "hidden"}).status_code == 302
    assert profile() == (False, False)
    assert copy_pages() == (404, 404, 404, 200)
    assert public.get(f"/v/{held.issued.short_code}").status_code == 404
    uploaded = public.post("/api/v1/verify", json=json.loads(copy.document))
    assert uploaded.status_code == 200
    body = uploaded.get_json()
    assert (body["verified"], body["verdict"]) == (True, "valid"), body["summary"]
    assert owner.post(setting, {"visibility": "public"}).status_code == 302
    assert profile() == (True, False)
    assert copy_pages() == (200, 200, 200, 200)


def test_a_copy_of_a_credential_never_claimed_is_not_listed_either(
    app: Flask, make: Factory
) -> None:
    """No account, no choice (shown as public): the provider's console offer, taken up,
    still lists the original alone."""
    held = held_credential(app, make)
    with app.app_context(), write_transaction(db.session):
        token = wallet.create_offer(held.issued.id, actor="test").token
    copy = take_up(app, token)
    text = app.test_client().get(f"/p/{held.handle}").get_data(as_text=True)
    assert f"/v/{held.issued.short_code}" in text
    assert f"/v/{copy.short_code}" not in text
    assert app.test_client().get(f"/v/{copy.short_code}").status_code == 200
