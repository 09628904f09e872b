"""The credential page's "Send to wallet" action: issuer and owner roles create a single-use
offer and land on its page; a viewer is refused; another provider's credential is a 404;
a revoked credential cannot be offered."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from issuer.models import WalletOffer
from issuer.services import credentials, issuers
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.console.conftest import Provider
from tests.issuer.console.test_issuing import world
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue


def issued_for(app: Flask, slug: str) -> str:
    w = world(app, slug)
    owner: Any = SimpleNamespace(slug=slug)
    return issue(Factory(app), owner, w.ready, w.certification).id


def offers(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WalletOffer)) or 0


def test_an_issuer_sends_a_credential_to_a_wallet(app: Flask, provider: Provider) -> None:
    credential = issued_for(app, provider.slug)
    page = provider.console.get(f"/console/credentials/{credential}")
    assert "Send to wallet" in page.get_data(as_text=True)
    console = provider.console
    console.sign_out()
    console.sign_in(provider.members["issuer"])
    response = console.post(f"/console/credentials/{credential}/wallet-offer")
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.startswith("/wallet/offers/")
    offer_page = console.client.get(location)
    assert offer_page.status_code == 200
    text = offer_page.get_data(as_text=True)
    assert "https://lcw.app/request.html?issuer=microcred.example" in text
    assert "openid-credential-offer://?credential_offer_uri=" in text
    assert offers(app) == 1


def test_a_viewer_other_providers_and_revoked_credentials_are_refused(
    app: Flask, provider: Provider, sign_up: Any
) -> None:
    credential = issued_for(app, provider.slug)
    other = sign_up("globex", name="Globex Learning")
    assert other.console.post(f"/console/credentials/{credential}/wallet-offer").status_code == 404
    viewer = provider.console
    viewer.sign_out()
    viewer.sign_in(provider.members["viewer"])
    assert viewer.post(f"/console/credentials/{credential}/wallet-offer").status_code == 403
    assert "Send to wallet" not in viewer.get(f"/console/credentials/{credential}").get_data(
        as_text=True
    )
    with app.app_context(), write_transaction(db.session):
        credentials.revoke(
            issuers.get_issuer(provider.slug), credential, reason="Mistake", actor="test"
        )
    viewer.sign_out()
    viewer.sign_in(provider.owner)
    refused = viewer.post(f"/console/credentials/{credential}/wallet-offer")
    assert refused.status_code == 409
    assert "revoked" in refused.get_data(as_text=True)
    assert offers(app) == 0
