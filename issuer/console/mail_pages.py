"""Mail to freelancers in the console (issue 14, item 1):

- the "Mail to the freelancer" section of a credential's page (``credential_mail.html``,
  filled by the ``freelancer_mail_log`` template global) and its "Send again" button
  (issuers and owners; POST with the CSRF token; audited);
- ``/console/mail``: the provider's mail setting (attach the PDF; owners change it) and,
  when no SMTP server is configured, the outbox: the messages ``make run`` wrote to
  ``<instance>/outbox`` for this provider, each shown as text and as HTML.

The outbox shows a member only messages that carry their own provider's id
(``X-Microcred-Issuer``): never another provider's mail, nor account mail (reset links).
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Final

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField

from credentials.errors import MicrocredError
from issuer import mail_delivery
from issuer.console.blueprint import attempt, blp
from issuer.console.credentials_pages import _detail
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import MAIL_KINDS, MailDelivery
from issuer.services import accounts, credentials, mail_deliveries
from microcred.platform import mail
from microcred.platform.queue import task_queue
from microcred.platform.refusals import NotFoundError

#: The outbox's file names (``mail.write_outbox``): nothing else is ever opened.
OUTBOX_NAME: Final = re.compile(r"^\d{8}T\d{12}-[0-9a-f]{8}\.eml$")
#: Messages the outbox page reads (the newest).
OUTBOX_SHOWN: Final = 50
STATUS_LABELS: Final = {
    "queued": "Queued",
    "sent": "Sent",
    "retrying": "Retrying",
    "failed": "Failed",
}
KIND_LABELS: Final = {
    "issued": "Credential issued",
    "revoked": "Credential revoked",
    "expiring": "Expiry notice",
}


class ResendForm(ConsoleForm):
    pass


class MailSettingsForm(ConsoleForm):
    attach_pdf = BooleanField(
        "Attach the PDF certificate to the mail of a new credential",
        description="The badge is always shown; without the PDF, the mail links to it.",
    )


@blp.app_template_global("freelancer_mail_log")
def freelancer_mail_log(credential_id: str) -> Sequence[MailDelivery]:
    """The credential's mail, for the credential page (the signed-in provider's only)."""
    return mail_deliveries.deliveries_of(signed_in().issuer.id, credential_id)


@blp.app_template_global("freelancer_mail_labels")
def freelancer_mail_labels() -> dict[str, dict[str, str]]:
    return {"status": dict(STATUS_LABELS), "kind": dict(KIND_LABELS)}


@blp.route("/credentials/<credential_id>/mail/<kind>/resend", methods=["POST"])
@requires("issuer")
def resend_mail(credential_id: str, kind: str) -> Response | tuple[str, int]:
    me = signed_in()
    if kind not in MAIL_KINDS:
        raise NotFoundError(f"no mail of kind {kind!r}: one of {', '.join(MAIL_KINDS)}")
    credential = credentials.get_credential(me.issuer, credential_id)
    form = ResendForm()
    refusals: list[MicrocredError] = []
    delivery_id: int | None = None
    with attempt(form, refusals):
        delivery = mail_deliveries.requeue(
            me.issuer, credential.id, kind, actor=accounts.actor_of(me.user), ip=client_ip()
        )
        delivery_id = delivery.id
    if refusals:
        credential = credentials.get_credential(me.issuer, credential_id)
        return _detail(credential, {}, refusals[0].http_status, problem=refusals[0].message)
    assert delivery_id is not None  # noqa: S101 - set when nothing was refused
    task_queue().enqueue(mail_delivery.SEND_TASK, delivery_id)
    flash(f"The mail \u201c{KIND_LABELS[kind]}\u201d is queued again.")
    return redirect(url_for("console.credential_detail", credential_id=credential.id) + "#mail")


# --- the mail page: the setting and the outbox --------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    name: str
    subject: str
    to: str
    date: str
    kind: str


@dataclass(frozen=True, slots=True)
class ShownMessage(OutboxMessage):
    text: str
    html: str | None
    attachments: tuple[str, ...]


def _outbox() -> Path | None:
    if current_app.config.get("MICROCRED_SMTP_URL"):
        return None
    return mail.outbox_folder(current_app)


def _read(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)  # noqa: S101 - policy.default makes them
    return parsed


def _mine(message: EmailMessage, issuer_id: int) -> bool:
    return str(message.get(mail.ISSUER_HEADER, "")) == str(issuer_id)


def _summary(name: str, message: EmailMessage) -> OutboxMessage:
    return OutboxMessage(
        name=name,
        subject=str(message.get("Subject", "")),
        to=str(message.get("To", "")),
        date=str(message.get("Date", "")) or name[:15],
        kind=KIND_LABELS.get(str(message.get("X-Microcred-Mail", "")), "Mail"),
    )


def outbox_messages(folder: Path, issuer_id: int) -> list[OutboxMessage]:
    if not folder.is_dir():
        return []
    names = sorted((p.name for p in folder.iterdir() if OUTBOX_NAME.match(p.name)), reverse=True)
    found = []
    for name in names[:OUTBOX_SHOWN]:
        message = _read(folder / name)
        if _mine(message, issuer_id):
            found.append(_summary(name, message))
    return found


_STYLE_ATTRIBUTE = re.compile(r'\sstyle="[^"]*"')


def _shown(folder: Path, name: str, issuer_id: int) -> ShownMessage:
    path = folder / name
    if not OUTBOX_NAME.match(name) or not path.is_file():
        raise NotFoundError(f"no message {name!r} in the outbox")
    message = _read(path)
    if not _mine(message, issuer_id):
        raise NotFoundError(f"no message {name!r} in the outbox")
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    html = str(html_part.get_content()) if html_part is not None else None
    attachments = []
    for part in message.walk():
        cid = str(part.get("Content-ID", "")).strip("<>")
        payload = part.get_payload(decode=True)
        body = payload if isinstance(payload, bytes) else b""
        if cid and html is not None:
            # Shown inside the console's page: its images come along as data: URIs, and its
            # inline styles go (the console's Content-Security-Policy refuses them).
            data = base64.b64encode(body).decode("ascii")
            html = html.replace(f"cid:{cid}", f"data:{part.get_content_type()};base64,{data}")
        elif part.get_content_disposition() == "attachment":
            size = len(body)
            attachments.append(f"{part.get_filename()} ({part.get_content_type()}, {size:,} bytes)")
    if html is not None:
        html = _STYLE_ATTRIBUTE.sub("", html)
    summary = _summary(name, message)
    return ShownMessage(
        name=summary.name,
        subject=summary.subject,
        to=summary.to,
        date=summary.date,
        kind=summary.kind,
        text=str(text_part.get_content()) if text_part is not None else "",
        html=html,
        attachments=tuple(attachments),
    )


@blp.route("/mail")
@requires("viewer")
def mail_page() -> tuple[str, int]:
    me = signed_in()
    settings = mail_deliveries.settings_of(me.issuer.id)
    form = MailSettingsForm(formdata=None, attach_pdf=settings.attach_pdf)
    return _mail_page(form)


def _mail_page(form: MailSettingsForm, status: int = 200) -> tuple[str, int]:
    me = signed_in()
    folder = _outbox()
    selected = request.args.get("message")
    shown = _shown(folder, selected, me.issuer.id) if folder is not None and selected else None
    body = render_template(
        "console/mail.html",
        form=form,
        smtp=bool(current_app.config.get("MICROCRED_SMTP_URL")),
        outbox=folder,
        messages=outbox_messages(folder, me.issuer.id) if folder is not None else [],
        shown=shown,
        expiry_days=mail_delivery.expiry_days(current_app),
        kinds=MAIL_KINDS,
    )
    return body, status


@blp.route("/mail/settings", methods=["POST"])
@requires("owner")
def save_mail_settings() -> Response | tuple[str, int]:
    me = signed_in()
    form = MailSettingsForm()
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        mail_deliveries.set_attach_pdf(
            me.issuer,
            bool(form.attach_pdf.data),
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
    if refusals:
        return _mail_page(form, refusals[0].http_status)
    flash("Mail settings saved.")
    return redirect(url_for("console.mail_page"))
