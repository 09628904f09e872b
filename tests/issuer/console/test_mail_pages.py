"""Mail to freelancers in the console: a credential's mail log and "Send again" (issuers and
owners, CSRF, audited), the mail setting (owners), and the outbox page that shows what
``make run`` wrote when no SMTP server is configured (members, their own provider's only).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from issuer.models import AuditEvent, MailDelivery
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.issuer.console.conftest import Console, Provider
from tests.issuer.console.test_organisation import issuer_of
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as ApiProvider
from tests.issuer.issuance_helpers import Issued, issue, ready


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def app(make_app: Callable[..., Flask], outbox: Path) -> Flask:
    """No SMTP server: mail goes to the outbox (as under ``make run``)."""
    return make_app(MICROCRED_MAIL_OUTBOX=str(outbox))


def issued_for(app: Flask, make: Factory, provider: Provider) -> Issued:
    issuer_id, did = issuer_of(app, provider.slug)
    world = ready(make, ApiProvider(issuer_id, provider.slug, did, ""), name="Data Wrangling")
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    with app.app_context():
        task_queue(app).run_pending()
    return issued


def statuses(app: Flask) -> list[tuple[str, str, int]]:
    with app.app_context():
        rows = db.session.scalars(select(MailDelivery).order_by(MailDelivery.id)).all()
        return [(r.kind, r.status, r.attempts) for r in rows]


def test_the_credential_page_shows_the_mail_and_issuers_send_it_again(
    app: Flask, provider: Provider, make: Factory, new_console: Callable[[], Console]
) -> None:
    issued = issued_for(app, make, provider)
    page = provider.console.get(f"/console/credentials/{issued.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Mail to the freelancer" in html
    assert "Credential issued" in html
    assert ">Sent<" in html
    resend = f"/console/credentials/{issued.id}/mail/issued/resend"
    assert resend in html
    # A viewer sees the log but no button, and is refused the POST.
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"])
    seen = viewer.get(f"/console/credentials/{issued.id}").get_data(as_text=True)
    assert "Mail to the freelancer" in seen
    assert resend not in seen
    assert viewer.post(resend).status_code == 403
    # Without the CSRF token: refused, nothing queued.
    assert provider.console.post_raw(resend, {}).status_code == 400
    assert statuses(app) == [("issued", "sent", 1)]
    # An issuer sends it again: queued, audited, then sent by the queue.
    issuer = new_console()
    issuer.sign_in(provider.members["issuer"])
    done = issuer.post(resend)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/console/credentials/{issued.id}#mail")
    assert statuses(app) == [("issued", "queued", 0)]
    again = issuer.post(resend)  # still on its way
    assert again.status_code == 409
    assert "still on its way" in again.get_data(as_text=True)
    with app.app_context():
        assert task_queue(app).run_pending() == 1
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "credential.mail_resend")
        ).all()
        assert event.target_id == issued.id
        assert event.actor.startswith("user:")
    assert statuses(app) == [("issued", "sent", 1)]
    # A mail never written, an unknown kind: 404.
    assert issuer.post(f"/console/credentials/{issued.id}/mail/revoked/resend").status_code == 404
    assert issuer.post(f"/console/credentials/{issued.id}/mail/other/resend").status_code == 404


def test_another_provider_cannot_send_again(
    app: Flask,
    provider: Provider,
    sign_up: Callable[..., Provider],
    make: Factory,
) -> None:
    issued = issued_for(app, make, provider)
    rival = sign_up("rival", name="Rival Academy")
    path = f"/console/credentials/{issued.id}/mail/issued/resend"
    assert rival.console.post(path).status_code == 404
    assert rival.console.get(f"/console/credentials/{issued.id}").status_code == 404
    assert statuses(app) == [("issued", "sent", 1)]


def test_the_outbox_page_shows_the_providers_own_messages_as_html_and_text(  # noqa: PLR0917 - fixtures
    app: Flask,
    provider: Provider,
    sign_up: Callable[..., Provider],
    make: Factory,
    new_console: Callable[[], Console],
    outbox: Path,
) -> None:
    issued = issued_for(app, make, provider)
    [name] = [p.name for p in outbox.iterdir()]
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"])
    listing = viewer.get("/console/mail")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Data Wrangling" in text
    assert f"message={name}" in text
    shown = viewer.get(f"/console/mail?message={name}")
    body = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "As HTML" in body and "As plain text" in body  # noqa: PT018
    assert "srcdoc=" in body
    assert "data:image/png;base64," in body  # the inline badge, shown without cid:
    assert f"/v/{issued.short_code}" in body
    assert "style=" not in body.split("srcdoc=", 1)[1].split("</iframe>", 1)[0]
    # Another provider's member sees neither the list entry nor the message.
    rival = sign_up("rival", name="Rival Academy")
    assert "Data Wrangling" not in rival.console.get("/console/mail").get_data(as_text=True)
    assert rival.console.get(f"/console/mail?message={name}").status_code == 404
    # Names other than the outbox's own: 404, nothing read.
    for bad in ("../../etc/passwd", "x.eml", name.replace(".eml", ".txt")):
        assert viewer.get("/console/mail", query_string={"message": bad}).status_code == 404
    # Signed out: to the sign-in page.
    anonymous = new_console().get("/console/mail")
    assert anonymous.status_code == 302
    assert "/console/signin" in anonymous.headers["Location"]


def test_account_mail_in_the_outbox_is_never_shown(
    app: Flask, provider: Provider, outbox: Path
) -> None:
    provider.console.post("/console/password/forgot", {"email": provider.owner})
    [name] = [p.name for p in outbox.iterdir()]  # the reset link went to the outbox
    assert "Reset your microcred password" not in provider.console.get("/console/mail").get_data(
        as_text=True
    )
    assert provider.console.get(f"/console/mail?message={name}").status_code == 404


def test_owners_turn_the_pdf_attachment_off(
    app: Flask, provider: Provider, make: Factory, new_console: Callable[[], Console]
) -> None:
    page = provider.console.get("/console/mail").get_data(as_text=True)
    assert 'id="attach_pdf" name="attach_pdf" value="y" checked' in page
    issuer = new_console()
    issuer.sign_in(provider.members["issuer"])
    assert issuer.post("/console/mail/settings", {}).status_code == 403
    assert "Owners change this" in issuer.get("/console/mail").get_data(as_text=True)
    assert provider.console.post("/console/mail/settings", {}).status_code == 302
    page = provider.console.get("/console/mail").get_data(as_text=True)
    assert 'id="attach_pdf" name="attach_pdf" value="y" checked' not in page
    with app.app_context():
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "mail.settings")
        ).one().details == {"attach_pdf": False}
    issued_for(app, make, provider)
    assert statuses(app) == [("issued", "sent", 1)]


def test_with_smtp_configured_the_page_says_there_is_no_outbox(
    make_app: Callable[..., Flask], sign_up_on: Callable[[Flask], Provider]
) -> None:
    app = make_app(MICROCRED_SMTP_URL="smtp://127.0.0.1:9")
    provider = sign_up_on(app)
    page = provider.console.get("/console/mail")
    assert page.status_code == 200
    assert "there is no local outbox" in page.get_data(as_text=True)


@pytest.fixture
def sign_up_on() -> Callable[[Flask], Provider]:
    from tests.issuer.console.conftest import PASSWORD

    def sign(app: Flask) -> Provider:
        console = Console(app.test_client())
        response = console.post(
            "/console/signup",
            {
                "organisation": "Smtp Org",
                "slug": "smtp-org",
                "name": "Sam Owner",
                "email": "owner@smtp-org.example",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 302
        return Provider("smtp-org", "Smtp Org", "owner@smtp-org.example", console)

    return sign


# --- the outbox's file names: any text is refused unless it is one of ours ---------------------


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=80))
def test_any_message_name_but_an_outbox_file_is_not_found(name: str) -> None:
    import tempfile

    from issuer.console.mail_pages import OUTBOX_NAME, _shown
    from microcred.platform.refusals import NotFoundError

    with tempfile.TemporaryDirectory() as folder:
        outbox = Path(folder, "outbox")
        outbox.mkdir()
        # A real .eml beside the outbox, and one inside it for another provider: neither is
        # ever shown, whatever the name asked for.
        Path(folder, "20260101T000000000000-00000000.eml").write_bytes(b"Subject: x\r\n\r\nx")
        (outbox / "20260101T000000000000-11111111.eml").write_bytes(
            b"X-Microcred-Issuer: 2\r\nSubject: y\r\n\r\ny"
        )
        with pytest.raises(NotFoundError):
            _shown(outbox, name, issuer_id=1)
        assert OUTBOX_NAME.match(name) is None or "/" not in name
