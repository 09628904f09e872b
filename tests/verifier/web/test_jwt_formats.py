"""Issue 15, item 4, end to end: credentials secured as JWTs (VC-JOSE-COSE, bare or in an
EnvelopedVerifiableCredential, and VC 1.1 JWT-VCs) verify from the page (paste and
upload), ``/api/v1/verify`` (raw, JSON, upload), ``/credentials/verify`` and the CLI —
valid, tampered, expired, revoked and malformed — with did:web keys and status lists
served by FixtureWeb (no test reaches the internet)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from credentials.jwtvc import envelope
from credentials.keys import Ed25519SigningKey
from credentials.statuslist import status_list_entry
from microcred.cli import cli
from tests.credentials import factories
from tests.credentials.jose_signing import (
    ED_SEED,
    WEB_DID,
    WEB_HOST,
    Issuer,
    b64json,
    tamper_payload,
)
from tests.verifier.servers import FixtureWeb, TestServer, fixture_web, http_server_fixture  # noqa: F401

API = "/api/v1/verify"
VC_API = "/credentials/verify"
STATUS_URL = f"https://{WEB_HOST}/status/1"
REVOKED_INDEX = 94
GOOD_INDEX = 95
MALFORMED = f"{b64json({'alg': 'EdDSA', 'typ': 'vc+jwt'})}.bm90IGpzb24.c2lnbmF0dXJl"


def web_issuer() -> Issuer:
    """An EdDSA did:web issuer whose key is a Multikey: the same key signs the JWTs and
    (Data Integrity) its status list."""
    issuer = Issuer.make("EdDSA", "web")
    issuer.document["verificationMethod"] = [
        {
            "id": issuer.kid,
            "type": "Multikey",
            "controller": WEB_DID,
            "publicKeyMultibase": issuer.signer.did_key().removeprefix("did:key:"),
        }
    ]
    return issuer


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    issuer = web_issuer()
    with fixture_web(tmp_path_factory.mktemp("jwt-web"), [WEB_HOST]) as running:
        running.serve(f"https://{WEB_HOST}/.well-known/did.json", issuer.document)
        running.serve(
            STATUS_URL,
            factories.status_list(
                STATUS_URL,
                set_bits=(REVOKED_INDEX,),
                key=Ed25519SigningKey.from_seed(ED_SEED),
                issuer=WEB_DID,
                vm=issuer.kid,
            ),
        )
        yield running


@pytest.fixture
def jwt_app(make_app: Callable[..., Flask], web: FixtureWeb) -> Flask:
    return make_app(MICROCRED_VERIFIER_FETCHER=web.fetcher)


@pytest.fixture
def jwt_client(jwt_app: Flask) -> FlaskClient:
    return jwt_app.test_client()


def token(*, index: int = GOOD_INDEX, **claims: Any) -> str:
    issuer = web_issuer()
    entry = status_list_entry(list_url=STATUS_URL, index=index, purpose="revocation")
    return issuer.sign({**issuer.credential(credentialStatus=entry), **claims})


def expired() -> str:
    return token(exp=int((datetime.now(UTC) - timedelta(days=2)).timestamp()))


def vc11() -> str:
    issuer = Issuer.make("ES256", "jwk")
    return issuer.sign(issuer.vc11_claims(), vc11=True)


# --- /api/v1/verify -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (lambda t: t, "application/vc+jwt"),
        (lambda t: t, "application/jwt"),
        (lambda t: t + "\n", "text/plain"),
        (json.dumps, "application/json"),
        (lambda t: json.dumps({"verifiableCredential": t}), "application/json"),
        (lambda t: json.dumps(envelope(t)), "application/json"),
        (lambda t: json.dumps({"verifiableCredential": envelope(t)}), "application/vc+ld+json"),
    ],
    ids=["vc+jwt", "jwt", "text", "json-string", "vc-string", "envelope", "vc-envelope"],
)
def test_api_verifies_a_did_web_vc_jwt(
    jwt_client: FlaskClient, body: Callable[[str], str], content_type: str
) -> None:
    response = jwt_client.post(API, data=body(token()), content_type=content_type)

    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    assert result["verified"] is True, result
    assert result["verdict"] == "valid"
    assert result["issuer"] == WEB_DID
    checks = {c["check"]: c for c in result["checks"]}
    assert checks["proof"]["details"]["alg"] == "EdDSA"
    assert checks["status"]["outcome"] == "passed"
    assert result["credential"]["name"] == "Data Analysis Micro-credential"


def test_api_upload_of_a_jwt_file_and_a_vc11_jwt(jwt_client: FlaskClient) -> None:
    data = {"file": (io.BytesIO(token().encode()), "credential.jwt", "application/octet-stream")}
    upload = jwt_client.post(API, data=data, content_type="multipart/form-data")
    pasted = jwt_client.post(API, data={"credential": vc11()}, content_type="multipart/form-data")

    assert upload.status_code == 200
    assert upload.get_json()["verified"] is True
    assert pasted.status_code == 200
    assert pasted.get_json()["verified"] is True, pasted.get_json()


@pytest.mark.parametrize(
    ("make", "verdict", "code"),
    [
        (lambda: tamper_payload(token()), "invalid", "jose.bad_signature"),
        (expired, "expired", "validity.expired"),
        (lambda: token(index=REVOKED_INDEX), "revoked", "status.revoked"),
    ],
    ids=["tampered", "expired", "revoked"],
)
def test_api_refuses_with_a_named_reason(
    jwt_client: FlaskClient, make: Callable[[], str], verdict: str, code: str
) -> None:
    response = jwt_client.post(API, data=make(), content_type="application/vc+jwt")

    assert response.status_code == 200
    result = response.get_json()
    assert result["verified"] is False
    assert result["verdict"] == verdict
    assert code in [e["code"] for e in result["errors"]]


def test_api_malformed_jwt_is_a_400_naming_it(jwt_client: FlaskClient) -> None:
    response = jwt_client.post(API, data=MALFORMED, content_type="application/vc+jwt")

    assert response.status_code == 400
    problem = response.get_json()
    assert problem["error"] == "jose.malformed"
    assert "payload" in problem["description"]


# --- /credentials/verify (VC API) ----------------------------------------------------------------


@pytest.mark.parametrize("wrap", [envelope, lambda t: t], ids=["envelope", "string"])
def test_vc_api_verifies_a_vc_jwt(jwt_client: FlaskClient, wrap: Callable[[str], Any]) -> None:
    response = jwt_client.post(VC_API, json={"verifiableCredential": wrap(token())})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["verified"] is True


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: tamper_payload(token()), "jose.bad_signature"),
        (expired, "validity.expired"),
        (lambda: token(index=REVOKED_INDEX), "status.revoked"),
    ],
    ids=["tampered", "expired", "revoked"],
)
def test_vc_api_refuses_with_a_named_reason(
    jwt_client: FlaskClient, make: Callable[[], str], code: str
) -> None:
    response = jwt_client.post(VC_API, json={"verifiableCredential": envelope(make())})

    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    assert code in [p.get("code") for p in body["problemDetails"]]


def test_vc_api_malformed_jwt_is_a_400(jwt_client: FlaskClient) -> None:
    response = jwt_client.post(VC_API, json={"verifiableCredential": envelope(MALFORMED)})

    assert response.status_code == 400
    body = response.get_json()
    assert body["verified"] is False
    assert body["problemDetails"][0]["title"] == "PARSING_ERROR"
    assert "jose.malformed" in json.dumps(body)


# --- the page: paste and upload ------------------------------------------------------------------


def test_page_paste_and_upload_verify(jwt_client: FlaskClient) -> None:
    pasted = jwt_client.post("/verify", data={"credential": token()})
    data = {"file": (io.BytesIO(token().encode()), "badge.jwt", "text/plain")}
    uploaded = jwt_client.post("/verify", data=data, content_type="multipart/form-data")

    for response in (pasted, uploaded):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Valid" in html
        assert "Data Analysis" in html
        assert "EdDSA JWS signature" in html


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: tamper_payload(token()), "Not valid"),
        (expired, "Expired"),
        (lambda: token(index=REVOKED_INDEX), "Revoked"),
    ],
    ids=["tampered", "expired", "revoked"],
)
def test_page_shows_the_verdict(
    jwt_client: FlaskClient, make: Callable[[], str], words: str
) -> None:
    response = jwt_client.post("/verify", data={"credential": make()})

    assert response.status_code == 200
    assert words in response.get_data(as_text=True)


def test_page_malformed_jwt_is_named(jwt_client: FlaskClient) -> None:
    response = jwt_client.post("/verify", data={"credential": MALFORMED})

    assert response.status_code == 400
    assert "jose.malformed" in response.get_data(as_text=True)


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_verifies_jwt_files(tmp_path: Path, http_server: TestServer) -> None:
    """did:jwk and did:key issuers need no network; the revoked one's status list is on a
    loopback server (development mode lets the CLI fetch it)."""
    ed = Issuer.make("EdDSA", "key")
    key = Ed25519SigningKey.from_seed(ED_SEED)
    list_url = http_server.url("/status/1")
    http_server.route(
        "/status/1",
        factories.status_list(list_url, set_bits=(7,), key=key, issuer=ed.did, vm=ed.kid),
    )
    revoked = ed.jwt(
        credentialStatus=status_list_entry(list_url=list_url, index=7, purpose="revocation")
    )
    files = {
        "valid.jwt": (vc11(), 0, "valid"),
        "tampered.jwt": (tamper_payload(ed.jwt()), 1, "invalid"),
        "expired.jwt": (ed.sign({**ed.credential(), "exp": 1_600_000_000}), 1, "expired"),
        "revoked.jwt": (revoked, 1, "revoked"),
        "malformed.jwt": (MALFORMED, 2, None),
    }
    env = {"MICROCRED_KEYS_DIR": str(tmp_path / "keys"), "MICROCRED_ALLOW_PRIVATE_FETCH": "1"}
    for name, (text, exit_code, verdict) in files.items():
        path = tmp_path / name
        path.write_text(text + "\n", encoding="utf-8")
        result = CliRunner().invoke(cli, ["verify", "--json", str(path)], env=env)
        assert result.exit_code == exit_code, (name, result.output)
        report = json.loads(result.output)["results"][0]
        if verdict is None:
            assert report["code"] == "jose.malformed"
        else:
            assert report["verdict"] == verdict, (name, report)
            assert report["format"] == "jwt"
    human = CliRunner().invoke(cli, ["verify", str(tmp_path / "valid.jwt")], env=env)
    assert human.exit_code == 0
    assert "ES256 JWS signature" in human.output


def test_api_real_eddsa_did_key_vc11_jwt(make_app: Callable[..., Flask]) -> None:
    """The issue's case: a VC 1.1 JWT-VC (EdDSA, did:key issuer) that got 400 "Bad
    Request" — a real one (aries-framework-go), valid within its window, expired now."""
    text = Path(__file__).resolve().parents[2] / "fixtures" / "aries-framework-go"
    token_text = (text / "domain-linkage-eddsa-did-key.jwt").read_text()
    in_window = make_app(MICROCRED_VERIFIER_CLOCK=lambda: datetime(2024, 6, 1, tzinfo=UTC))
    now = make_app()

    valid = in_window.test_client().post(API, data=token_text, content_type="text/plain")
    late = now.test_client().post(API, data=token_text, content_type="text/plain")

    assert valid.status_code == 200
    assert valid.get_json()["verdict"] == "valid"
    assert late.status_code == 200
    assert late.get_json()["verdict"] == "expired"
