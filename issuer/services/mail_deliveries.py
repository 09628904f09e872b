"""The delivery log of mail to freelancers, and a provider's mail settings (issue 14,
item 1): the database side of ``issuer.mail_delivery``, which composes and sends.

Every function here runs inside the caller's transaction (``write_transaction``), as the
other services do; none sends anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import delete, exists, or_, select

from issuer.models import Freelancer, IssuedCredential, Issuer, MailDelivery, MailSettings
from issuer.services import audit, credentials, events
from issuer.services.privacy import Erasure
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

#: The events that mail the freelancer, and the kind of mail each one sends.
MAIL_OF_EVENT: Final[dict[str, str]] = {
    "credential.issued": "issued",
    "credential.revoked": "revoked",
    "credential.expiring": "expiring",
}
#: An event's ``data`` key naming a delivery row already written (the expiry scan's).
DELIVERY_DATA_KEY: Final = "mail_delivery_id"
#: Longest error text kept per try (an SMTP reply, an exception's message).
MAX_ERROR_CHARS: Final = 1000
#: Credentials the expiry scan takes per transaction.
SCAN_BATCH: Final = 200


def record(credential_id: str, kind: str) -> MailDelivery | None:
    """Write the queued delivery of ``kind`` for the credential; None when there is no one
    to mail (no freelancer: the VC API; an address erased) or it is recorded already."""
    credential = db.session.get(IssuedCredential, credential_id)
    if credential is None or credential.freelancer is None or not credential.freelancer.email:
        return None
    found = db.session.scalar(
        select(MailDelivery).where(
            MailDelivery.credential_id == credential_id, MailDelivery.kind == kind
        )
    )
    if found is not None:
        return None
    delivery = MailDelivery(
        issuer_id=credential.issuer_id,
        credential_id=credential.id,
        kind=kind,
        recipient=credential.freelancer.email,
        status="queued",
        attempts=0,
    )
    db.session.add(delivery)
    db.session.flush()
    return delivery


def begin_attempt(delivery_id: int) -> MailDelivery | None:
    """Count one more try; None when the row is gone or the message was sent already
    (a "send again" and a pending retry both ran)."""
    delivery = db.session.get(MailDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status == "sent":
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = datetime.now(UTC)
    return delivery


def mark_sent(delivery_id: int, message_id: str) -> None:
    delivery = db.session.get(MailDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return
    delivery.status = "sent"
    delivery.message_id = message_id[:255]
    delivery.sent_at = datetime.now(UTC)
    delivery.last_error = None


def mark_failed_try(delivery_id: int, error: str, *, retries: int) -> str | None:
    """Record a failed try: "retrying" while the queue will try again (``retries`` tries
    after the first), "failed" after the last. Returns the new status."""
    delivery = db.session.get(MailDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        return None
    delivery.status = "failed" if delivery.attempts > retries else "retrying"
    delivery.last_error = error[:MAX_ERROR_CHARS]
    return delivery.status


def deliveries_of(issuer_id: int, credential_id: str) -> Sequence[MailDelivery]:
    """The credential's mail, oldest first (the console's credential page)."""
    return db.session.scalars(
        select(MailDelivery)
        .where(MailDelivery.issuer_id == issuer_id, MailDelivery.credential_id == credential_id)
        .order_by(MailDelivery.created_at, MailDelivery.id)
    ).all()


def requeue(
    issuer: Issuer, credential_id: str, kind: str, *, actor: str, ip: str | None = None
) -> MailDelivery:
    """ "Send again": queue the credential's ``kind`` mail once more (to the freelancer's
    current address), audited. 404 for another provider's credential or a mail never
    written; 409 while it is still on its way."""
    credential = credentials.get_credential(issuer, credential_id)
    delivery = db.session.scalar(
        select(MailDelivery)
        .where(MailDelivery.credential_id == credential.id, MailDelivery.kind == kind)
        .with_for_update()
    )
    if delivery is None:
        raise NotFoundError(f"credential {credential.id} has no {kind!r} mail to send again")
    if delivery.status in ("queued", "retrying"):
        raise ConflictError(
            f"the {kind} mail is still on its way ({delivery.status}); wait for it to be "
            "sent or to fail",
            code="mail_pending",
        )
    freelancer = credential.freelancer
    if freelancer is None or not freelancer.email:
        raise ConflictError("the freelancer has no e-mail address any more", code="no_recipient")
    delivery.recipient = freelancer.email
    delivery.status = "queued"
    delivery.attempts = 0
    delivery.last_error = None
    delivery.queued_at = datetime.now(UTC)
    audit.record(
        issuer.id,
        actor=actor,
        action="credential.mail_resend",
        target_type="credential",
        target_id=credential.id,
        ip=ip,
        kind=kind,
        recipient=delivery.recipient,
    )
    return delivery


# --- the expiry notice ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExpiryScan:
    noticed: int  # credentials told of their expiry in this scan
    delivery_ids: tuple[int, ...]


def expiring_batch(now: datetime, days: int) -> Sequence[IssuedCredential]:
    """Credentials of a freelancer that expire within ``days`` from ``now``, not revoked,
    not yet expired, and not yet told."""
    already = exists().where(
        MailDelivery.credential_id == IssuedCredential.id, MailDelivery.kind == "expiring"
    )
    return db.session.scalars(
        select(IssuedCredential)
        .join(Freelancer, Freelancer.id == IssuedCredential.freelancer_id)
        .where(
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until > now,
            IssuedCredential.valid_until <= now + timedelta(days=days),
            IssuedCredential.revoked_at.is_(None),
            Freelancer.email != "",
            ~already,
        )
        .order_by(IssuedCredential.valid_until, IssuedCredential.id)
        .limit(SCAN_BATCH)
    ).all()


def notice_expiring(batch: Sequence[IssuedCredential]) -> list[int]:
    """Record the expiry notice of each credential of ``batch`` and publish
    ``credential.expiring`` for it (webhooks hear it too), in the caller's transaction:
    the row is the mark that it was told, so a second scan finds nothing."""
    ids: list[int] = []
    for credential in batch:
        delivery = record(credential.id, "expiring")
        if delivery is None:
            continue
        ids.append(delivery.id)
        assert credential.valid_until is not None  # noqa: S101 - selected so
        events.publish(
            events.Event(
                "credential.expiring",
                credential.issuer_id,
                credential.id,
                data={
                    DELIVERY_DATA_KEY: delivery.id,
                    "validUntil": credential.valid_until.isoformat(),
                },
            )
        )
    return ids


# --- a provider's settings -------------------------------------------------------------


def settings_of(issuer_id: int) -> MailSettings:
    """The provider's mail settings (the defaults, unsaved, when it never chose)."""
    found = db.session.get(MailSettings, issuer_id)
    return found if found is not None else MailSettings(issuer_id=issuer_id, attach_pdf=True)


def set_attach_pdf(
    issuer: Issuer, attach_pdf: object, *, actor: str, ip: str | None = None
) -> MailSettings:
    if not isinstance(attach_pdf, bool):
        raise UnprocessableError("attach_pdf is true or false", field="attach_pdf")
    settings = db.session.get(MailSettings, issuer.id, with_for_update=True)
    if settings is None:
        settings = MailSettings(issuer_id=issuer.id)
        db.session.add(settings)
    settings.attach_pdf = attach_pdf
    audit.record(
        issuer.id,
        actor=actor,
        action="mail.settings",
        target_type="issuer",
        target_id=issuer.id,
        ip=ip,
        attach_pdf=attach_pdf,
    )
    return settings


# --- privacy: the delivery log holds the address each mail went to --------------------------


def export_for(email: str, freelancer_ids: Sequence[str]) -> list[dict[str, object]]:
    """The delivery log's rows about ``email`` (privacy export): what was sent, when, how."""
    rows = db.session.scalars(
        select(MailDelivery)
        .join(IssuedCredential, IssuedCredential.id == MailDelivery.credential_id)
        .where(
            or_(
                MailDelivery.recipient == email,
                IssuedCredential.freelancer_id.in_(list(freelancer_ids)),
            )
        )
        .order_by(MailDelivery.id)
    )
    return [
        {
            "credential": row.credential_id,
            "kind": row.kind,
            "to": row.recipient,
            "status": row.status,
            "attempts": row.attempts,
            "queuedAt": row.queued_at.isoformat(),
            "sentAt": row.sent_at.isoformat() if row.sent_at else None,
        }
        for row in rows
    ]


def erase_for(erasure: Erasure) -> None:
    """Drop the log's rows of the erased person at the providers concerned (the address,
    and any error text that might quote it, go with them)."""
    if not erasure.issuer_ids:
        return
    db.session.execute(
        delete(MailDelivery).where(
            MailDelivery.issuer_id.in_(erasure.issuer_ids),
            or_(
                MailDelivery.recipient == erasure.email,
                MailDelivery.credential_id.in_(erasure.credential_ids),
            ),
        )
    )
