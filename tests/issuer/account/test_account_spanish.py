"""The freelancer's account and claim pages in Spanish (issue 14, item 7, second step): by
the browser's Accept-Language or the switcher's cookie, with the switcher on every page,
flash messages and form errors in the page's language, and the sign-in mail in the language
of the page that asked for it. English stays the default."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.models import RecipientAccount
from microcred.platform.extensions import db
from tests.issuer.account.conftest import Browser, claim_link, held_credential
from tests.issuer.account.test_claim_and_account import path_of
from tests.issuer.console.conftest import app_with_mail, deliver
from tests.issuer.factories import Factory
from tests.smtp import SmtpServer

ES = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


def spanish(browser: Browser) -> Browser:
    browser.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = ES["Accept-Language"]
    return browser


def test_claim_and_overview_are_in_spanish_by_accept_language(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held = held_credential(app, make)
    browser = spanish(browser_client)
    path = path_of(claim_link(app, held.issued.id))
    page = browser.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<html lang="es">' in text
    assert "Reclame su credencial" in text
    assert "Reclamar e iniciar sesión" in text
    assert "Claim your credential" not in text
    assert 'hreflang="en"' in text  # the switcher offers English
    assert "Accept-Language" in page.headers["Vary"]
    done = browser.post(path)
    assert done.status_code == 302
    overview = browser.get("/account").get_data(as_text=True)
    assert "Sus credenciales" in overview
    assert "ya está en su cuenta" in overview  # the flash message
    assert "Quién puede verla" in overview
    assert "Pública: aparece en su perfil" in overview  # a lazy form choice
    assert "Vigente" in overview
    assert "Emitida por" in overview
    assert " de 20" in overview  # a Spanish long date: "7 de diciembre de 2026"
    saved = browser.post(
        f"/account/credentials/{held.issued.id}/visibility", {"visibility": "link"}
    )
    assert saved.status_code == 302
    assert "Guardado: quién puede ver esta credencial." in browser.get("/account").get_data(
        as_text=True
    )


def test_form_errors_and_refusals_are_in_spanish(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held_credential(app, make)
    browser = spanish(browser_client)
    failed = browser.post(
        "/account/signin/password", {"email": "amara@example.com", "password": "wrong one"}
    )
    assert failed.status_code == 401
    assert "No se pudo iniciar sesión" in failed.get_data(as_text=True)
    short = browser.post("/account/signin", {"email": ""})
    assert short.status_code == 422
    assert "Dirección de correo electrónico" in short.get_data(as_text=True)  # the label
    unknown = browser.get("/claim/" + "A" * 43)
    assert unknown.status_code == 404
    assert "No se ha cambiado nada." in unknown.get_data(as_text=True)
    no_token = browser.client.post("/account/signin", data={})
    assert no_token.status_code == 400
    assert "No se pudo aceptar este formulario" in no_token.get_data(as_text=True)


def test_the_switcher_cookie_wins_over_accept_language(app: Flask, browser_client: Browser) -> None:
    browser = spanish(browser_client)
    switched = browser.get("/language/en?next=/account/signin")
    assert switched.status_code == 303
    assert switched.headers["Location"] == "/account/signin"
    text = browser.get("/account/signin").get_data(as_text=True)
    assert "Send me a sign-in link" in text
    browser.get("/language/es?next=/account/signin")
    text = browser.get("/account/signin", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Envíenme un enlace para iniciar sesión" in text
    assert '<span aria-current="true" lang="es">Español</span>' in text


def test_english_stays_the_default(app: Flask, browser_client: Browser) -> None:
    text = browser_client.get("/account/signin").get_data(as_text=True)
    assert '<html lang="en">' in text
    assert "Send me a sign-in link" in text
    assert "Iniciar sesión" not in text.replace('lang="es">Español', "")


def test_the_sign_in_mail_is_in_the_language_of_the_page_that_asked(
    app: Flask, make: Factory, browser_client: Browser, smtp_server: SmtpServer
) -> None:
    held_credential(app, make)
    browser = spanish(browser_client)
    sent = len(smtp_server.mailbox.messages)
    answer = browser.post("/account/signin", {"email": "amara@example.com"})
    assert answer.status_code == 200
    assert "Revise su correo" in answer.get_data(as_text=True)
    deliver(app)
    assert len(smtp_server.mailbox.messages) == sent + 1
    mail = smtp_server.mailbox.messages[-1]
    assert mail["Subject"] == "Su enlace para iniciar sesión en microcred"
    body = smtp_server.mailbox.text()
    assert "El enlace funciona una sola vez, durante 15 minutos." in body
    assert browser.post(path_of(smtp_server.mailbox.link())).status_code == 302


def test_a_claim_or_sign_in_records_the_pages_language_for_mail(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    held = held_credential(app, make)
    browser = spanish(browser_client)
    assert browser.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    assert account_language(app, held.email) == "es"
    # Signed in again in English (the switcher's cookie): the account follows.
    english = Browser(app.test_client())
    english.get("/language/en?next=/account/signin")
    assert english.post(path_of(claim_link(app, held.issued.id))).status_code == 302
    assert account_language(app, held.email) == "en"


def account_language(app: Flask, email: str) -> str | None:
    with app.app_context():
        found: str | None = db.session.scalar(
            select(RecipientAccount.language).where(RecipientAccount.email == email)
        )
        return found
