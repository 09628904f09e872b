"""What an API key may do: its scopes, and how long it lives.

The scopes follow the issuer API's endpoints (issuer/api/*):

- ``read``: every GET: the provider, its audit log, micro-certifications, freelancers,
  projects, progress, credentials, bulk jobs;
- ``issue``: record the evidence and issue: create and update freelancers and gig
  projects and their assessments, issue credentials (``POST /api/v1/credentials``,
  ``/api/v1/bulk-issuances``, the VC API's ``POST /credentials/issue``);
- ``revoke``: revoke, suspend and unsuspend credentials;
- ``manage``: the catalogue and the provider itself: create, update and retire
  micro-certifications, update the provider's profile;
- ``webhooks``: the provider's webhook endpoints, GET included (their URLs and delivery
  log are integration settings, not credential data): register, change, rotate the
  secret, delete, replay a delivery.

A key lives ``MICROCRED_API_KEY_LIFETIME_DAYS`` (90 by default, as the common practice of
rotating credentials quarterly); a rotated key stays valid for
``MICROCRED_API_KEY_ROTATION_GRACE_HOURS`` (24) so that its clients can switch over.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import lru_cache

from flask import current_app

from microcred.platform.refusals import UnprocessableError

READ, ISSUE, REVOKE, MANAGE = "read", "issue", "revoke", "manage"
# --- fl-webhooks: webhook endpoints and their delivery log, read and written ---
WEBHOOKS = "webhooks"
# --- end fl-webhooks ---
#: Every scope, in the order they are shown and stored.
SCOPES: tuple[str, ...] = (READ, ISSUE, REVOKE, MANAGE, WEBHOOKS)
ALL_SCOPES = frozenset(SCOPES)
#: The stored form of "every scope": what keys made before scopes existed were given.
ALL_SCOPES_TEXT = " ".join(SCOPES)

DEFAULT_LIFETIME_DAYS = 90
DEFAULT_ROTATION_GRACE_HOURS = 24


def unknown_scopes(values: Iterable[str]) -> list[str]:
    return sorted({v for v in values if v not in ALL_SCOPES})


def scopes_text(values: Iterable[str]) -> str:
    """The stored form: known scopes, space-separated, in ``SCOPES`` order."""
    chosen = set(values)
    return " ".join(s for s in SCOPES if s in chosen)


@lru_cache(maxsize=64)  # runs on every API request; there are only 31 non-empty sets
def scopes_of(text: str | None) -> frozenset[str]:
    return frozenset(text.split()) & ALL_SCOPES if text else frozenset()


#: ``create_api_key(lifetime=...)`` default: MICROCRED_API_KEY_LIFETIME_DAYS.
CONFIGURED = timedelta(-1)


def configured_lifetime() -> timedelta | None:
    """New keys' lifetime from the config (0 days: they never expire)."""
    days = int(current_app.config.get("MICROCRED_API_KEY_LIFETIME_DAYS", DEFAULT_LIFETIME_DAYS))
    return timedelta(days=days) if days else None


def configured_grace() -> timedelta:
    """How long a rotated key keeps working, from the config."""
    hours = current_app.config.get(
        "MICROCRED_API_KEY_ROTATION_GRACE_HOURS", DEFAULT_ROTATION_GRACE_HOURS
    )
    return timedelta(hours=int(hours))


def checked_scopes(scopes: Iterable[str] | None) -> str:
    """The stored form of ``scopes`` (None: all); 422 naming an unknown scope or none."""
    chosen = ALL_SCOPES if scopes is None else frozenset(scopes)
    if unknown := unknown_scopes(chosen):
        raise UnprocessableError(
            f"unknown API key scope(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(SCOPES)}",
            field="scopes",
        )
    if not chosen:
        raise UnprocessableError("an API key needs at least one scope", field="scopes")
    return scopes_text(chosen)
