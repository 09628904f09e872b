"""``POST /credentials/issue`` with ``relatedResource`` (VC Data Model 2.0 §5.3): a digest
that does not match the resource is refused with 422 naming the field, before anything is
signed or stored; bundled contexts are compared offline, other resources retrieved with the
verifier's guarded fetcher (loopback here, which only development configuration allows)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from issuer.models import IssuedCredential
from microcred.platform.extensions import db
from tests.issuer.factories import Factory, Provider
from tests.verifier.servers import TestServer, http_server_fixture  # noqa: F401 - fixture

URL = "/credentials/issue"
V2 = "https://www.w3.org/ns/credentials/v2"
MALFORMED_VALUE = "https://www.w3.org/TR/vc-data-model#MALFORMED_VALUE_ERROR"
# W3C vc-data-model-2.0-test-suite tests/fixtures.js and tests/5-advanced-concepts.js.
SUITE_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
SUITE_MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
SUITE_WRONG_MULTIBASE = "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"

SYLLABUS = b"Week 1: HTTP APIs. Week 2: testing."


def credential(*related: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"name": "Alice"},
        "relatedResource": list(related),
    }


def sri(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(MICROCRED_ALLOW_PRIVATE_FETCH=True)


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider()


def issue(client: FlaskClient, provider: Provider, document: dict[str, Any]) -> Any:
    return client.post(URL, json={"credential": document}, headers=provider.headers)


def stored(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


@pytest.mark.parametrize(
    "entry",
    [
        {"id": V2, "digestSRI": SUITE_SRI},
        {"id": V2, "digestMultibase": SUITE_MULTIBASE},
        {"id": V2, "mediaType": "application/ld+json", "digestSRI": SUITE_SRI},
    ],
)
def test_the_suites_valid_related_resources_are_issued(
    client: FlaskClient, provider: Provider, entry: dict[str, Any]
) -> None:
    response = issue(client, provider, credential(entry))

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["verifiableCredential"]["relatedResource"] == [entry]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (
            {"id": V2, "digestMultibase": SUITE_WRONG_MULTIBASE},
            "relatedResource[0].digestMultibase",
        ),
        (
            {"id": V2, "digestSRI": "sha384-" + base64.b64encode(bytes(48)).decode()},
            "relatedResource[0].digestSRI",
        ),
    ],
)
def test_a_wrong_digest_is_refused_naming_the_field(
    app: Flask, client: FlaskClient, provider: Provider, entry: dict[str, Any], field: str
) -> None:
    response = issue(client, provider, credential(entry))

    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == field
    assert body["type"] == MALFORMED_VALUE
    assert body["detail"].startswith(f"{field}: does not match {V2}")
    assert stored(app) == 0


def test_a_retrieved_resource_is_compared(
    client: FlaskClient, provider: Provider, http_server: TestServer
) -> None:
    http_server.route("/syllabus.txt", SYLLABUS, headers={"Content-Type": "text/plain"})
    url = http_server.url("/syllabus.txt")

    good = issue(client, provider, credential({"id": url, "digestSRI": sri(SYLLABUS)}))
    wrong = issue(client, provider, credential({"id": url, "digestSRI": sri(b"Week 1: SOAP.")}))
    typed = issue(
        client,
        provider,
        credential({"id": url, "mediaType": "application/pdf", "digestSRI": sri(SYLLABUS)}),
    )

    assert good.status_code == 201, good.get_data(as_text=True)
    assert (wrong.status_code, wrong.get_json()["field"]) == (422, "relatedResource[0].digestSRI")
    # The server says text/plain: not the PDF the issuer named (VC 2.0 §5.3 "SHOULD reject").
    assert (typed.status_code, typed.get_json()["field"]) == (422, "relatedResource[0]")
    assert "Content-Type 'text/plain'" in typed.get_json()["detail"]


def test_a_resource_that_cannot_be_retrieved_is_not_signed(
    app: Flask, client: FlaskClient, provider: Provider, http_server: TestServer
) -> None:
    missing = http_server.url("/gone.pdf")

    response = issue(client, provider, credential({"id": missing, "digestSRI": sri(SYLLABUS)}))

    assert response.status_code == 422
    body = response.get_json()
    assert body["field"] == "relatedResource[0]"
    assert "could not retrieve the resource" in body["detail"]
    assert "HTTP 404" in body["detail"]
    assert stored(app) == 0


def test_production_configuration_does_not_fetch_loopback(
    make_app: Callable[..., Flask], http_server: TestServer
) -> None:
    app = make_app()  # MICROCRED_ALLOW_PRIVATE_FETCH off
    provider = Factory(app).provider()
    http_server.route("/syllabus.txt", SYLLABUS)
    entry = {"id": http_server.url("/syllabus.txt"), "digestSRI": sri(SYLLABUS)}

    response = issue(app.test_client(), provider, credential(entry))

    assert response.status_code == 422
    assert http_server.requests == []
