"""Webhooks: what a provider's other systems (LMS, gig platforms) hear without polling.

A provider registers HTTPS endpoints, each subscribed to some of ``EVENT_TYPES``. When an
event of that provider commits (``issuer.services.events``), the subscriber here puts one
``webhooks.fan_out`` task on the queue with the event's ids (no SQL in the handler). The
task writes one ``WebhookMessage`` per subscribed endpoint, then queues its delivery.

Messages follow Standard Webhooks (https://www.standardwebhooks.com): the body is
``{"type", "timestamp", "data"}``; the headers ``webhook-id`` (the message id, the same on
every retry), ``webhook-timestamp`` (Unix seconds of this attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256 over "id.timestamp.body">``, keyed with the
base64-decoded part of the endpoint's ``whsec_`` secret. Signed with the standard library
(``hmac``) exactly as the spec says; the tests check the signatures with the
``standardwebhooks`` reference library, an independent implementation.

Delivery POSTs through the composition root's SSRF-guarded client (``Transport``, from
``verifier.http.SafeFetcher``: vetted addresses only, bounded time and answer, no
redirect). A 2xx is delivered; a 410 Gone turns the endpoint off; anything else (4xx,
5xx, redirect, timeout, refused address) is tried again by the queue with exponential
backoff, up to ``RETRIES`` more times. After ``DISABLE_AFTER`` messages in a row that
failed every try, the endpoint is turned off with the reason shown in the console. Every
attempt is logged (status, the start of the answer, duration); any logged message can be
sent again (replay).

Data carries the credential's id, its public verification URL, the certification, the
status and the reason given; for a submitted project its ids, claimed competencies, state
and reviews. Never an e-mail address, a name or a client's contact details.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from credentials.errors import MicrocredError
from issuer.ids import new_id
from issuer.models import (
    GigProject,
    IssuedCredential,
    Issuer,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from issuer.services import audit, events, privacy, submissions
from issuer.services.credentials import credential_status
from issuer.services.events import EVENT_TYPES, Event
from issuer.services.issuance import verification_url
from microcred.platform.context import app_config, running_app
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

logger = logging.getLogger(__name__)

#: The composition root puts the ``Transport`` here (microcred/app.py).
TRANSPORT_KEY: Final = "microcred.webhooks.transport"
FAN_OUT_TASK: Final = "webhooks.fan_out"
DELIVER_TASK: Final = "webhooks.deliver"
REPLAY_TASK: Final = "webhooks.replay"

SECRET_PREFIX: Final = "whsec_"  # noqa: S105 - the spec's format marker, not a secret
SECRET_BYTES: Final = 32  # the spec allows 24 to 64
#: Tries after the first, as Huey schedules them: 30 s, 30 s, 1, 2, 4, 8 min later (about
#: a quarter of an hour in all; the backoff doubles from the third try on).
RETRIES: Final = 6
RETRY_DELAY: Final = 30.0
RETRY_BACKOFF: Final = 2.0
#: Messages in a row that failed every try before the endpoint is turned off.
DISABLE_AFTER: Final = 5
#: Bytes of a receiver's answer kept in the log.
SNIPPET_BYTES: Final = 500
MAX_ENDPOINTS: Final = 20
LOG_PAGE: Final = 50
_SEALED_PREFIX: Final = "v1."


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    snippet: bytes


@dataclass(frozen=True, slots=True)
class Transport:
    """The SSRF-guarded network, lent by the composition root: ``check(url)`` raises
    (``ResolutionError``, ``ForbiddenAddressError``) when a POST there would be refused;
    ``post(url, body, headers)`` answers any status, raising on transport failures."""

    check: Callable[[str], None]
    post: Callable[[str, bytes, Mapping[str, str]], Answer]


def transport_over(fetcher: Any) -> Transport:
    """The ``Transport`` of a ``verifier.http.SafeFetcher`` (duck-typed: the issuer does
    not import the verifier; the composition root and the tests hand one in)."""

    def post(url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        answer = fetcher.post_json(url, body, headers, snippet=SNIPPET_BYTES)
        return Answer(status=answer.status, snippet=answer.snippet)

    return Transport(check=fetcher.check_url, post=post)


class DeliveryFailedError(MicrocredError):
    """One attempt failed; raised inside the queue's task so that it is tried again."""

    code = "webhook_delivery_failed"


@dataclass(frozen=True, slots=True)
class NewSecret:
    endpoint: WebhookEndpoint
    secret: str  # whsec_…, shown once


# --- secrets: generated, sealed at rest, used to sign -------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _passphrase() -> bytes:
    value = app_config()["MICROCRED_KEY_PASSPHRASE"]
    return value if isinstance(value, bytes) else str(value).encode()


def _key(passphrase: bytes) -> bytes:
    # Its own HKDF label: the OIDC client secrets' key (issuer.services.sso) is another.
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"microcred webhook secret"
    ).derive(passphrase)


def _aad(endpoint_id: str) -> bytes:
    return f"webhook-secret:{endpoint_id}".encode()


def seal(secret: str, endpoint_id: str, passphrase: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(passphrase)).encrypt(nonce, secret.encode(), _aad(endpoint_id))
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(stored: str, endpoint_id: str, passphrase: bytes) -> str:
    raw = base64.urlsafe_b64decode(stored.removeprefix(_SEALED_PREFIX))
    try:
        return AESGCM(_key(passphrase)).decrypt(raw[:12], raw[12:], _aad(endpoint_id)).decode()
    except InvalidTag:
        raise ConflictError(
            "the endpoint's secret cannot be read (was MICROCRED_KEY_PASSPHRASE changed?); "
            "rotate it",
            code="webhook_secret_unreadable",
        ) from None


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` (Standard Webhooks, symmetric)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, body: bytes, now: float) -> dict[str, str]:
    timestamp = int(now)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


# --- endpoints ------------------------------------------------------------------------------


def _transport(app: Any = None) -> Transport:  # app: the Flask app (no flask import)
    transport = (app or running_app()).extensions[TRANSPORT_KEY]
    assert isinstance(transport, Transport)  # noqa: S101 - set by the composition root
    return transport


def checked_url(url: str) -> str:
    """``url`` when it may receive webhooks: https, public addresses only (422 naming the
    problem otherwise). Resolves the name: call before the write transaction opens."""
    url = url.strip()
    if not url.lower().startswith("https://"):
        raise UnprocessableError("a webhook endpoint must be an https:// URL", field="url")
    if len(url) > 500:
        raise UnprocessableError("a webhook URL has at most 500 characters", field="url")
    try:
        _transport().check(url)
    except MicrocredError as exc:
        raise UnprocessableError(
            f"webhooks cannot be sent to {url}: {exc.message}", field="url"
        ) from None
    return url


def checked_events(values: Iterable[str]) -> str:
    chosen = set(values)
    if unknown := sorted(chosen - set(EVENT_TYPES)):
        raise UnprocessableError(
            f"unknown event type(s) {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(EVENT_TYPES)}",
            field="events",
        )
    if not chosen:
        raise UnprocessableError("choose at least one event type", field="events")
    return " ".join(t for t in EVENT_TYPES if t in chosen)


def list_endpoints(issuer: Issuer) -> list[WebhookEndpoint]:
    statement = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.issuer_id == issuer.id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(db.session.scalars(statement))


def get_endpoint(issuer: Issuer, endpoint_id: str) -> WebhookEndpoint:
    """One of the provider's endpoints; another provider's is answered as unknown."""
    endpoint = db.session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.issuer_id == issuer.id, WebhookEndpoint.id == endpoint_id
        )
    )
    if endpoint is None:
        raise NotFoundError(f"no webhook endpoint {endpoint_id!r}")
    return endpoint


def create_endpoint(
    issuer: Issuer,
    *,
    url: str,
    event_types: Iterable[str],
    description: str = "",
    actor: str,
    ip: str | None = None,
) -> NewSecret:
    """Register an endpoint (``url`` already through ``checked_url``); its secret is
    returned once."""
    if len(list_endpoints(issuer)) >= MAX_ENDPOINTS:
        raise ConflictError(
            f"a provider has at most {MAX_ENDPOINTS} webhook endpoints; delete one first",
            code="too_many_webhooks",
        )
    secret = new_secret()
    endpoint = WebhookEndpoint(id=new_id("wh"), issuer_id=issuer.id)
    endpoint.url = url
    endpoint.events = checked_events(event_types)
    endpoint.description = description.strip()
    endpoint.secret = seal(secret, endpoint.id, _passphrase())
    endpoint.enabled = True
    endpoint.consecutive_failures = 0
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="webhook.create",
        target_type="webhook",
        target_id=endpoint.id,
        ip=ip,
        url=url,
        events=endpoint.events,
    )
    return NewSecret(endpoint, secret)


def update_endpoint(
    issuer: Issuer,
    endpoint_id: str,
    changes: Mapping[str, Any],
    *,
    actor: str,
    ip: str | None = None,
) -> WebhookEndpoint:
    """Change ``url`` (checked), ``events``, ``description`` or ``enabled``. Turning an
    endpoint back on clears its failures and the reason it was off."""
    endpoint = get_endpoint(issuer, endpoint_id)
    if "url" in changes:
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = checked_events(changes["events"])
    if "description" in changes:
        endpoint.description = str(changes["description"] or "").strip()
    if "enabled" in changes and bool(changes["enabled"]) != endpoint.enabled:
        endpoint.enabled = bool(changes["enabled"])
        endpoint.consecutive_failures = 0
        endpoint.disabled_reason = None if endpoint.enabled else f"turned off by {actor}"
    audit.record(
        issuer.id,
        actor=actor,
        action="webhook.update",
        target_type="webhook",
        target_id=endpoint.id,
        ip=ip,
        changed=sorted(changes),
    )
    return endpoint


def rotate_secret(
    issuer: Issuer, endpoint_id: str, *, actor: str, ip: str | None = None
) -> NewSecret:
    """A new secret at once (the old one stops signing): shown once."""
    endpoint = get_endpoint(issuer, endpoint_id)
    secret = new_secret()
    endpoint.secret = seal(secret, endpoint.id, _passphrase())
    audit.record(
        issuer.id,
        actor=actor,
        action="webhook.rotate_secret",
        target_type="webhook",
        target_id=endpoint.id,
        ip=ip,
    )
    return NewSecret(endpoint, secret)


def delete_endpoint(issuer: Issuer, endpoint_id: str, *, actor: str, ip: str | None = None) -> None:
    endpoint = get_endpoint(issuer, endpoint_id)
    db.session.delete(endpoint)
    audit.record(
        issuer.id,
        actor=actor,
        action="webhook.delete",
        target_type="webhook",
        target_id=endpoint_id,
        ip=ip,
        url=endpoint.url,
    )


def messages_of(endpoint: WebhookEndpoint, limit: int = LOG_PAGE) -> list[WebhookMessage]:
    statement = (
        select(WebhookMessage)
        .where(WebhookMessage.endpoint_id == endpoint.id)
        .order_by(WebhookMessage.created_at.desc(), WebhookMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def get_message(issuer: Issuer, endpoint_id: str, message_id: str) -> WebhookMessage:
    endpoint = get_endpoint(issuer, endpoint_id)
    message = db.session.scalar(
        select(WebhookMessage).where(
            WebhookMessage.endpoint_id == endpoint.id, WebhookMessage.id == message_id
        )
    )
    if message is None:
        raise NotFoundError(f"no delivery {message_id!r} for this endpoint")
    return message


def replay(
    issuer: Issuer, endpoint_id: str, message_id: str, *, actor: str, ip: str | None = None
) -> WebhookMessage:
    """Record the request to send ``message_id`` again (audit); the caller queues it
    with ``queue_replay`` once the transaction has committed."""
    message = get_message(issuer, endpoint_id, message_id)
    if not message.endpoint.enabled:
        raise ConflictError(
            "the endpoint is turned off; turn it on before sending again",
            code="webhook_disabled",
        )
    audit.record(
        issuer.id,
        actor=actor,
        action="webhook.replay",
        target_type="webhook_message",
        target_id=message.id,
        ip=ip,
        endpoint=endpoint_id,
    )
    return message


def queue_replay(message_id: str) -> None:
    if not task_queue().enqueue(REPLAY_TASK, message_id):
        raise ConflictError("the task queue could not be reached; try again", code="queue_down")


# --- events -> messages -> attempts ---------------------------------------------------------


#: A Core statement built once (the ORM's per-call compilation is most of this query's cost).
_endpoint = WebhookEndpoint.__table__.c
_ANY_ENDPOINT_ON: Final = (
    select(_endpoint.id)
    .where(_endpoint.issuer_id == bindparam("issuer_id"), _endpoint.enabled.is_(True))
    .limit(1)
)


def _has_endpoints(event: Event, session: Session) -> bool:
    """At publish time, in the event's transaction: does its provider have an endpoint
    switched on? Without one, no fan-out task is queued (one indexed query instead). An
    endpoint added between this and the commit misses the event, as one added a moment
    after it would."""
    found = session.connection().execute(_ANY_ENDPOINT_ON, {"issuer_id": event.issuer_id})
    return found.first() is not None


def _on_event(event: Event) -> None:
    """After the commit: queue the fan-out with the event's ids (no SQL here)."""
    task_queue().enqueue(
        FAN_OUT_TASK,
        event.type,
        event.issuer_id,
        event.subject_id,
        event.reason,
        event.occurred_at.isoformat(),
    )


def _timestamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def event_data(kind: str, issuer_id: int, subject_id: str, reason: str | None) -> dict[str, Any]:
    """What the message says about its subject: ids, the public verification URL, the
    certification and the status; never personal data such as an e-mail address."""
    if kind.startswith("evidence."):
        return evidence_data(issuer_id, subject_id)
    credential = db.session.scalar(
        select(IssuedCredential).where(
            IssuedCredential.issuer_id == issuer_id, IssuedCredential.id == subject_id
        )
    )
    if credential is None:  # erased since: say what is still known
        return {"credentialId": subject_id, "reason": reason}
    certification = credential.certification
    base = str(app_config()["MICROCRED_BASE_URL"])
    return {
        "credentialId": credential.id,
        "credentialUri": credential.credential_id,
        "verifyUrl": verification_url(base, credential.short_code),
        "certification": (
            {"id": certification.id, "name": certification.name}
            if certification is not None
            else None
        ),
        "status": credential_status(credential),
        "validUntil": _timestamp(credential.valid_until) if credential.valid_until else None,
        "reason": reason,
    }


def evidence_data(issuer_id: int, project_id: str) -> dict[str, Any]:
    """A submitted project as its provider's systems need it to fetch and review it: ids,
    the claimed competencies, the state, when it was submitted and the provider's review
    of each claimed competency assessed so far (with its note, when there is one). Never
    the client's name or e-mail address, nor the freelancer's: the provider's API has
    them for whoever may read them."""
    project = db.session.scalar(
        select(GigProject).where(GigProject.issuer_id == issuer_id, GigProject.id == project_id)
    )
    if project is None:  # erased since: say what is still known
        return {"projectId": project_id}
    claimed = sorted(submissions.claimed_competencies(project))
    judged = {a.competency_id: a for a in project.assessments if a.competency_id in claimed}
    return {
        "projectId": project.id,
        "freelancerId": project.freelancer_id,
        "competencyIds": claimed,
        "state": submissions.review_state(
            judged[c].outcome if c in judged else "pending" for c in claimed
        ),
        "submittedAt": _timestamp(project.created_at),
        "reviews": [
            {"competencyId": c, "outcome": judged[c].outcome, "note": judged[c].note or None}
            for c in claimed
            if c in judged
        ],
    }


def _listening(kind: str, issuer_id: int) -> list[WebhookEndpoint]:
    statement = select(WebhookEndpoint).where(
        WebhookEndpoint.issuer_id == issuer_id, WebhookEndpoint.enabled.is_(True)
    )
    return [e for e in db.session.scalars(statement) if kind in e.event_types]


def _fan_out(
    kind: str, issuer_id: int, subject_id: str, reason: str | None, occurred: str
) -> list[str]:
    """One message per enabled endpoint of the provider that listens to ``kind``."""
    if not _listening(kind, issuer_id):
        # Most providers have no endpoint: a read, no write lock (SQLite's BEGIN
        # IMMEDIATE would queue this behind a bulk job's issuing).
        db.session.rollback()
        return []
    with write_transaction(db.session):
        endpoints = _listening(kind, issuer_id)
        if not endpoints:
            return []
        body = json.dumps(
            {
                "type": kind,
                "timestamp": _timestamp(datetime.fromisoformat(occurred)),
                "data": event_data(kind, issuer_id, subject_id, reason),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        made = []
        for endpoint in endpoints:
            message = WebhookMessage(
                id=new_id("msg"),
                endpoint_id=endpoint.id,
                event_type=kind,
                payload=body,
                state="pending",
                attempt_count=0,
            )
            db.session.add(message)
            made.append(message.id)
    for message_id in made:
        task_queue().enqueue(DELIVER_TASK, message_id)
    return made


def _send(url: str, message_id: str, body: bytes, secret: str) -> tuple[int | None, str, int]:
    """One POST: (status or None, the start of the answer or the error, milliseconds)."""
    headers = signed_headers(secret, message_id, body, time.time())
    started = time.monotonic()
    try:
        answer = _transport().post(url, body, headers)
    except MicrocredError as exc:
        return None, exc.message[:SNIPPET_BYTES], _ms(started)
    text = answer.snippet[:SNIPPET_BYTES].decode("utf-8", "replace")
    return answer.status, text, _ms(started)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def attempt(message_id: str, *, replay: bool = False) -> str:
    """POST the message once and log it: ``delivered``, ``retry`` (the queue tries
    again), ``failed`` (every try spent, or 410) or ``skipped`` (nothing to do)."""
    message = db.session.get(WebhookMessage, message_id)
    if message is None or (message.state != "pending" and not replay):
        return "skipped"
    endpoint = message.endpoint
    if not endpoint.enabled:
        return "skipped"
    secret = unseal(endpoint.secret, endpoint.id, _passphrase())
    url, body = endpoint.url, message.payload.encode()
    db.session.commit()  # no transaction stays open over the network
    status, text, duration = _send(url, message_id, body, secret)
    with write_transaction(db.session):
        message = db.session.get(WebhookMessage, message_id)
        if message is None:  # the endpoint was deleted meanwhile
            return "skipped"
        endpoint = message.endpoint
        db.session.add(
            WebhookAttempt(
                message_id=message.id,
                status_code=status,
                response=text,
                duration_ms=duration,
                replay=replay,
            )
        )
        message.attempt_count += 1
        return _settle(message, endpoint, status, replay=replay)


def _settle(
    message: WebhookMessage, endpoint: WebhookEndpoint, status: int | None, *, replay: bool
) -> str:
    if status is not None and 200 <= status < 300:
        message.state = "delivered"
        message.delivered_at = utcnow()
        endpoint.consecutive_failures = 0
        return "delivered"
    if status == 410:
        message.state = "failed"
        endpoint.enabled = False
        endpoint.disabled_reason = (
            f"the endpoint answered 410 Gone on {_timestamp(utcnow())}: it asked to stop"
        )
        return "failed"
    if replay:
        return "failed"  # a person's single try; the schedule is not touched
    scheduled = sum(1 for a in message.attempts if not a.replay)
    if scheduled <= _retries():
        return "retry"
    message.state = "failed"
    endpoint.consecutive_failures += 1
    if endpoint.consecutive_failures >= _disable_after():
        endpoint.enabled = False
        last = f"HTTP {status}" if status is not None else "no answer"
        endpoint.disabled_reason = (
            f"turned off on {_timestamp(utcnow())}: {endpoint.consecutive_failures} messages "
            f"in a row failed after every retry (last: {last})"
        )
    return "failed"


def _retries() -> int:
    return int(app_config().get("MICROCRED_WEBHOOK_RETRIES", RETRIES))


def _disable_after() -> int:
    return int(app_config().get("MICROCRED_WEBHOOK_DISABLE_AFTER", DISABLE_AFTER))


def _deliver_task(message_id: str) -> None:
    outcome = attempt(message_id)
    if outcome == "retry":
        raise DeliveryFailedError(f"webhook message {message_id} not delivered; retrying")


def _replay_task(message_id: str) -> None:
    attempt(message_id, replay=True)


# --- erasure (issuer.services.privacy): the log forgets an erased person's credentials ---


def _export(_email: str, _freelancer_ids: Sequence[str]) -> None:
    """Messages hold no personal data (no e-mail, no name): nothing to export."""
    return


def _erase(erasure: Any) -> None:
    """Delete the logged messages about the erased person's credentials (their ids and
    verification URLs) and submitted projects (their freelancer id), with their attempts;
    what receivers already got is theirs."""
    named = (*erasure.credential_ids, *erasure.freelancer_ids)
    if not named:
        return
    endpoint_ids = select(WebhookEndpoint.id).where(
        WebhookEndpoint.issuer_id.in_(erasure.issuer_ids)
    )
    messages = db.session.scalars(
        select(WebhookMessage).where(WebhookMessage.endpoint_id.in_(endpoint_ids))
    )
    for message in messages:
        if any(f'"{c}"' in message.payload for c in named):
            db.session.delete(message)


def init_app(app: Any, transport: Transport) -> None:  # app: the Flask app
    """Register the tasks on ``app``'s queue, lend the network, listen to the events."""
    app.extensions[TRANSPORT_KEY] = transport
    queue = task_queue(app)
    queue.task(app, FAN_OUT_TASK, retries=3, delay=10.0, backoff=2.0)(_fan_out)
    queue.task(
        app,
        DELIVER_TASK,
        retries=int(app.config.get("MICROCRED_WEBHOOK_RETRIES", RETRIES)),
        delay=float(app.config.get("MICROCRED_WEBHOOK_RETRY_DELAY", RETRY_DELAY)),
        backoff=RETRY_BACKOFF,
    )(_deliver_task)
    queue.task(app, REPLAY_TASK)(_replay_task)
    # A no-op for the second app of a process.
    events.subscribe(_on_event, *EVENT_TYPES, interested=_has_endpoints)
    privacy.register(privacy.PersonalData("webhook deliveries", _export, _erase))
