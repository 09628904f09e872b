"""Mail to freelancers (issue 14, item 1): when a credential is issued or revoked, and
once when it is about to expire, its freelancer gets an HTML and plain-text mail with the
badge shown inline, what was certified, a link, and (issued, if the provider keeps the
default) the PDF certificate attached. docs/RECIPIENTS.md, "Delivery by e-mail".

How a message travels:

1. ``issuer.services.events`` calls ``on_event`` after the commit that issued or revoked
   (never after a rollback). The handler only enqueues the ``mail.freelancer.record`` task
   with the credential's id: handlers run no SQL.
2. That task writes the delivery row (``MailDelivery``, "queued") and enqueues
   ``mail.freelancer.send`` with the row's id. Credentials without a freelancer (the VC
   API) get no row and no mail.
3. ``send`` counts the try, composes the message (the badge and PDF come from the sharing
   feature through ``app.extensions[MAIL_DOCUMENTS_KEY]``, the claim link through
   ``app.extensions[CLAIM_LINKS_KEY]`` when the claiming feature lent one), delivers it
   once (``microcred.platform.mail.deliver_now``) and writes the outcome: "sent" with the
   Message-ID, or "retrying"/"failed" with the error. A failure re-raises, so the queue
   tries again with ``mail.py``'s RETRIES, RETRY_DELAY and RETRY_BACKOFF.

The expiry notice: the daily periodic task ``mail.freelancer.expiry`` (and
``microcred mail send-expiry-notices``) finds credentials expiring within
MICROCRED_EXPIRY_NOTICE_DAYS that were not told, writes their rows and publishes
``credential.expiring`` in the same transaction; ``on_event`` then enqueues their sends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from flask import current_app, render_template
from flask_babel import force_locale, format_date, gettext
from flask_babel import lazy_gettext as _l
from huey import crontab

from issuer.models import IssuedCredential, MailDelivery
from issuer.services import events, mail_deliveries, privacy, recipients
from microcred.platform import mail
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.i18n import DEFAULT_LANGUAGE, LANGUAGES
from microcred.platform.queue import task_queue

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

#: ``(credential uuid, with_pdf) -> object with badge_png, pdf, filename_stem``: lent by
#: the composition root (``sharing.mail_documents``).
MAIL_DOCUMENTS_KEY: Final = "microcred.mail_documents"
#: ``(credential uuid) -> absolute claim URL``: lent by the claiming feature (fl-account)
#: when it is there; it may write a token row, so it is called in a write transaction.
CLAIM_LINKS_KEY: Final = "microcred.claim_links"

RECORD_TASK: Final = "mail.freelancer.record"
SEND_TASK: Final = "mail.freelancer.send"
EXPIRY_TASK: Final = "mail.freelancer.expiry"
#: When the daily expiry scan runs (UTC, the workers' scheduler).
EXPIRY_SCHEDULE: Final = {"minute": "17", "hour": "6"}
#: A PDF bigger than this is not attached (the mail says where to download it): mail
#: servers commonly refuse messages over 10 MB, and base64 adds a third.
MAX_ATTACHMENT_BYTES: Final = 5 * 1024 * 1024
DEFAULT_EXPIRY_NOTICE_DAYS: Final = 30


# --- 1. the event handler ---------------------------------------------------------------


def on_event(event: events.Event) -> None:
    """Enqueue the mail an event calls for (after the commit; no SQL here)."""
    kind = mail_deliveries.MAIL_OF_EVENT.get(event.type)
    if kind is None or event.data.get("via") == "vc-api" or not mail_enabled(current_app):
        return
    queue = task_queue()
    delivery_id = event.data.get(mail_deliveries.DELIVERY_DATA_KEY)
    if delivery_id is not None:
        queue.enqueue(SEND_TASK, int(delivery_id))
    else:
        queue.enqueue(RECORD_TASK, event.subject_id, kind)


def mail_enabled(app: Flask) -> bool:
    """Mail to freelancers is written when it can go somewhere: an SMTP server, the local
    outbox (development), or production's log (with no SMTP a production instance says in
    the log what it did not send, and the console shows the mail as failed). A test app
    with neither sends nothing, so the queue of tests that do not mail stays their own."""
    return bool(
        app.config.get("MICROCRED_SMTP_URL")
        or mail.outbox_folder(app) is not None
        or app.config.get("MICROCRED_ENV") == "production"
    )


# --- 2. record, 3. send -----------------------------------------------------------------


def record_task(credential_id: str, kind: str) -> None:
    with write_transaction(db.session):
        delivery = mail_deliveries.record(credential_id, kind)
        delivery_id = delivery.id if delivery is not None else None
    if delivery_id is not None:
        task_queue().enqueue(SEND_TASK, delivery_id)


def send_task(delivery_id: int) -> None:
    """One try at one delivery, recorded before and after (see the module docs)."""
    with write_transaction(db.session):
        delivery = mail_deliveries.begin_attempt(delivery_id)
        if delivery is None:
            return
        attempt = delivery.attempts
    try:
        with write_transaction(db.session):  # the claim link may write its token row
            delivery = db.session.get(MailDelivery, delivery_id)
            assert delivery is not None  # noqa: S101 - counted just above
            link = _link(delivery.credential, delivery.kind)
        # Rendered outside the write transaction: the documents' status check reads the
        # database through its own connections (SQLite would wait for our write lock).
        delivery = db.session.get(MailDelivery, delivery_id)
        assert delivery is not None  # noqa: S101 - read just above
        message = compose(delivery, link)
        db.session.rollback()  # hold no snapshot while the SMTP server answers
        delivered = mail.deliver_now(message)
    except Exception as exc:  # every failure is recorded; the queue decides what is next
        with write_transaction(db.session):
            status = mail_deliveries.mark_failed_try(
                delivery_id, f"{type(exc).__name__}: {exc}", retries=mail.RETRIES
            )
        logger.warning("mail %s, try %d: %s (%s)", delivery_id, attempt, exc, status)
        raise
    with write_transaction(db.session):
        if delivered.via == "log":
            mail_deliveries.mark_failed_try(
                delivery_id,
                "MICROCRED_SMTP_URL is not set: the message was written to the log, not sent",
                retries=0,
            )
        else:
            mail_deliveries.mark_sent(delivery_id, delivered.message_id)


# --- composing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailLink:
    url: str
    label: str  # the link's text: what it leads to
    claim: bool


#: The subject of each kind of mail (lazy: rendered in the freelancer's language).
SUBJECTS: Final = {
    "issued": _l("%(provider)s issued you a credential: %(certification)s"),
    "revoked": _l("%(provider)s revoked your credential: %(certification)s"),
    "expiring": _l("Your credential %(certification)s expires on %(date)s"),
}


def mail_language(delivery: MailDelivery) -> str:
    """The freelancer's language (issue 14, item 7): the one their account recorded at the
    last claim or sign-in (``RecipientAccount.language``: what the freelancer chose wins),
    else the language the provider chose for the credential's certificate at issuance,
    else English."""
    found = recipients.language_of(delivery.recipient) or delivery.credential.language
    return found if found in LANGUAGES else DEFAULT_LANGUAGE


def compose(delivery: MailDelivery, link: MailLink) -> mail.MailMessage:
    """The message of ``delivery`` in the freelancer's language (``mail_language``)."""
    with force_locale(mail_language(delivery)):
        return _compose(delivery, link)


def _compose(delivery: MailDelivery, link: MailLink) -> mail.MailMessage:
    """The message of ``delivery``, as it would go now (rendered again on each try)."""
    credential = delivery.credential
    issuer = credential.issuer
    certification = credential.certification
    kind = delivery.kind
    documents = _documents(credential, with_pdf=kind == "issued" and _attach_pdf(issuer.id))
    pdf = documents.pdf if documents is not None else None
    pdf_too_big = pdf is not None and len(pdf) > MAX_ATTACHMENT_BYTES
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    badge_cid = f"badge-{credential.short_code}@microcred" if documents is not None else None
    context: dict[str, Any] = {
        "kind": kind,
        "freelancer": credential.freelancer,
        "provider": issuer,
        "certification": certification,
        "certification_name": certification.name
        if certification
        else gettext("your micro-credential"),
        "competencies": [c.name for c in certification.competencies] if certification else [],
        "credential": credential,
        "link": link,
        "verify_url": f"{base}/v/{credential.short_code}",
        "pdf_url": f"{base}/credentials/{credential.id}.pdf",
        "badge_cid": badge_cid,
        "pdf_attached": pdf is not None and not pdf_too_big,
        "pdf_too_big": pdf_too_big,
        "valid_until": credential.valid_until,
        "reason": credential.revocation_reason,
    }
    values = {
        "provider": issuer.name,
        "certification": context["certification_name"],
        "date": format_date(credential.valid_until, "long") if credential.valid_until else "",
    }
    subject = str(SUBJECTS[kind]) % values  # the lazy string, in the forced locale
    context["subject"] = subject
    inline: tuple[mail.InlinePart, ...] = ()
    attachments: tuple[mail.Attachment, ...] = ()
    if documents is not None and badge_cid is not None:
        inline = (
            mail.InlinePart(
                badge_cid, "image/png", documents.badge_png, f"{documents.filename_stem}-badge.png"
            ),
        )
        if pdf is not None and not pdf_too_big:
            attachments = (
                mail.Attachment(f"{documents.filename_stem}.pdf", "application/pdf", pdf),
            )
    return mail.MailMessage(
        to=(delivery.recipient,),
        subject=" ".join(subject.split()),  # one line, whatever a name holds
        text=render_template("mail/credential.txt", **context),
        html=render_template("mail/credential.html", **context),
        attachments=attachments,
        headers=(
            (mail.ISSUER_HEADER, str(issuer.id)),
            ("X-Microcred-Credential", credential.id),
            ("X-Microcred-Mail", kind),
        ),
        inline=inline,
    )


def _attach_pdf(issuer_id: int) -> bool:
    return bool(mail_deliveries.settings_of(issuer_id).attach_pdf)


def _documents(credential: IssuedCredential, *, with_pdf: bool) -> Any:
    render: Callable[[str, bool], Any] | None = current_app.extensions.get(MAIL_DOCUMENTS_KEY)
    if render is None:  # an app without the sharing feature: the mail is text alone
        return None
    return render(credential.id, with_pdf)


def _link(credential: IssuedCredential, kind: str) -> MailLink:
    """The claim link for a new credential when the claiming feature lent one; else (and
    for revocations) the credential's public verify page. Called in a write transaction:
    the claiming feature may write a token row."""
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    claim: Callable[[str], str] | None = current_app.extensions.get(CLAIM_LINKS_KEY)
    if kind != "revoked" and claim is not None:
        return MailLink(claim(credential.id), "Claim your credential", claim=True)
    return MailLink(
        f"{base}/v/{credential.short_code}", "See your credential's verify page", claim=False
    )


# --- the expiry notice ------------------------------------------------------------------


def expiry_days(app: Flask) -> int:
    return int(app.config.get("MICROCRED_EXPIRY_NOTICE_DAYS") or DEFAULT_EXPIRY_NOTICE_DAYS)


def send_expiry_notices(*, now: datetime | None = None, days: int | None = None) -> int:
    """Tell every credential expiring within ``days`` (MICROCRED_EXPIRY_NOTICE_DAYS) that
    was not told yet: one transaction per batch; the sends are enqueued after each commit
    by ``on_event``. Returns how many were told."""
    moment = now or datetime.now(UTC)
    window = days if days is not None else expiry_days(current_app)
    told = 0
    while True:
        with write_transaction(db.session):
            batch = mail_deliveries.expiring_batch(moment, window)
            ids = mail_deliveries.notice_expiring(batch)
        told += len(ids)
        if len(batch) < mail_deliveries.SCAN_BATCH:
            return told


def _expiry_task() -> None:
    told = send_expiry_notices()
    if told:
        logger.info("expiry notices: %d credential(s) told", told)


# --- wiring -----------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the tasks on ``app``'s queue and listen for the credential events."""
    queue = task_queue(app)
    queue.task(app, RECORD_TASK)(record_task)
    queue.task(
        app,
        SEND_TASK,
        retries=mail.RETRIES,
        delay=mail.RETRY_DELAY,
        backoff=mail.RETRY_BACKOFF,
    )(send_task)
    # Daily, not every minute (TaskQueue.periodic's granularity): Huey's own crontab.
    queue.tasks[EXPIRY_TASK] = queue.huey.periodic_task(
        crontab(**EXPIRY_SCHEDULE), name=EXPIRY_TASK
    )(_in_context(app, _expiry_task))
    events.subscribe(on_event, "credential.issued", "credential.revoked", "credential.expiring")
    # The delivery log names the address: a privacy export shows it, an erasure drops it.
    privacy.register(
        privacy.PersonalData(
            "mail deliveries", mail_deliveries.export_for, mail_deliveries.erase_for
        )
    )


def _in_context(app: Flask, func: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            func()

    run.__name__ = func.__name__
    return run
