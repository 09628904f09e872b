"""The hourly sweep (issuer.services.housekeeping): single-use links and unused wallet
offers go a week after they expired, sessions and nonces as soon as they expire; what is a
record (a used offer, a live link) stays. Run as the queue's worker runs it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select

from issuer.models import (
    AccountToken,
    ConsoleSession,
    RecipientAccount,
    RecipientLink,
    RecipientSession,
    WalletNonce,
    WalletOffer,
)
from issuer.services import housekeeping
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue, ready

NOW = datetime.now(UTC).replace(microsecond=0)
LONG_AGO = NOW - housekeeping.GRACE - timedelta(hours=1)  # expired more than a week ago
LATELY = NOW - timedelta(days=1)  # expired, within the week's grace
LATER = NOW + timedelta(days=1)  # still usable


def _hash() -> str:
    return hashlib.sha256(secrets.token_bytes(16)).hexdigest()


def _seed(app: Flask, credential_id: str, issuer_id: int) -> None:
    with app.app_context(), write_transaction(db.session):
        account = RecipientAccount(email="amara@example.com")
        db.session.add(account)
        db.session.flush()
        for when in (LONG_AGO, LATELY, LATER):
            db.session.add(
                RecipientLink(
                    token_hash=_hash(), purpose="signin", email="amara@example.com", expires_at=when
                )
            )
            db.session.add(
                AccountToken(
                    token_hash=_hash(), purpose="invite", email="li@example.com", expires_at=when
                )
            )
            db.session.add(WalletNonce(nonce_hash=_hash(), expires_at=when))
            db.session.add(
                RecipientSession(id_hash=_hash(), account_id=account.id, expires_at=when)
            )
            db.session.add(ConsoleSession(id_hash=_hash(), expires_at=when))
        for when, used in ((LONG_AGO, None), (LONG_AGO, LONG_AGO), (LATELY, None)):
            db.session.add(
                WalletOffer(
                    issuer_id=issuer_id,
                    credential_id=credential_id,
                    token_hash=_hash(),
                    code_hash=_hash(),
                    expires_at=when,
                    created_by="test",
                    used_at=used,
                )
            )


def _left(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (
                RecipientLink,
                AccountToken,
                WalletOffer,
                WalletNonce,
                RecipientSession,
                ConsoleSession,
            )
        }


def test_the_sweep_deletes_what_can_no_longer_be_used_and_keeps_records(
    app: Flask, make: Factory
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    _seed(app, issued.id, world.provider.id)
    with app.app_context():
        counts = housekeeping.sweep_expired(NOW)
    assert counts == {
        "recipient_links": 1,  # the one expired over a week ago
        "account_tokens": 1,
        "wallet_offers": 1,  # unused and long expired; the used one is a record
        "wallet_nonces": 2,  # expired: gone at once
        "recipient_sessions": 2,
        "console_sessions": 2,
    }
    assert _left(app) == {
        "recipient_links": 2,
        "account_tokens": 2,
        "wallet_offers": 2,
        "wallet_nonces": 1,
        "recipient_sessions": 1,
        "console_sessions": 1,
    }
    with app.app_context():
        assert housekeeping.sweep_expired(NOW) == dict.fromkeys(counts, 0)  # idempotent
        kept = db.session.scalars(select(WalletOffer.used_at)).all()
        assert sum(used is not None for used in kept) == 1


def test_the_sweep_is_an_hourly_task_of_the_queue_workers(app: Flask, make: Factory) -> None:
    queue = task_queue(app)
    assert housekeeping.SWEEP_TASK in queue.tasks
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    _seed(app, issued.id, world.provider.id)
    # What the scheduler calls, in the worker's app context.
    queue.tasks[housekeeping.SWEEP_TASK].call_local()
    assert _left(app)["recipient_links"] == 2
