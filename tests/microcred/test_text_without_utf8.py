"""A lone surrogate (``"\\ud800"`` in JSON text) gets a 400 naming the field at every endpoint
that takes JSON, and exit 2 with one line from the CLI: never a 500 or a traceback.

Such text has no UTF-8 form, so no canonical form: nothing could sign or store it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.credentials import factories as f
from tests.issuer.factories import Factory, certification_payload, freelancer_payload
from tests.microcred.test_cli_sign_verify import run, unsigned_for

JSON = {"Content-Type": "application/json"}
SURROGATE = "LONE-SURROGATE"


def raw(document: Any, value: str = "copy\\ud83dpaste") -> str:
    """JSON text with ``value`` (a JSON escape) where ``SURROGATE`` was."""
    text = json.dumps(document)
    assert SURROGATE in text
    return text.replace(SURROGATE, value)


def assert_refused(response: Any, field: str) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == "invalid_text"
    assert body["field"] == field
    assert "U+D83D" in body["description"]


@pytest.mark.parametrize(
    ("method", "url", "document", "field"),
    [
        ("post", "/api/v1/micro-certifications", certification_payload(name=SURROGATE), "name"),
        ("post", "/api/v1/freelancers", freelancer_payload(name=SURROGATE), "name"),
        ("patch", "/api/v1/issuer", {"name": SURROGATE}, "name"),
        # in a key: the field is named with the escape, so that it stays printable
        ("patch", "/api/v1/issuer", {SURROGATE: "key"}, "copy\\ud83dpaste"),
    ],
)
def test_issuer_api(
    client: FlaskClient, make: Factory, *, method: str, url: str, document: Any, field: str
) -> None:
    provider = make.provider()
    response = getattr(client, method)(
        url, data=raw(document), headers={**provider.headers, **JSON}
    )
    assert_refused(response, field)


def test_vc_api_issue(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": provider.did,
        "credentialSubject": {"name": SURROGATE},
    }
    response = client.post(
        "/credentials/issue",
        data=raw({"credential": credential}),
        headers={**provider.headers, **JSON},
    )
    assert_refused(response, "credential.credentialSubject.name")


def test_vc_api_verify(client: FlaskClient) -> None:
    signed = f.signed(f.credential(name=SURROGATE))
    response = client.post(
        "/credentials/verify", data=raw({"verifiableCredential": signed}), headers=JSON
    )
    assert_refused(response, "verifiableCredential.name")
    assert response.get_json()["verified"] is False


def test_verify_api(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/verify", data=raw(f.signed(f.credential(name=SURROGATE))), headers=JSON
    )
    assert_refused(response, "name")


@pytest.mark.parametrize("how", ["pasted", "uploaded"])
def test_verify_form(client: FlaskClient, how: str) -> None:
    # The public /verify form: an rdfc credential pasted or uploaded as a .json file.
    text = raw(f.signed(f.credential(name=SURROGATE)))
    field = (
        {"credential": text}
        if how == "pasted"
        else {"file": (io.BytesIO(text.encode()), "credential.json", "application/json")}
    )
    response = client.post("/verify", data=field, content_type="multipart/form-data")
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert '<form class="card verify-form"' in page


def test_a_valid_surrogate_pair_is_text(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/verify",
        data=raw(f.signed(f.credential(name=SURROGATE)), "\\ud83d\\ude00"),
        headers=JSON,
    )
    assert response.status_code != 400 or response.get_json()["error"] != "invalid_text"


def test_cli_sign_and_verify(tmp_path: Path) -> None:
    keys_dir = tmp_path / "keys"
    did = json.loads(run(keys_dir, "keys", "create", "issuer", "--json").output)["did"]
    unsigned = unsigned_for(did)
    unsigned["evidence"][0]["name"] = SURROGATE
    source = tmp_path / "cred.json"
    source.write_text(raw(unsigned), encoding="utf-8")
    for args in (["sign", str(source), "--key", "issuer"], ["verify", str(source)]):
        result = run(keys_dir, *args)
        assert result.exit_code == 2, result.output
        assert "evidence[0].name" in result.output
        assert "U+D83D" in result.output
        assert "Traceback" not in result.output
