"""``issuer.services.recipients`` on its own (no HTTP): links are single use, expire, are
bound to their purpose, and a refused use changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from credentials.errors import InvalidInputError, NotFoundError
from issuer.models import CredentialChoice, RecipientAccount, RecipientLink
from issuer.services import recipients
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db
from tests.issuer.account.conftest import held_credential
from tests.issuer.factories import Factory


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_a_claim_token_works_once(app: Flask, make: Factory) -> None:
    held = held_credential(app, make)
    with app.app_context():
        with write_transaction(db.session):
            token = token_of(recipients.create_claim_link(held.issued.id, base_url="https://x"))
        with write_transaction(db.session):
            claimed = recipients.claim(token)
            assert claimed.first
            assert claimed.account.email == held.email
        with (
            pytest.raises(recipients.LinkGoneError, match="used already"),
            write_transaction(db.session),
        ):
            recipients.claim(token)
        assert db.session.scalar(select(func.count()).select_from(RecipientAccount)) == 1


def test_an_expired_token_is_refused_and_nothing_changes(app: Flask, make: Factory) -> None:
    held = held_credential(app, make)
    with app.app_context():
        with write_transaction(db.session):
            token = token_of(recipients.create_claim_link(held.issued.id, base_url="https://x"))
            db.session.execute(update(RecipientLink).values(expires_at=utcnow() - timedelta(1)))
        with (
            pytest.raises(recipients.LinkGoneError, match="expired"),
            write_transaction(db.session),
        ):
            recipients.claim(token)
        assert db.session.scalar(select(RecipientLink.used_at)) is None
        assert db.session.scalar(select(func.count()).select_from(CredentialChoice)) == 0


def test_a_token_is_bound_to_its_purpose(app: Flask, make: Factory) -> None:
    """A foreign token (a sign-in link at the claim, a claim link at sign-in) is unknown."""
    held = held_credential(app, make)
    with app.app_context():
        with write_transaction(db.session):
            claim_token = token_of(
                recipients.create_claim_link(held.issued.id, base_url="https://x")
            )
            made = recipients.request_signin(held.email)
            assert made is not None
            signin_token = made[1]
        with pytest.raises(NotFoundError), write_transaction(db.session):
            recipients.claim(signin_token)
        with pytest.raises(NotFoundError), write_transaction(db.session):
            recipients.sign_in_with_link(claim_token)
        # Both still work for what they were made for.
        with write_transaction(db.session):
            recipients.claim(claim_token)
            recipients.sign_in_with_link(signin_token)


def test_sign_in_links_only_for_known_addresses_and_well_formed_ones(
    app: Flask, make: Factory
) -> None:
    held_credential(app, make)
    with app.app_context(), write_transaction(db.session):
        assert recipients.request_signin("nobody@example.com") is None
        assert recipients.request_signin(" AMARA@example.com ") is not None
        with pytest.raises(InvalidInputError):
            recipients.request_signin("not an address")
        with pytest.raises(InvalidInputError, match="malformed"):
            recipients.sign_in_with_link("too-short")


def test_a_credential_of_the_vc_api_has_no_claim_link(app: Flask) -> None:
    with app.app_context(), pytest.raises(NotFoundError):
        recipients.create_claim_link("00000000-0000-4000-8000-000000000000", base_url="https://x")
