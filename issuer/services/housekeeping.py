"""Sweeping what has served its purpose (issue 14): single-use links, wallet offers and
sessions that can no longer be used.

A sign-in or claim link, a password-reset or invitation link and an unused wallet offer
are kept a week past their expiry, so that following an old link still says "this link
has expired" rather than "unknown link", then deleted: a row that can never be used again
only keeps an address (and a token's hash) for no purpose. Sessions and wallet nonces are
deleted as soon as they expire (the pages also drop them as they meet them). What is a
record stays: a wallet offer that was used (it names the copy it issued), a client's
confirmation of a project (it is evidence), and the audit log.

The ``housekeeping.sweep`` task runs hourly on the queue's workers (``microcred worker``,
or the worker thread of ``make run``/``microcred serve``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete

from issuer.models import (
    AccountToken,
    ConsoleSession,
    RecipientLink,
    RecipientSession,
    WalletNonce,
    WalletOffer,
)
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import TaskQueue

__all__ = ["GRACE", "SWEEP_TASK", "register", "sweep_expired"]

#: How long an expired link or offer is kept, so an old link still answers "expired".
GRACE: Final = timedelta(days=7)
SWEEP_TASK: Final = "housekeeping.sweep"
#: Minute of each hour the sweep runs (not on the hour, when other schedules cluster).
_MINUTE: Final = "17"


def sweep_expired(now: datetime | None = None) -> dict[str, int]:
    """Delete what can no longer be used (see the module docs); the count per table."""
    moment = now or datetime.now(UTC)
    cutoff = moment - GRACE
    statements = {
        "recipient_links": delete(RecipientLink).where(RecipientLink.expires_at < cutoff),
        "account_tokens": delete(AccountToken).where(AccountToken.expires_at < cutoff),
        "wallet_offers": delete(WalletOffer).where(
            WalletOffer.expires_at < cutoff, WalletOffer.used_at.is_(None)
        ),
        "wallet_nonces": delete(WalletNonce).where(WalletNonce.expires_at <= moment),
        "recipient_sessions": delete(RecipientSession).where(RecipientSession.expires_at <= moment),
        "console_sessions": delete(ConsoleSession).where(ConsoleSession.expires_at <= moment),
    }
    counts: dict[str, int] = {}
    with write_transaction(db.session):
        for table, statement in statements.items():
            counts[table] = db.session.execute(statement).rowcount or 0
    return counts


def register(app: Any, queue: TaskQueue) -> None:  # app: the Flask app (no flask import here)
    """Run ``sweep_expired`` hourly on ``app``'s queue workers."""
    queue.periodic(app, SWEEP_TASK, minutes=_MINUTE)(sweep_expired)
