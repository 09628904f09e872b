"""The audit log: one append-only row per change, naming who made it."""

from __future__ import annotations

from typing import Any

from issuer.models import AuditEvent
from microcred.platform.extensions import db

#: Actor of administration commands run on the server.
CLI_ACTOR = "cli"


def record(
    issuer_id: int,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | int | None,
    ip: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with it).

    ``ip``: the client address of a console action (the console passes it in)."""
    event = AuditEvent(
        issuer_id=issuer_id,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        ip=ip,
        details={k: v for k, v in details.items() if v is not None},
    )
    db.session.add(event)
    return event
