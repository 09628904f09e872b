"""What happened to a credential (or to a freelancer's evidence), told to whoever listens
once it is true: after the transaction that made it so has committed.

Services ``publish`` an ``Event`` inside their write transaction. The event waits in the
session until the commit; then every handler subscribed to its type is called with it. A
rollback drops the events of that transaction, so no mail announces a credential that was
never stored and no webhook reports a revocation that did not happen.

Handlers run after the commit, outside any transaction: they must not touch the database
session they were called from (SQLAlchemy forbids SQL in ``after_commit``) and should do
no more than put a task on the queue with the ids they need (``microcred.platform.queue``).
A handler that raises is logged and does not stop the others: the change is committed, and
telling one listener must not depend on telling another.

The subscribers (mail to the freelancer, the provider's webhooks) are wired in by the
features' ``init_app`` functions; with none, publishing costs a dictionary look-up. A
subscriber may say, at publish time, whether it cares (``interested``): the webhooks ask
whether the provider has an endpoint switched on, so most events queue no webhook task.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from microcred.platform.extensions import db

logger = logging.getLogger(__name__)

EventType = Literal[
    "credential.issued",
    "credential.claimed",
    "credential.revoked",
    "credential.suspended",
    "credential.reinstated",
    "credential.expiring",
    "evidence.submitted",
]
EVENT_TYPES: Final[tuple[EventType, ...]] = (
    "credential.issued",
    "credential.claimed",
    "credential.revoked",
    "credential.suspended",
    "credential.reinstated",
    "credential.expiring",
    "evidence.submitted",
)

_PENDING: Final = "microcred.pending_events"


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    issuer_id: int
    #: ``IssuedCredential.id`` for credential events, ``GigProject.id`` for evidence.
    subject_id: str
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: The reason given (revocation, suspension), when there is one.
    reason: str | None = None
    #: Anything else a listener needs that the subject row does not hold (JSON-able).
    data: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Event], None]
#: Asked when an event is published, inside its transaction (so it may read the database):
#: does this handler care about it? A handler that would only find nothing to do (webhooks
#: of a provider without endpoints) then costs one query instead of a queued task.
Interest = Callable[[Event, Session], bool]
_handlers: defaultdict[str, list[Handler]] = defaultdict(list)
_interest: dict[Handler, Interest] = {}


def subscribe(handler: Handler, *types: EventType, interested: Interest | None = None) -> None:
    """Call ``handler`` after each commit that published an event of one of ``types``
    (every type when none is named), if ``interested`` (asked at publish time) says so.
    Subscribing the same handler twice is a no-op, so an ``init_app`` run for a second app
    in one process does not double every mail."""
    for kind in types or EVENT_TYPES:
        if handler not in _handlers[kind]:
            _handlers[kind].append(handler)
    if interested is not None:
        _interest[handler] = interested


def unsubscribe(handler: Handler) -> None:
    for handlers in _handlers.values():
        if handler in handlers:
            handlers.remove(handler)
    _interest.pop(handler, None)


def publish(event: Event, session: Session | None = None) -> None:
    """Hold ``event`` until the current transaction commits (dropped if it rolls back),
    for the handlers of its type that are interested in it now."""
    target = session if session is not None else db.session()
    handlers = tuple(
        handler
        for handler in _handlers.get(event.type, ())
        if (interested := _interest.get(handler)) is None or interested(event, target)
    )
    if handlers:
        target.info.setdefault(_PENDING, []).append((event, handlers))


def _dispatch(session: Session) -> None:
    pending: list[tuple[Event, tuple[Handler, ...]]] = session.info.pop(_PENDING, [])
    for item, handlers in pending:
        for handler in handlers:
            try:
                handler(item)
            except Exception:  # the change is committed; tell the rest
                logger.exception(
                    "event handler %r failed for %s %s", handler, item.type, item.subject_id
                )


def _drop(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


sa_event.listen(Session, "after_commit", _dispatch)
sa_event.listen(Session, "after_rollback", _drop)
