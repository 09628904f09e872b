"""Outgoing mail: a message (subject, text, optional HTML, attachments) sent over SMTP from
the task queue, with retries; with no SMTP server configured, written to the local outbox
(development, ``outbox_folder``) or else to the log.

Configuration (``microcred.platform.config``):

- ``MICROCRED_SMTP_URL``: ``smtp://user:password@host:port`` (plain, or with
  ``?starttls=1`` to upgrade the connection; user and password are percent-decoded),
  ``smtps://…`` (TLS from the first byte, port 465 by default). Unset: every message is
  an .eml file in the outbox in development (``MICROCRED_MAIL_OUTBOX``, else
  ``<instance>/outbox``) and logged at WARNING elsewhere, links included, so that an
  operator without mail can still hand a password-reset, invitation or sign-in link to
  the person who needs it.
- ``MICROCRED_MAIL_FROM``: the ``From`` header.

``send_mail(message)`` returns once the message is on the queue; a worker
(``microcred worker``, or the consumer beside ``microcred serve``) delivers it, trying
again ``RETRIES`` times with a growing delay when the server refuses or cannot be
reached. Generic on purpose: the console's account mail uses it, and so will mail to
freelancers (issue 14), with certificates attached.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from credentials.errors import ConfigurationError, InvalidInputError
from microcred.platform.queue import task_queue

if TYPE_CHECKING:
    from flask import Flask

logger = logging.getLogger(__name__)

TASK_NAME: Final = "mail.send"
#: Tries after the first: 30 s, 1 min, 2 min, 4 min, 8 min (a server restart, greylisting).
RETRIES: Final = 5
RETRY_DELAY: Final = 30.0
RETRY_BACKOFF: Final = 2.0
SMTP_TIMEOUT: Final = 20.0


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # "application/pdf"
    data: bytes


# --- fl-mail: an inline part (the badge a mail shows) ---
@dataclass(frozen=True, slots=True)
class InlinePart:
    """An image the HTML body shows as ``cid:<cid>`` (the ``multipart/related`` part)."""

    cid: str  # without the angle brackets: "badge@microcred"
    content_type: str  # "image/png"
    data: bytes
    filename: str | None = None


# --- end fl-mail ---


@dataclass(frozen=True, slots=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())
    # --- fl-mail: extra headers and inline parts (mail to freelancers) ---
    #: Extra headers, e.g. ``("X-Microcred-Issuer", "7")`` (one line each).
    headers: tuple[tuple[str, str], ...] = field(default=())
    #: Parts the HTML shows inline (``<img src="cid:…">``); only with ``html``.
    inline: tuple[InlinePart, ...] = field(default=())
    # --- end fl-mail ---

    def __post_init__(self) -> None:
        if not self.to or any("\n" in a or "\r" in a or "@" not in a for a in self.to):
            raise InvalidInputError(f"invalid recipients {self.to!r}", field="to")
        if "\n" in self.subject or "\r" in self.subject:
            raise InvalidInputError("a subject is one line", field="subject")
        # --- fl-mail: header values are one line too ---
        if any("\n" in n + v or "\r" in n + v for n, v in self.headers):
            raise InvalidInputError("a header is one line", field="headers")
        # --- end fl-mail ---


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False  # smtps://: TLS from the start


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:port?starttls=1`` or ``smtps://…``; ConfigurationError else."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(
            "MICROCRED_SMTP_URL must look like smtp://user:password@host:587?starttls=1 "
            "or smtps://user:password@host:465",
            field="MICROCRED_SMTP_URL",
        )
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError:
        raise ConfigurationError(
            "MICROCRED_SMTP_URL has an invalid port", field="MICROCRED_SMTP_URL"
        ) from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls,
        tls=tls,
    )


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(message.to)
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    # --- fl-mail: extra headers, and the Date every mail should carry (RFC 5322) ---
    email["Date"] = formatdate(usegmt=True)
    for name, value in message.headers:
        email[name] = value
    # --- end fl-mail ---
    email.set_content(message.text)
    if message.html is not None:
        email.add_alternative(message.html, subtype="html")
        # --- fl-mail: inline images beside the HTML (multipart/related) ---
        if message.inline:
            html_part = email.get_body(preferencelist=("html",))
            assert html_part is not None  # noqa: S101 - added just above
            for part in message.inline:
                maintype, _, subtype = part.content_type.partition("/")
                html_part.add_related(
                    part.data,
                    maintype=maintype,
                    subtype=subtype,
                    cid=f"<{part.cid}>",
                    filename=part.filename,
                    disposition="inline",
                )
        # --- end fl-mail ---
    for item in message.attachments:
        maintype, _, subtype = item.content_type.partition("/")
        email.add_attachment(
            item.data, maintype=maintype, subtype=subtype or "octet-stream", filename=item.filename
        )
    return email


def deliver(settings: SmtpSettings, email: EmailMessage) -> None:
    """One delivery attempt; smtplib's and the socket's errors propagate (so the queue
    tries again)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.tls:
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    with client:
        if settings.starttls:
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(email)


def send_mail(message: MailMessage) -> None:
    """Queue ``message`` for delivery, or log it when no SMTP server is configured."""
    config = current_app.config
    url = config.get("MICROCRED_SMTP_URL")
    # --- fl-mail: outside production, no SMTP means the local outbox ---
    if not url and (folder := outbox_folder(current_app)) is not None:
        path = write_outbox(build_email(message, str(config["MICROCRED_MAIL_FROM"])), folder)
        logger.warning("MICROCRED_SMTP_URL is not set: %r written to %s", message.subject, path)
        return
    # --- end fl-mail ---
    if not url:
        logger.warning(
            "MICROCRED_SMTP_URL is not set, so this message was not sent. To %s, subject %r:\n%s",
            ", ".join(message.to),
            message.subject,
            message.text,
        )
        return
    if not task_queue().enqueue(TASK_NAME, message):
        raise ConfigurationError("the mail queue could not be reached", field="MICROCRED_QUEUE_URL")


def _send_task(message: MailMessage) -> None:
    config = current_app.config
    settings = parse_smtp_url(str(config["MICROCRED_SMTP_URL"]))
    deliver(settings, build_email(message, str(config["MICROCRED_MAIL_FROM"])))
    logger.info("mail %r sent to %s", message.subject, ", ".join(message.to))


# --- fl-mail: one try now (the caller's queue task retries), and the local outbox ---

#: The header that names the provider a message was sent for: the console's outbox page
#: shows a member only their own provider's messages (never another's, nor account mail).
ISSUER_HEADER: Final = "X-Microcred-Issuer"
OUTBOX_SUFFIX: Final = ".eml"


@dataclass(frozen=True, slots=True)
class Delivered:
    message_id: str
    #: "smtp", "outbox" (a file in the outbox folder) or "log" (no SMTP, production).
    via: str


def outbox_folder(app: Flask) -> Path | None:
    """Where mail goes when no SMTP server is configured: MICROCRED_MAIL_OUTBOX, else
    ``<instance>/outbox`` in development; None (the log) when testing or in production.
    """
    configured = app.config.get("MICROCRED_MAIL_OUTBOX")
    if configured:
        return Path(str(configured))
    if app.config.get("MICROCRED_ENV") == "development":
        return Path(app.instance_path, "outbox")
    return None


def write_outbox(email: EmailMessage, folder: Path) -> Path:
    """Write ``email`` as ``<UTC time>-<random>.eml`` (sorts by time; never overwrites)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{secrets.token_hex(4)}{OUTBOX_SUFFIX}"
    path.write_bytes(email.as_bytes(policy=email_policy.SMTP))
    return path


def deliver_now(message: MailMessage) -> Delivered:
    """One try at delivering ``message`` in this thread: over SMTP, else into the outbox,
    else (production without SMTP) to the log. smtplib's and the socket's errors propagate:
    the caller is a queue task with this module's RETRIES, RETRY_DELAY and RETRY_BACKOFF,
    which records each try before the queue tries again."""
    config = current_app.config
    email = build_email(message, str(config["MICROCRED_MAIL_FROM"]))
    message_id = str(email["Message-ID"])
    url = config.get("MICROCRED_SMTP_URL")
    if url:
        deliver(parse_smtp_url(str(url)), email)
        logger.info("mail %r sent to %s", message.subject, ", ".join(message.to))
        return Delivered(message_id, "smtp")
    folder = outbox_folder(current_app)
    if folder is not None:
        path = write_outbox(email, folder)
        logger.warning("MICROCRED_SMTP_URL is not set: %r written to %s", message.subject, path)
        return Delivered(message_id, "outbox")
    logger.warning(
        "MICROCRED_SMTP_URL is not set, so this message was not sent. To %s, subject %r:\n%s",
        ", ".join(message.to),
        message.subject,
        message.text,
    )
    return Delivered(message_id, "log")


# --- end fl-mail ---


def init_app(app: Flask) -> None:
    """Register the delivery task; a set SMTP URL is checked now, not at the first mail."""
    if app.config.get("MICROCRED_SMTP_URL"):
        parse_smtp_url(str(app.config["MICROCRED_SMTP_URL"]))
    # --- fl-mail: the outbox is for development and demos ---
    if app.config.get("MICROCRED_ENV") == "production" and app.config.get("MICROCRED_MAIL_OUTBOX"):
        raise ConfigurationError(
            "MICROCRED_MAIL_OUTBOX writes mail to files instead of sending it: for development "
            "only; set MICROCRED_SMTP_URL in production",
            field="MICROCRED_MAIL_OUTBOX",
        )
    # --- end fl-mail ---
    task_queue(app).task(app, TASK_NAME, retries=RETRIES, delay=RETRY_DELAY, backoff=RETRY_BACKOFF)(
        _send_task
    )
