"""Issue 14, item 7: the share and profile pages in Spanish (Accept-Language or the
switcher's cookie), with the credential's own words and the embed snippet as issued."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.sharing.conftest import Issued
from tests.sharing.test_profile_and_share import Page

ES = {"Accept-Language": "es"}


def test_the_share_page_in_spanish(client: FlaskClient, issue: Callable[..., Issued]) -> None:
    issued = issue()

    response = client.get(issued.path("/share"), headers=ES)

    html = response.get_data(as_text=True)
    page = Page(html)
    assert '<html lang="es">' in html
    assert "Insertar la insignia" in page.text
    assert "Válida" in page.text
    assert re.search(r"Emitida el \d{1,2} de [a-z]+ de \d{4}", page.text)
    assert "Certificado en PDF" in page.text
    assert "Embed the badge" not in page.text
    assert 'hreflang="en"' in html
    assert "Accept-Language" in response.vary


def test_a_revoked_credential_says_so_in_spanish(
    client: FlaskClient, issue: Callable[..., Issued], revoke: Callable[[Issued], None]
) -> None:
    issued = issue()
    revoke(issued)

    page = Page(client.get(issued.path("/share"), headers=ES).data.decode())

    assert "Revocada." in page.text
    assert "El centro de formación la revocó." in page.text
    assert page.textarea == ""  # sharing is still off


def test_the_profile_in_spanish_by_the_switcher(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issue(handle="amara-okafor", profile_public=True)
    client.get("/language/es?next=/p/amara-okafor")

    page = Page(client.get("/p/amara-okafor").data.decode())

    assert "Compartir y descargar" in page.text
    assert "Emitida por" in page.text
    assert "Freelance Python API Developer" in page.text  # the credential's words, as issued
    client.get("/language/en?next=/p/amara-okafor")
    english = Page(client.get("/p/amara-okafor", headers=ES).data.decode())
    assert "Share & download" in english.text
