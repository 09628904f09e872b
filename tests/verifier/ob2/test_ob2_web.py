"""Open Badges 2.0 end to end: the page (upload, paste, URL, recipient), /api/v1/verify
(upload, JSON, raw text, ?url=), /credentials/verify (refused: W3C credentials only) and
the CLI, every fetch answered by FixtureWeb."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from microcred.cli import cli
from tests.verifier.ob2.world import (
    ASSERTION_URL,
    CORE,
    HOSTS,
    RECIPIENT,
    Signer,
    bake_png,
    load,
    serve_hosted,
    serve_svg_example,
    tamper,
)
from tests.verifier.servers import FixtureWeb, fixture_web

API = "/api/v1/verify"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[FixtureWeb]:
    (tmp_path / "tls").mkdir()
    with fixture_web(tmp_path / "tls", HOSTS) as running:
        yield running


@pytest.fixture
def client(make_app: Callable[..., Flask], web: FixtureWeb) -> FlaskClient:
    return make_app(MICROCRED_VERIFIER_FETCHER=web.fetcher).test_client()


def page(client: FlaskClient, **fields: object) -> tuple[int, str]:
    response = client.post("/verify", data=fields, content_type="multipart/form-data")
    return response.status_code, response.get_data(as_text=True)


# --- the page -------------------------------------------------------------------------------


def test_page_upload_of_the_validators_baked_png(client: FlaskClient, web: FixtureWeb) -> None:
    png = (CORE / "baked_heart.png").read_bytes()
    from credentials.documents.ob2_baked import png_text

    serve_hosted(web, json.loads(png_text(png) or "{}"))
    status, html = page(client, file=(io.BytesIO(png), "heart.png", "image/png"))
    assert status == 200
    assert "Awesome Robotics Badge" in html
    assert "only as authentic as the issuer" in html
    assert "Recipient not checked" in html


def test_page_upload_of_the_spec_svg_with_recipient(client: FlaskClient, web: FixtureWeb) -> None:
    svg = serve_svg_example(web)
    status, html = page(
        client, file=(io.BytesIO(svg), "badge.svg", "image/svg+xml"), recipient="alice@example.org"
    )
    assert status == 200
    assert "3-D Printmaster" in html
    assert "Awarded to the e-mail address you typed" in html


def test_page_paste_and_url(client: FlaskClient, web: FixtureWeb) -> None:
    assertion = serve_hosted(web)
    status, html = page(client, credential=json.dumps(assertion), recipient=RECIPIENT)
    assert status == 200
    assert "Awarded to the e-mail address you typed" in html
    status, html = page(client, url=ASSERTION_URL, recipient="someone@example.org")
    assert status == 200
    assert "Not awarded to the e-mail address you typed" in html
    assert "ob2.recipient_mismatch" in html or "not awarded to the person" in html
    assert RECIPIENT not in html  # a hashed identity is never revealed


def test_page_paste_of_a_tampered_signed_badge(client: FlaskClient, web: FixtureWeb) -> None:
    signer = Signer(web)
    status, html = page(client, credential=tamper(signer.sign(signer.assertion())))
    assert status == 200
    assert "Not valid" in html or "not valid" in html


def test_page_url_field_must_be_a_web_address(client: FlaskClient) -> None:
    status, html = page(client, url="ftp://example.org/badge")
    assert status == 400
    assert "https://" in html


def test_page_form_has_labelled_url_and_recipient_fields(client: FlaskClient) -> None:
    html = client.get("/verify").get_data(as_text=True)
    for field in ("badge-url", "badge-recipient"):
        assert f'<label for="{field}">' in html
        assert f'id="{field}"' in html
    assert 'aria-describedby="recipient-hint"' in html


# --- /api/v1/verify -----------------------------------------------------------------------


def test_api_json_upload_text_and_url(client: FlaskClient, web: FixtureWeb) -> None:
    assertion = serve_hosted(web)
    body = client.post(f"{API}?recipient={RECIPIENT}", json=assertion).get_json()
    assert body["verified"] is True
    assert body["issuer"] == "https://example.org/organization.json"
    assert {c["check"]: c["code"] for c in body["checks"]}["recipient"] == "match"
    png = bake_png(json.dumps(assertion))
    body = client.post(API, data=png, content_type="image/png").get_json()
    assert body["verified"] is True
    body = client.post(API, data=ASSERTION_URL, content_type="text/plain").get_json()
    assert body["verified"] is True
    body = client.post(f"{API}?url={ASSERTION_URL}&recipient=x@example.org").get_json()
    assert body["verified"] is False
    assert [e["code"] for e in body["errors"]] == ["ob2.recipient_mismatch"]


def test_api_signed_expired_revoked(client: FlaskClient, web: FixtureWeb) -> None:
    signer = Signer(web)
    ok = client.post(API, data=signer.sign(signer.assertion()), content_type="text/plain")
    assert ok.get_json()["verified"] is True
    expired = signer.sign(signer.assertion(expires="2018-01-01T00:00:00Z"))
    body = client.post(API, json={"verifiableCredential": expired}).get_json()
    assert body["verdict"] == "expired"
    revoked = signer.assertion()
    signer.revoked.append(revoked["id"])
    signer.publish()
    body = client.post(API, data=signer.sign(revoked), content_type="text/plain").get_json()
    assert body["verdict"] == "revoked"
    assert [e["code"] for e in body["errors"]] == ["status.revoked"]


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (b"\x89PNG\r\n\x1a\nnot really", "image/png", 415),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion', "image/svg+xml", 415),
        (
            b'{"@context": "https://w3id.org/openbadges/v2", "type": "Assertion",',
            "application/json",
            400,
        ),
    ],
    ids=["png", "svg", "json"],
)
def test_api_malformed_inputs_are_4xx(
    client: FlaskClient, data: bytes, content_type: str, status: int
) -> None:
    response = client.post(API, data=data, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["error"]


def test_vc_api_refuses_open_badges_2(client: FlaskClient, web: FixtureWeb) -> None:
    assertion = serve_hosted(web)
    response = client.post("/credentials/verify", json={"verifiableCredential": assertion})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "format.unsupported"
    assert "/api/v1/verify" in body["problemDetails"][0]["detail"]
    assert web.hits(ASSERTION_URL) == 0  # nothing fetched


# --- the CLI --------------------------------------------------------------------------------


def test_cli_verifies_files_and_urls(
    web: FixtureWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microcred.cli.ob2 import Ob2Cli
    from verifier.ob2 import build_ob2_verifier

    def build(cls: type[Ob2Cli], verifier: object, recipient: str | None) -> Ob2Cli:
        return cls(build_ob2_verifier(fetcher=web.fetcher), recipient)

    monkeypatch.setattr(Ob2Cli, "build", classmethod(build))  # the test fetcher
    assertion = serve_hosted(web)
    png = tmp_path / "badge.png"
    png.write_bytes(bake_png(json.dumps(assertion)))
    env = {"MICROCRED_KEYS_DIR": str(tmp_path / "keys"), "MICROCRED_ENV": "development"}
    args = ["verify", "--json", "--recipient", RECIPIENT, str(png), ASSERTION_URL]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    reports = json.loads(result.output)["results"]
    assert [r["format"] for r in reports] == ["ob2", "ob2"]
    expired = tmp_path / "expired.json"
    expired.write_text(
        json.dumps(
            serve_hosted(
                web, load("2_0_basic_assertion.json") | {"expires": "2017-01-01T00:00:00Z"}
            )
        )
    )
    result = CliRunner().invoke(cli, ["verify", str(expired)], env=env)
    assert result.exit_code == 1
    assert "validity.expired" in result.output or "EXPIRED" in result.output.upper()


# --- mozilla/openbadges-bakery's test images: broken JSON and plain-http URLs -------------

BAKERY = CORE.parent / "openbadges-bakery"


def test_bakery_svg_with_broken_json_is_400(client: FlaskClient) -> None:
    data = (BAKERY / "bad-json.svg").read_bytes()
    response = client.post(API, data=data, content_type="image/svg+xml")
    assert response.status_code == 400
    assert "broken JSON" in response.get_json()["description"]


@pytest.mark.parametrize("name", ["baked.svg", "no-json.svg"])
def test_bakery_svg_with_a_plain_http_url_is_refused(
    client: FlaskClient, web: FixtureWeb, name: str
) -> None:
    data = (BAKERY / name).read_bytes()
    body = client.post(API, data=data, content_type="image/svg+xml").get_json()
    assert body["verified"] is False
    assert [e["code"] for e in body["errors"]] == ["ob2.unreachable"]
    assert "http" in body["errors"][0]["message"]
    assert web.server.connections == 0  # the guard refused before connecting
