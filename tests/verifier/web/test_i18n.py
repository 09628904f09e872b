"""Issue 14, item 7: the public verify pages in Spanish, chosen by Accept-Language or by the
language switcher (a cookie), with the English pages as they were; the catalogue complete.
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from microcred.platform.i18n import COOKIE, _same_site_path
from tests.verifier.web.issuing import IssuingWorld
from tests.verifier.web.test_browser_warnings import dcc_style

ES = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', html)
    assert match, html[:300]
    return match.group(1)


def _verdict_word(html: str) -> str:
    match = re.search(r'data-verdict="[a-z_]+">([^<]+)<', html)
    assert match, html[:3000]
    return match.group(1)


def test_the_form_is_english_by_default_and_for_unsupported_languages(
    client: FlaskClient,
) -> None:
    for headers in ({}, {"Accept-Language": "fr-FR,de;q=0.8"}, {"Accept-Language": "en-GB"}):
        response = client.get("/verify", headers=headers)
        html = response.get_data(as_text=True)
        assert _lang(html) == "en"
        assert "<h1>Verify a credential</h1>" in html
        assert "Verificar" not in html


def test_the_form_is_spanish_by_accept_language(client: FlaskClient) -> None:
    response = client.get("/verify", headers=ES)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _lang(html) == "es"
    assert "<h1>Verificar una credencial</h1>" in html
    assert "Archivo de la credencial" in html
    assert "Verify a credential" not in html
    # caches must not hand the Spanish page to an English reader
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_the_switcher_sets_a_cookie_and_overrides_the_browser(client: FlaskClient) -> None:
    english = client.get("/verify").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" hreflang="es" lang="es">Español</a>', english)
    assert link, "the English page links to its Spanish version"
    assert '<span aria-current="true" lang="en">English</span>' in english

    switched = client.get(link.group(1).replace("&amp;", "&"))

    assert switched.status_code == 303
    assert switched.headers["Location"] == "/verify"
    assert switched.headers["Cache-Control"] == "no-store"
    cookie = SimpleCookie(switched.headers["Set-Cookie"])[COOKIE]
    assert cookie.value == "es"
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # the cookie beats a browser that asks for English
    html = client.get("/verify", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(html) == "es"
    assert "<h1>Verificar una credencial</h1>" in html
    assert 'hreflang="en" lang="en">English</a>' in html

    client.get("/language/en?next=/verify")
    html = client.get("/verify", headers=ES).get_data(as_text=True)
    assert _lang(html) == "en"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "evil", "", "javascript:x"],
)
def test_the_switcher_never_leaves_the_site(client: FlaskClient, target: str) -> None:
    response = client.get("/language/es", query_string={"next": target})

    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_refused(client: FlaskClient) -> None:
    response = client.get("/language/xx?next=/verify")

    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


@given(st.text(max_size=60))
def test_the_switch_target_is_always_a_path_on_this_site(target: str) -> None:
    path = _same_site_path(target)
    assert path.startswith("/")
    assert not path.startswith("//")
    assert "\\" not in path
    assert path in ("/", target)


def test_a_stored_credential_page_in_spanish(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()

    html = client.get(issued.page, headers=ES).get_data(as_text=True)

    assert _lang(html) == "es"
    assert _verdict_word(html) == "Válida"
    assert "Esta credencial está intacta y vigente" in html
    assert "Comprobaciones" in html
    assert "Firma digital" in html
    assert "Superada" in html
    assert "Otorgada a" in html
    assert "Amara Okafor" in html
    assert "Certificado en PDF" in html
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", html), "dates in Spanish"
    assert "Valid" not in _verdict_word(html)
    # the same page in English is unchanged
    english = client.get(issued.page).get_data(as_text=True)
    assert _verdict_word(english) == "Valid"
    assert "This credential is intact and current" in english


def test_a_revoked_credential_in_spanish(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()
    world.revoke(issued)

    html = client.get(issued.page, headers=ES).get_data(as_text=True)

    assert _verdict_word(html) == "Revocada"
    assert "ha retirado esta credencial" in html


def test_warnings_meanings_are_translated_by_code(client: FlaskClient) -> None:
    response = client.post(
        "/verify",
        data={"credential": json.dumps(dcc_style())},
        content_type="multipart/form-data",
        headers={**ES, "Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert "2 advertencias" in html
    assert "compruebe que el nombre corresponde a la persona" in html
    assert 'data-code="ob3.subject_without_identifier"' in html  # codes stay codes
    assert "check the name against the person" not in html


def test_a_not_found_link_in_spanish(client: FlaskClient) -> None:
    response = client.get("/v/NOPE-1234", headers=ES)

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No encontrada" in html
    assert "NOPE-1234" in html


def test_the_json_answers_and_the_console_stay_english(
    client: FlaskClient, world: IssuingWorld
) -> None:
    issued = world.issue()
    body = client.get(issued.page, headers={**ES, "Accept": "application/json"}).get_json()
    assert "Válida" not in json.dumps(body, ensure_ascii=False)

    console = client.get("/console/signin", headers=ES)
    html = console.get_data(as_text=True)
    assert _lang(html) == "en"
    assert "hreflang" not in html  # no switcher where nothing is translated
