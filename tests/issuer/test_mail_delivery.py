"""Mail to freelancers, end to end through a real SMTP server on loopback (aiosmtpd): the
events enqueue, the queue composes and delivers, the test reads what the server received
(issue 14, item 1)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from issuer.mail_delivery import CLAIM_LINKS_KEY, send_expiry_notices
from issuer.models import AuditEvent, IssuedCredential, MailDelivery
from issuer.services import credentials, events, issuers, mail_deliveries
from issuer.services.events import Event
from issuer.services.issuance import issue_credential
from microcred.platform import mail
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.conftest import TEST_BASE_URL
from tests.issuer.factories import FACTORY_ACTOR, Factory
from tests.issuer.issuance_helpers import Issued, Ready, issue, ready
from tests.smtp import Mailbox, SmtpServer, free_port, smtp_server  # noqa: F401 - a fixture

SENDER = "microcred@provider.example"


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:  # noqa: F811
    return make_app(MICROCRED_SMTP_URL=smtp_server.url, MICROCRED_MAIL_FROM=SENDER)


def deliver(app: Flask) -> int:
    # --- fl-webhooks: an event of a provider with endpoints also queues a webhook fan-out;
    # count the mail's tasks ---
    queue = task_queue(app)
    ran = 0
    with app.app_context():
        while (task := queue.huey.dequeue()) is not None:
            queue.huey.execute(task)
            ran += not task.name.startswith("webhooks.")
    return ran
    # --- end fl-webhooks ---


def deliveries(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(select(MailDelivery).order_by(MailDelivery.id)).all()
        return [
            {
                "kind": r.kind,
                "status": r.status,
                "attempts": r.attempts,
                "recipient": r.recipient,
                "message_id": r.message_id,
                "last_error": r.last_error,
            }
            for r in rows
        ]


def freelancer_email(app: Flask, credential_id: str) -> str:
    with app.app_context():
        credential = db.session.get(IssuedCredential, credential_id)
        assert credential is not None
        assert credential.freelancer is not None
        return credential.freelancer.email


def issued_one(make: Factory) -> tuple[Ready, Issued]:
    world = ready(make, name="Freelance Python API Developer")
    return world, issue(make, world.provider, world.freelancer_id, world.certification.id)


def parts(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.walk() if not p.is_multipart()]  # type: ignore[misc]


# --- issued -------------------------------------------------------------------------------


def test_issuing_mails_the_freelancer_html_and_text_with_badge_inline_and_pdf(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world, issued = issued_one(make)
    assert smtp_server.mailbox.messages == []  # queued, not sent in the request
    assert deliver(app) == 2  # record, then send
    [message] = smtp_server.mailbox.messages
    address = freelancer_email(app, issued.id)
    assert message["To"] == address
    assert message["From"] == SENDER
    assert message["Subject"].strip() == (
        f"Provider {world.provider.slug} issued you a credential: Freelance Python API Developer"
    )
    assert message.get_content_type() == "multipart/mixed"
    text = smtp_server.mailbox.text()
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    # The claiming feature (issue 14, item 2) lends a single-use claim link.
    claim = smtp_server.mailbox.link()
    assert claim.startswith(f"{TEST_BASE_URL}/claim/")
    assert "Claim your credential" in text
    assert f'href="{claim}"' in html
    for competency in ("Python", "API design", "Testing"):
        assert competency in text
        assert f"<li>{competency}</li>" in html
    assert f"Provider {world.provider.slug}" in text
    # The badge: inline, referenced by its Content-ID, with alt text; a PNG.
    by_cid = {str(p["Content-ID"]): p for p in parts(message) if p["Content-ID"]}
    cid = f"<badge-{issued.short_code}@microcred>"
    assert set(by_cid) == {cid}
    badge = by_cid[cid]
    assert badge.get_content_type() == "image/png"
    assert badge.get_content_disposition() == "inline"
    assert bytes(badge.get_content()).startswith(b"\x89PNG\r\n\x1a\n")
    assert f'src="cid:{cid[1:-1]}"' in html
    assert 'alt="Badge of the micro-credential Freelance Python API Developer' in html
    # The PDF certificate, attached: it parses as a PDF and names the freelancer.
    [pdf] = [p for p in parts(message) if p.get_content_disposition() == "attachment"]
    assert pdf.get_content_type() == "application/pdf"
    assert str(pdf.get_filename()).endswith(".pdf")
    reader = PdfReader(io.BytesIO(bytes(pdf.get_content())))
    assert len(reader.pages) >= 1
    assert "Freelance Python API Developer" in reader.pages[0].extract_text()
    assert "attached as a PDF" in text
    # The log: sent, one try, the Message-ID the server received.
    assert deliveries(app) == [
        {
            "kind": "issued",
            "status": "sent",
            "attempts": 1,
            "recipient": address,
            "message_id": message["Message-ID"],
            "last_error": None,
        }
    ]
    assert deliver(app) == 0  # nothing more to send


def test_a_claim_link_when_the_claiming_feature_lends_one(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    asked: list[str] = []

    def claim_link(credential_id: str) -> str:
        asked.append(credential_id)
        # Stands in for the claiming feature's token row: written in the caller's session,
        # inside its write transaction, and committed with it.
        db.session.add(
            AuditEvent(
                issuer_id=world_issuer_id(credential_id),
                actor="claim-test",
                action="claim.token",
                target_type="credential",
                target_id=credential_id,
                details={},
            )
        )
        return f"{TEST_BASE_URL}/claim/token-for-{credential_id}"

    def world_issuer_id(credential_id: str) -> int:
        credential = db.session.get(IssuedCredential, credential_id)
        assert credential is not None
        return credential.issuer_id

    app.extensions[CLAIM_LINKS_KEY] = claim_link
    _, issued = issued_one(make)
    deliver(app)
    assert asked == [issued.id]
    assert smtp_server.mailbox.link() == f"{TEST_BASE_URL}/claim/token-for-{issued.id}"
    assert "Claim your credential" in smtp_server.mailbox.text()
    with app.app_context():
        written = db.session.scalars(select(AuditEvent).where(AuditEvent.actor == "claim-test"))
        assert [e.target_id for e in written] == [issued.id]


def test_without_the_pdf_when_the_provider_turns_it_off(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world = ready(make)
    with make.transaction():
        mail_deliveries.set_attach_pdf(
            issuers.get_issuer(world.provider.slug), False, actor=FACTORY_ACTOR
        )
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    deliver(app)
    [message] = smtp_server.mailbox.messages
    assert [p for p in parts(message) if p.get_content_disposition() == "attachment"] == []
    assert f"{TEST_BASE_URL}/credentials/{issued.id}.pdf" in smtp_server.mailbox.text()
    with pytest.raises(Exception, match="true or false"), make.transaction():
        mail_deliveries.set_attach_pdf(
            issuers.get_issuer(world.provider.slug), "no", actor=FACTORY_ACTOR
        )


# --- revoked ------------------------------------------------------------------------------


def test_revoking_mails_the_revocation_with_the_reason(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world, issued = issued_one(make)
    deliver(app)
    with make.transaction():
        credentials.revoke(
            issuers.get_issuer(world.provider.slug),
            issued.id,
            reason="the portfolio was not their own",
            actor=FACTORY_ACTOR,
        )
    assert deliver(app) == 2
    assert len(smtp_server.mailbox.messages) == 2
    message = smtp_server.mailbox.messages[-1]
    assert (
        message["Subject"]
        .strip()
        .startswith(f"Provider {world.provider.slug} revoked your credential")
    )
    text = smtp_server.mailbox.text()
    assert "the portfolio was not their own" in text
    assert "no longer verifies" in text
    assert smtp_server.mailbox.link() == f"{TEST_BASE_URL}/v/{issued.short_code}"
    assert [p for p in parts(message) if p.get_content_disposition() == "attachment"] == []
    assert [(d["kind"], d["status"]) for d in deliveries(app)] == [
        ("issued", "sent"),
        ("revoked", "sent"),
    ]


def test_suspending_sends_nothing(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world, issued = issued_one(make)
    deliver(app)
    with make.transaction():
        credentials.suspend(issuers.get_issuer(world.provider.slug), issued.id, actor="t")
    assert deliver(app) == 0
    assert len(smtp_server.mailbox.messages) == 1


# --- nothing sent ---------------------------------------------------------------------------


def test_a_rolled_back_issuance_sends_nothing(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world = ready(make)
    with app.app_context():
        db.session.commit()
        issue_credential(
            issuers.get_issuer(world.provider.slug),
            freelancer_id=world.freelancer_id,
            certification_id=world.certification.id,
            actor=FACTORY_ACTOR,
        )
        db.session.rollback()
        db.session.commit()
    assert deliver(app) == 0
    assert smtp_server.mailbox.messages == []
    assert deliveries(app) == []


def test_a_credential_without_a_freelancer_gets_no_mail(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """VC API issuance has no freelancer: its event is skipped, and a record for it writes
    nothing either."""
    world, issued = issued_one(make)
    deliver(app)
    with app.app_context():
        events.subscribe(lambda e: None)  # harmless: another listener beside ours
        events.publish(
            Event("credential.issued", world.provider.id, issued.id, data={"via": "vc-api"})
        )
        db.session.commit()
        assert deliver(app) == 0  # fl-webhooks: the webhook fan-out is not the mail's
        credential = db.session.get(IssuedCredential, issued.id)
        assert credential is not None
        credential.freelancer_id = None
        db.session.commit()
        assert mail_deliveries.record(issued.id, "revoked") is None
        db.session.rollback()


# --- SMTP down, then back -------------------------------------------------------------------


class RestartableSmtp:
    """An aiosmtpd server on a fixed port that the test stops and starts again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def restartable() -> Iterator[RestartableSmtp]:
    server = RestartableSmtp()
    try:
        yield server
    finally:
        server.stop()


def run_retries(app: Flask) -> int:
    """Run the retries the queue scheduled (their delay jumped over)."""
    queue = task_queue(app)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)
    done = 0
    with app.app_context():
        for task in queue.huey.read_schedule(later):
            queue.huey.execute(task, timestamp=later)
            done += 1
    return done


def test_smtp_down_is_retried_and_logged_until_it_is_back(
    make_app: Callable[..., Flask], restartable: RestartableSmtp
) -> None:
    app = make_app(MICROCRED_SMTP_URL=restartable.url, MICROCRED_MAIL_FROM=SENDER)
    make = Factory(app)
    _, issued = issued_one(make)
    deliver(app)  # the server is not running: connection refused
    [row] = deliveries(app)
    assert row["status"] == "retrying"
    assert row["attempts"] == 1
    assert "ConnectionRefusedError" in row["last_error"]
    assert row["message_id"] is None
    assert run_retries(app) == 1  # still down
    [row] = deliveries(app)
    assert (row["status"], row["attempts"]) == ("retrying", 2)
    restartable.start()
    assert run_retries(app) == 1
    [row] = deliveries(app)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    [message] = restartable.mailbox.messages
    assert row["message_id"] == message["Message-ID"]
    assert message["To"] == freelancer_email(app, issued.id)
    assert run_retries(app) == 0


def test_the_last_failed_try_marks_the_mail_failed(
    make_app: Callable[..., Flask], restartable: RestartableSmtp
) -> None:
    app = make_app(MICROCRED_SMTP_URL=restartable.url, MICROCRED_MAIL_FROM=SENDER)
    issued_one(Factory(app))
    deliver(app)
    statuses = [deliveries(app)[0]["status"]]
    while run_retries(app):
        statuses.append(deliveries(app)[0]["status"])
    assert statuses == ["retrying"] * mail.RETRIES + ["failed"]
    assert deliveries(app)[0]["attempts"] == mail.RETRIES + 1


# --- the expiry notice ------------------------------------------------------------------------


def test_expiry_notice_goes_once_and_publishes_credential_expiring(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    heard: list[Event] = []
    events.subscribe(heard.append, "credential.expiring")
    try:
        _, issued = issued_one(make)  # valid for 365 days
        deliver(app)
        with app.app_context():
            assert send_expiry_notices(days=30) == 0  # not within 30 days
            later = datetime.now(UTC) + timedelta(days=350)  # 15 days before it expires
            assert send_expiry_notices(now=later, days=30) == 1
            assert send_expiry_notices(now=later, days=30) == 0  # told already
        assert deliver(app) == 1  # the send (the row was written by the scan)
        with app.app_context():
            assert send_expiry_notices(now=later + timedelta(days=1), days=30) == 0
        assert deliver(app) == 0
    finally:
        events.unsubscribe(heard.append)
    assert [(e.type, e.subject_id) for e in heard] == [("credential.expiring", issued.id)]
    assert len(smtp_server.mailbox.messages) == 2
    message = smtp_server.mailbox.messages[-1]
    assert (
        message["Subject"]
        .strip()
        .startswith("Your credential Freelance Python API Developer expires")
    )
    assert "verifiers will see it as expired" in smtp_server.mailbox.text()
    assert [(d["kind"], d["status"]) for d in deliveries(app)] == [
        ("issued", "sent"),
        ("expiring", "sent"),
    ]


def test_revoked_and_expired_credentials_get_no_expiry_notice(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world, issued = issued_one(make)
    with make.transaction():
        credentials.revoke(
            issuers.get_issuer(world.provider.slug), issued.id, reason="r", actor="t"
        )
    with app.app_context():
        later = datetime.now(UTC) + timedelta(days=350)
        assert send_expiry_notices(now=later, days=30) == 0
        assert send_expiry_notices(now=later + timedelta(days=30), days=30) == 0


def test_the_cli_runs_the_expiry_scan(
    app: Flask,
    make: Factory,
    runner: Any,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    issued_one(make)
    deliver(app)
    result = runner("mail", "send-expiry-notices", "--days", "400")
    assert result.exit_code == 0, result.output
    assert "1 expiry notice(s) queued (credentials expiring within 400 days)" in result.output
    again = runner("mail", "send-expiry-notices", "--days", "400")
    assert "0 expiry notice(s) queued" in again.output
    assert runner("mail", "send-expiry-notices", "--days", "0").exit_code == 2
    assert [d["kind"] for d in deliveries(app)] == ["issued", "expiring"]


# --- send again -----------------------------------------------------------------------------


def test_send_again_requeues_a_sent_mail_audited_and_refuses_while_on_its_way(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world, issued = issued_one(make)
    with make.transaction():
        issuer = issuers.get_issuer(world.provider.slug)
        with pytest.raises(Exception, match="no 'issued' mail"):
            mail_deliveries.requeue(issuer, issued.id, "issued", actor="user:1")
    deliver(app)
    with make.transaction():
        issuer = issuers.get_issuer(world.provider.slug)
        delivery = mail_deliveries.requeue(issuer, issued.id, "issued", actor="user:1")
        delivery_id = delivery.id
    with make.transaction(), pytest.raises(Exception, match="still on its way"):
        mail_deliveries.requeue(
            issuers.get_issuer(world.provider.slug), issued.id, "issued", actor="user:1"
        )
    with app.app_context():
        task_queue(app).enqueue("mail.freelancer.send", delivery_id)
    deliver(app)
    assert len(smtp_server.mailbox.messages) == 2
    assert deliveries(app)[0]["status"] == "sent"
    with app.app_context():
        audit = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "credential.mail_resend")
        ).all()
        assert [(a.target_id, a.details["kind"]) for a in audit] == [(issued.id, "issued")]
    other = make.provider()
    with make.transaction(), pytest.raises(Exception, match="no issued credential"):
        mail_deliveries.requeue(issuers.get_issuer(other.slug), issued.id, "issued", actor="user:1")


# --- no SMTP: the outbox, or the log ------------------------------------------------------


def test_without_smtp_mail_goes_to_the_outbox_as_eml_files(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    outbox = tmp_path / "outbox"
    app = make_app(MICROCRED_MAIL_OUTBOX=str(outbox), MICROCRED_MAIL_FROM=SENDER)
    _, issued = issued_one(Factory(app))
    assert deliver(app) == 2
    [path] = sorted(outbox.iterdir())
    assert path.suffix == ".eml"
    import email
    import email.policy

    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == freelancer_email(app, issued.id)
    assert message[mail.ISSUER_HEADER]
    assert message.get_body(preferencelist=("html",)) is not None
    [row] = deliveries(app)
    assert (row["status"], row["message_id"]) == ("sent", message["Message-ID"])


def test_the_outbox_is_refused_in_production(make_app: Callable[..., Flask]) -> None:
    from credentials.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="MICROCRED_MAIL_OUTBOX"):
        make_app(
            MICROCRED_ENV="production",
            MICROCRED_MAIL_OUTBOX="/tmp/outbox",  # noqa: S108 - refused before any use
            MICROCRED_KEY_PASSPHRASE="x" * 40,
            SECRET_KEY="y" * 40,
        )


def test_a_test_app_without_smtp_or_outbox_writes_no_mail(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()
    issued_one(Factory(app))
    assert deliver(app) == 0
    assert deliveries(app) == []


def test_production_without_smtp_logs_the_mail_and_shows_it_failed(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    """As the console's own mail: no SMTP in production means the log, never a file."""
    app = make_app()
    app.config["MICROCRED_ENV"] = "production"  # the rest of production's checks aside
    _, issued = issued_one(Factory(app))
    with caplog.at_level("WARNING", logger="microcred.platform.mail"):
        assert deliver(app) == 2
    assert f"/v/{issued.short_code}" in caplog.text  # the link, for an operator to hand on
    [row] = deliveries(app)
    assert row["status"] == "failed"
    assert "MICROCRED_SMTP_URL is not set" in row["last_error"]
    assert run_retries(app) == 0  # not retried: nothing will change until SMTP is set
