"""microcred.platform.mail: SMTP URLs, messages with HTML and attachments delivered to a
real SMTP server on loopback, retries from the queue while the server is down, and the
log when no server is configured."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from credentials.errors import ConfigurationError, InvalidInputError
from microcred.platform import mail
from microcred.platform.queue import task_queue
from tests.smtp import SmtpServer, free_port, smtp_server  # noqa: F401 - fixture

PDF = b"%PDF-1.7 a certificate"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example:2525", mail.SmtpSettings("mail.example", 2525)),
        ("smtp://mail.example", mail.SmtpSettings("mail.example", 25)),
        (
            "smtp://me%40x.example:p%3Ass@mail.example:587?starttls=1",
            mail.SmtpSettings("mail.example", 587, "me@x.example", "p:ss", starttls=True),
        ),
        ("smtps://u:p@mail.example", mail.SmtpSettings("mail.example", 465, "u", "p", tls=True)),
    ],
)
def test_smtp_urls(url: str, expected: mail.SmtpSettings) -> None:
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25", "smtp://h:x"])
def test_bad_smtp_urls_are_refused_naming_the_setting(url: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        mail.parse_smtp_url(url)
    assert refused.value.field == "MICROCRED_SMTP_URL"


def test_a_bad_smtp_url_stops_the_app_at_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigurationError):
        make_app(MICROCRED_SMTP_URL="smtp:/nohost")


@pytest.mark.parametrize("to", [(), ("no-at-sign",), ("a@b.example\nBcc: x@y.example",)])
def test_header_injection_and_bad_recipients_are_refused(to: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInputError):
        mail.MailMessage(to=to, subject="Hi", text="x")
    with pytest.raises(InvalidInputError):
        mail.MailMessage(to=("a@b.example",), subject="Hi\r\nBcc: x@y.example", text="x")


def test_a_message_arrives_with_text_html_and_attachment(
    make_app: Callable[..., Flask],
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    app = make_app(MICROCRED_SMTP_URL=smtp_server.url, MICROCRED_MAIL_FROM="Certs <c@x.example>")
    message = mail.MailMessage(
        to=("ada@example.org",),
        subject="Your certificate — Python API",
        text="Here it is.",
        html="<p>Here it <em>is</em>.</p>",
        attachments=(mail.Attachment("certificate.pdf", "application/pdf", PDF),),
    )
    with app.app_context():
        mail.send_mail(message)
    assert smtp_server.mailbox.messages == []  # queued, not sent inside the request
    assert task_queue(app).run_pending() == 1
    received = smtp_server.mailbox.messages[0]
    assert received["Subject"] == "Your certificate — Python API"
    assert received["From"] == "Certs <c@x.example>"
    assert received["To"] == "ada@example.org"
    assert smtp_server.mailbox.text().strip() == "Here it is."
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    assert "<em>is</em>" in html.get_content()
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "certificate.pdf"
    assert attachment.get_content() == PDF


def test_delivery_is_retried_while_the_server_is_down(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    from aiosmtpd.controller import Controller

    from tests.smtp import Mailbox

    port = free_port()
    app = make_app(MICROCRED_SMTP_URL=f"smtp://127.0.0.1:{port}")
    with app.app_context():
        mail.send_mail(mail.MailMessage(to=("a@b.example",), subject="Hi", text="later"))
    queue = task_queue(app)
    with caplog.at_level(logging.CRITICAL, logger="huey"):
        assert queue.run_pending() == 1  # refused: nothing listens yet
    (retry,) = queue.huey.scheduled()
    assert retry.retries == mail.RETRIES - 1
    wait = (retry.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds()
    assert mail.RETRY_DELAY - 5 < wait <= mail.RETRY_DELAY  # then 60 s, 120 s... (backoff)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        queue.huey.execute(retry, timestamp=retry.eta)  # as the scheduler would, 30 s on
    finally:
        controller.stop()
    assert [m["Subject"] for m in mailbox.messages] == ["Hi"]


def test_without_smtp_the_message_goes_to_the_log(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app()
    with app.app_context(), caplog.at_level(logging.WARNING, logger="microcred.platform.mail"):
        mail.send_mail(
            mail.MailMessage(to=("a@b.example",), subject="Reset", text="https://x.example/r/1")
        )
    assert "MICROCRED_SMTP_URL is not set" in caplog.text
    assert "https://x.example/r/1" in caplog.text
    assert task_queue(app).run_pending() == 0
