"""The PDF certificate in the language chosen at issuance (issue 14, item 7), end to end:
issued through the API with ``"language": "es"``, the PDF a freelancer downloads is in
Spanish, now and after a revocation, whatever language the reader's browser asks for; the
language is kept with the credential and reported by the API; a language the service does
not offer is refused by name and nothing is issued; wallet copies keep it."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from issuer.models import IssuedCredential
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from sharing.documents import catalogue_digest
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import Ready, ready

URL = "/api/v1/credentials"


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def world(make: Factory) -> Ready:
    return ready(make)


def _issue(client: FlaskClient, world: Ready, **body: object) -> tuple[int, dict]:
    response = client.post(
        URL,
        json={"freelancerId": world.freelancer_id, "certificationId": world.certification.id}
        | body,
        headers=world.provider.headers,
    )
    return response.status_code, response.get_json()


def _count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IssuedCredential)) or 0


def test_a_credential_issued_in_spanish_prints_its_pdf_in_spanish(
    client: FlaskClient, world: Ready
) -> None:
    status, body = _issue(client, world, language="es")
    assert status == 201, body
    assert body["language"] == "es"
    fetched = client.get(f"{URL}/{body['id']}", headers=world.provider.headers).get_json()
    assert fetched["language"] == "es"
    # The reader's browser asks for English: the certificate keeps the issuance's language.
    pdf = client.get(f"/credentials/{body['id']}.pdf", headers={"Accept-Language": "en"})
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert "Se certifica que" in text
    assert "ESCANEE PARA VER EL ESTADO" in text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text), text
    assert "This certifies that" not in text
    # The signed JSON says nothing of it: the same credential in every language.
    assert "language" not in body["document"]


def test_english_is_the_default_and_is_reported(client: FlaskClient, world: Ready) -> None:
    status, body = _issue(client, world)
    assert status == 201, body
    assert body["language"] == "en"
    pdf = client.get(f"/credentials/{body['id']}.pdf", headers={"Accept-Language": "es"})
    assert "This certifies that" in pdf_text(pdf.data)


def test_a_revoked_spanish_credential_is_marked_in_spanish(
    client: FlaskClient, world: Ready
) -> None:
    _, body = _issue(client, world, language="es")
    first = client.get(f"/credentials/{body['id']}.pdf")
    revoked = client.post(
        f"{URL}/{body['id']}/revoke",
        json={"reason": "wrong person"},
        headers=world.provider.headers,
    )
    assert revoked.status_code == 200
    again = client.get(f"/credentials/{body['id']}.pdf")
    assert again.headers["ETag"] != first.headers["ETag"]
    text = pdf_text(again.data)
    assert "REVOCADA" in text
    assert "REVOKED" not in text


@pytest.mark.parametrize("language", ["fr", "ES", "es-MX", "", 3, ["es"], "x" * 40])
def test_a_language_the_service_does_not_offer_is_refused_and_nothing_is_issued(
    app: Flask, client: FlaskClient, world: Ready, language: object
) -> None:
    before = _count(app)
    status, body = _issue(client, world, language=language)
    assert status == 422, body
    assert "language" in str(body["errors"]), body
    assert _count(app) == before


def test_bulk_rows_carry_the_language(app: Flask, client: FlaskClient, make: Factory) -> None:
    world = ready(make)
    other = make.freelancer(world.provider)
    for project in (make.project(world.provider, other), make.project(world.provider, other)):
        make.assess(
            world.provider, project, dict.fromkeys(world.certification.competency_ids, "accepted")
        )
    csv = (
        "freelancerId,certificationId,language\n"
        f"{world.freelancer_id},{world.certification.id},es\n"
        f"{other},{world.certification.id},fr\n"
    )
    response = client.post(
        "/api/v1/bulk-issuances",
        data=csv,
        headers={**world.provider.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code in (200, 202), response.get_data(as_text=True)
    task_queue(app).run_pending()
    job = client.get(response.headers["Location"], headers=world.provider.headers).get_json()
    items = job["items"]
    assert [i["outcome"] for i in items] == ["issued", "error"], items
    assert items[1]["error"]["column"] == "language"
    assert "fr" in items[1]["error"]["message"]
    with app.app_context():
        stored = db.session.get(IssuedCredential, items[0]["credentialId"])
        assert stored is not None
        assert stored.language == "es"


def test_the_cache_key_names_the_language_and_its_catalogue() -> None:
    assert catalogue_digest(None) == catalogue_digest("en") == "en"
    assert catalogue_digest("es").startswith("es:")
    assert catalogue_digest("es") != catalogue_digest("en")
