"""Mail to freelancers in their language (issue 14, item 7, second step), end to end
through a real SMTP server on loopback (aiosmtpd): the language the freelancer's account
recorded at their last claim or sign-in, else the language the provider chose for the
credential's certificate; English without either."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from issuer.models import Freelancer, RecipientAccount
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue, ready
from tests.issuer.test_mail_delivery import SENDER, deliver
from tests.smtp import SmtpServer, smtp_server  # noqa: F401 - a fixture


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:  # noqa: F811
    return make_app(MICROCRED_SMTP_URL=smtp_server.url, MICROCRED_MAIL_FROM=SENDER)


def account_for(app: Flask, freelancer_id: str, language: str | None) -> str:
    with app.app_context(), write_transaction(db.session):
        email = db.session.scalar(select(Freelancer.email).where(Freelancer.id == freelancer_id))
        assert email
        db.session.add(RecipientAccount(email=email.lower(), language=language))
    return str(email)


def test_the_issued_mail_is_in_the_language_the_account_recorded(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world = ready(make, name="Desarrollo de APIs con Python")
    address = account_for(app, world.freelancer_id, "es")
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert deliver(app) == 2
    [message] = smtp_server.mailbox.messages
    assert message["To"] == address
    assert message["Subject"].strip() == (
        f"Provider {world.provider.slug} le ha emitido una credencial: "
        "Desarrollo de APIs con Python"
    )
    text = smtp_server.mailbox.text()
    assert text.startswith("Hola, ")
    assert "Qué se certificó" in text
    assert "Reclame su credencial:" in text
    assert " de 20" in text  # a Spanish long date, "7 de diciembre de 2026"
    assert "What was certified" not in text
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())
    assert '<html lang="es">' in html
    assert 'alt="Insignia de la microcredencial Desarrollo de APIs con Python' in html


@pytest.mark.parametrize("language", [None, "en", "xx"])
def test_without_a_known_language_the_mail_is_english(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
    language: str | None,
) -> None:
    world = ready(make, name="Python APIs")
    account_for(app, world.freelancer_id, language)
    issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert deliver(app) == 2
    [message] = smtp_server.mailbox.messages
    assert "issued you a credential: Python APIs" in message["Subject"]
    assert "What was certified" in smtp_server.mailbox.text()
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    assert '<html lang="en">' in str(html_part.get_content())


def test_without_an_account_the_mail_follows_the_certificate_language(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    """The first mail (the claim link) goes before the freelancer has an account: the
    language the provider chose for the credential at issuance is the best guess; its PDF
    attachment is in that language too."""
    world = ready(make, name="Desarrollo de APIs con Python")
    issue(make, world.provider, world.freelancer_id, world.certification.id, language="es")
    assert deliver(app) == 2
    [message] = smtp_server.mailbox.messages
    assert "le ha emitido una credencial" in message["Subject"]
    assert "Reclame su credencial:" in smtp_server.mailbox.text()
    [pdf] = [p for p in message.walk() if p.get_content_disposition() == "attachment"]
    words = " ".join(
        PdfReader(io.BytesIO(bytes(pdf.get_content()))).pages[0].extract_text().split()
    )
    assert "Se certifica que" in words


def test_the_account_language_wins_over_the_certificate_language(
    app: Flask,
    make: Factory,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    world = ready(make, name="Python APIs")
    account_for(app, world.freelancer_id, "en")
    issue(make, world.provider, world.freelancer_id, world.certification.id, language="es")
    assert deliver(app) == 2
    [message] = smtp_server.mailbox.messages
    assert "issued you a credential: Python APIs" in message["Subject"]
