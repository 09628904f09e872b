"""Issue 15, item 7, end to end: a JWT, an Open Badges 2.0 assertion (JSON or baked PNG),
a link or a file with no credential gets "not supported yet (what it is)" or "holds no
credential" with a stable code, on the page (paste and upload), both APIs and the CLI;
never a generic 400 without a reason, never a 500."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from credentials.documents.badge_image import default_badge_png
from credentials.documents.png_chunks import iter_chunks
from microcred.cli import cli

# v-jwt: VC JWTs are verified now (tests/verifier/web/test_jwt_formats.py); a signed
# Open Badges 2.0 assertion (JWS) is the JWT that is still not supported.
from tests.credentials.test_formats import OB2, OB2_JWS

API = "/api/v1/verify"
VC_API = "/credentials/verify"


def ob2_baked_png() -> bytes:
    """A PNG baked the Open Badges 2.0 way: an ``openbadges`` iTXt chunk holding a URL."""
    import struct
    import zlib

    png = default_badge_png("OB 2.0")
    data = b"openbadges\x00\x00\x00\x00\x00https://example.org/assertions/1"
    chunk = struct.pack(">I", len(data)) + b"iTXt" + data
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + data) & 0xFFFFFFFF)
    assert list(iter_chunks(png))  # a real PNG
    return png[:33] + chunk + png[33:]


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        (OB2, "ob2"),
        ({"verifiableCredential": OB2_JWS}, "jwt"),
        ({"verifiableCredential": OB2}, "ob2"),
        (OB2_JWS, "jwt"),
    ],
    ids=["ob2", "envelope-jwt", "envelope-ob2", "jwt-string"],
)
def test_api_json_says_not_supported_yet(client: FlaskClient, body: object, fmt: str) -> None:
    response = client.post(API, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["error"] == "format.unsupported"
    assert problem["details"]["format"] == fmt
    assert "not supported yet" in problem["description"]


@pytest.mark.parametrize("content_type", ["application/vc+jwt", "text/plain"])
def test_api_raw_jwt_says_not_supported_yet(client: FlaskClient, content_type: str) -> None:
    response = client.post(API, data=OB2_JWS, content_type=content_type)
    assert response.status_code == 422
    assert response.get_json()["error"] == "format.unsupported"


def test_api_json_that_is_no_credential(client: FlaskClient) -> None:
    response = client.post(API, json={"hello": "world"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "format.no_credential"
    assert "holds no credential" in body["description"]


def test_api_ob2_baked_png(client: FlaskClient) -> None:
    response = client.post(API, data=ob2_baked_png(), content_type="image/png")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "format.unsupported"
    assert "Open Badges 2.0" in body["description"]


@pytest.mark.parametrize(
    ("credential", "fmt"),
    [(OB2_JWS, "jwt"), (OB2, "ob2"), ("https://example.org/a/1", "link")],
)
def test_vc_api_names_the_format(client: FlaskClient, credential: object, fmt: str) -> None:
    response = client.post(VC_API, json={"verifiableCredential": credential})
    assert response.status_code == 400  # VCALM allows 200 and 400 only
    body = response.get_json()
    assert body["verified"] is False
    assert body["error"] == "format.unsupported"
    assert "not supported yet" in body["problemDetails"][0]["detail"]


@pytest.mark.parametrize(
    ("text", "title", "code"),
    [
        (OB2_JWS, "This format is not supported yet.", "format.unsupported"),
        (json.dumps(OB2), "This format is not supported yet.", "format.unsupported"),
        ('{"hello": "world"}', "No credential was found in this.", "format.no_credential"),
        ("some words", "No credential was found in this.", "format.no_credential"),
    ],
)
def test_page_paste_says_what_it_is(client: FlaskClient, text: str, title: str, code: str) -> None:
    response = client.post("/verify", data={"credential": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert title in html
    assert f'<code class="error-code">{code}</code>' in html


def test_page_upload_of_an_ob2_png(client: FlaskClient) -> None:
    data = {"file": (io.BytesIO(ob2_baked_png()), "badge.png", "image/png")}
    response = client.post("/verify", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This format is not supported yet." in html
    assert "Open Badges 2.0" in html


def test_page_upload_of_a_png_without_a_credential(client: FlaskClient) -> None:
    data = {"file": (io.BytesIO(default_badge_png("plain")), "plain.png", "image/png")}
    response = client.post("/verify", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "No credential was found in this." in html
    assert "format.no_credential" in html


def test_cli_names_a_jwt_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "credential.jwt"
    path.write_text(OB2_JWS, encoding="utf-8")
    env = {"MICROCRED_KEYS_DIR": str(tmp_path / "keys"), "MICROCRED_ENV": "development"}
    result = CliRunner().invoke(cli, ["verify", str(path)], env=env)
    assert result.exit_code == 2
    assert "FORMAT NOT SUPPORTED YET" in result.output
    assert "[format.unsupported]" in result.output
    as_json = CliRunner().invoke(cli, ["verify", "--json", str(path)], env=env)
    report = json.loads(as_json.output)["results"][0]
    assert report["code"] == "format.unsupported"
    assert report["format"] == "jwt"
