"""The Digital Credentials Consortium's verifier-core fixtures, as a client would hold them:
VC 1.1 and 2.0, Ed25519Signature2020, eddsa-rdfc-2022 and a proof set of both, did:key and
did:web, Bitstring status lists; valid, expired, revoked, tampered. Every fixture goes through
the core verifier; a representative set through the page (paste and upload),
/api/v1/verify (JSON and upload), /credentials/verify and the CLI. Their did:web documents
and status list are served at their real URLs from loopback (FixtureWeb)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from credentials.verify import Verifier
from microcred.cli import cli
from tests.verifier import dcc
from tests.verifier.servers import FixtureWeb
from verifier.factory import build_verifier


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    with dcc.dcc_web(tmp_path_factory.mktemp("dcc")) as served:
        yield served


@pytest.fixture(scope="module")
def verifier(web: FixtureWeb) -> Verifier:
    return build_verifier(fetcher=web.fetcher, status_min_entries=dcc.DCC_MIN_ENTRIES)


def outcome(result: dict[str, Any]) -> tuple[str, set[str], set[str]]:
    return (
        result["verdict"],
        {e["code"] for e in result["errors"]},
        {w["code"] for w in result["warnings"]},
    )


# --- every fixture through the core verifier ------------------------------------------------


@pytest.mark.parametrize("name", sorted(dcc.EXPECTED))
def test_every_fixture_gets_its_expected_verdict(verifier: Verifier, name: str) -> None:
    result = verifier.verify(dcc.credential(name)).as_dict()

    assert outcome(result) == dcc.EXPECTED[name], result["checks"]


@pytest.mark.parametrize("name", dcc.VALID)
def test_every_valid_fixture_tampered_is_refused(verifier: Verifier, name: str) -> None:
    result = verifier.verify(dcc.tampered(name)).as_dict()

    assert result["verdict"] == "invalid"
    assert "signature.invalid" in {e["code"] for e in result["errors"]}


def test_the_proof_set_names_each_proof_and_a_broken_one_fails_it(verifier: Verifier) -> None:
    # VC Data Integrity proof sets: every proof must verify, and the result says which failed.
    document = dcc.credential("v2DoubleSigWithValidStatus")
    named = [
        (c.details["type"], c.details.get("cryptosuite"))
        for c in verifier.verify(document).checks_named("proof")
    ]
    assert named == [("DataIntegrityProof", "eddsa-rdfc-2022"), ("Ed25519Signature2020", None)]
    document["proof"][1]["proofValue"] = document["proof"][0]["proofValue"]

    result = verifier.verify(document)

    assert [(c.outcome.value, c.code) for c in result.checks_named("proof")] == [
        ("passed", "ok"),
        ("failed", "bad_signature"),
    ]
    assert not result.verified


def test_a_did_web_credential_whose_list_is_under_the_did_key_of_the_same_key_verifies(
    verifier: Verifier,
) -> None:
    (check,) = verifier.verify(dcc.credential("v2didWebWithValidStatus")).checks_named("status")

    assert (check.outcome.value, check.details["index"]) == ("passed", 9)


def test_with_the_default_floor_a_genuine_dcc_credential_verifies_with_a_warning(
    web: FixtureWeb,
) -> None:
    default = build_verifier(fetcher=web.fetcher)

    result = default.verify(dcc.credential("v2WithValidStatus"))

    assert result.verified
    assert "status.list_short" in {w.code for w in result.warnings}
    (check,) = result.checks_named("status")
    assert check.details["error"] == "STATUS_LIST_LENGTH_ERROR"


# --- the surfaces ----------------------------------------------------------------------------

#: A representative set: a proof set, did:web, VC 1.1, expired, revoked, tampered.
SURFACE_CASES: dict[str, tuple[Callable[[], dict[str, Any]], str, set[str]]] = {
    "proof_set": (lambda: dcc.credential("v2DoubleSigWithValidStatus"), "valid", set()),
    "did_web": (lambda: dcc.credential("v2didWebMultikeyWithValidStatus"), "valid", set()),
    "v1": (lambda: dcc.credential("v1WithValidStatus"), "valid", set()),
    "expired": (lambda: dcc.credential("v2Expired"), "expired", {dcc.EXPIRED}),
    "revoked": (lambda: dcc.credential("v1Revoked"), "revoked", {dcc.REVOKED}),
    "tampered": (lambda: dcc.tampered("v2EddsaWithValidStatus"), "invalid", {"signature.invalid"}),
}


@pytest.fixture
def dcc_client(make_app: Callable[..., Flask], web: FixtureWeb) -> FlaskClient:
    app = make_app(
        MICROCRED_VERIFIER_FETCHER=web.fetcher, MICROCRED_STATUS_MIN_ENTRIES=dcc.DCC_MIN_ENTRIES
    )
    return app.test_client()


@pytest.mark.parametrize("case", sorted(SURFACE_CASES))
def test_api_json(dcc_client: FlaskClient, case: str) -> None:
    make, verdict, errors = SURFACE_CASES[case]

    response = dcc_client.post("/api/v1/verify", json=make())

    assert response.status_code == 200, response.get_data(as_text=True)
    got = outcome(response.get_json())
    assert (got[0], got[1]) == (verdict, errors)


@pytest.mark.parametrize("case", ["proof_set", "revoked", "tampered"])
def test_api_upload(dcc_client: FlaskClient, case: str) -> None:
    make, verdict, _ = SURFACE_CASES[case]
    data = json.dumps(make()).encode()

    response = dcc_client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), "badge.json", "application/json")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["verdict"] == verdict


@pytest.mark.parametrize("case", sorted(SURFACE_CASES))
def test_vc_api(dcc_client: FlaskClient, case: str) -> None:
    make, verdict, _ = SURFACE_CASES[case]

    response = dcc_client.post("/credentials/verify", json={"verifiableCredential": make()})

    body = response.get_json()
    assert body["verified"] is (verdict == "valid")
    if verdict == "valid":
        assert response.status_code == 200, body
        # warnings only (OB 3.0 data quality), as findings of a verified credential
        assert {p["code"] for p in body["problemDetails"]} <= {dcc.W_SUBJECT}
    else:
        assert response.status_code == 400, body
        assert body["problemDetails"], body


def _verdict(html: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', html)
    assert match, html[:2000]
    return match.group(1)


@pytest.mark.parametrize("case", ["proof_set", "v1", "revoked", "expired", "tampered"])
def test_page_paste(dcc_client: FlaskClient, case: str) -> None:
    make, verdict, _ = SURFACE_CASES[case]

    response = dcc_client.post(
        "/verify", data={"credential": json.dumps(make())}, content_type="multipart/form-data"
    )

    assert _verdict(response.get_data(as_text=True)) == verdict


@pytest.mark.parametrize("case", ["did_web", "revoked"])
def test_page_upload(dcc_client: FlaskClient, case: str) -> None:
    make, verdict, _ = SURFACE_CASES[case]
    data = json.dumps(make()).encode()

    response = dcc_client.post(
        "/verify",
        data={"file": (io.BytesIO(data), "badge.json", "application/json")},
        content_type="multipart/form-data",
    )

    assert _verdict(response.get_data(as_text=True)) == verdict


def test_page_shows_the_warning_in_plain_words(dcc_client: FlaskClient) -> None:
    html = dcc_client.post(
        "/verify",
        data={"credential": json.dumps(dcc.credential("v2WithValidStatus"))},
        content_type="multipart/form-data",
    ).get_data(as_text=True)

    assert _verdict(html) == "valid"
    assert "check the name" in html


def test_malformed_input_is_a_clear_4xx(dcc_client: FlaskClient) -> None:
    text = json.dumps(dcc.credential("v2NoStatus"))[:-7]

    response = dcc_client.post("/api/v1/verify", data=text, content_type="application/json")

    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["description"]


@pytest.fixture
def cli_files(tmp_path: Path, web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The CLI's verifier, built as it builds it, but fetching through the fixture web.
    monkeypatch.setattr(
        "microcred.cli.sign.cli_verifier",
        lambda state: build_verifier(fetcher=web.fetcher, status_min_entries=dcc.DCC_MIN_ENTRIES),
    )
    for case, (make, _, _) in SURFACE_CASES.items():
        (tmp_path / f"{case}.json").write_text(json.dumps(make()))
    (tmp_path / "malformed.json").write_text("{not json")
    return tmp_path


@pytest.mark.parametrize(
    ("case", "exit_code", "verdict"),
    [
        ("proof_set", 0, "valid"),
        ("did_web", 0, "valid"),
        ("revoked", 1, "revoked"),
        ("expired", 1, "expired"),
        ("tampered", 1, "invalid"),
    ],
)
def test_cli(cli_files: Path, case: str, exit_code: int, verdict: str) -> None:
    result = CliRunner().invoke(cli, ["verify", "--json", str(cli_files / f"{case}.json")])

    assert result.exit_code == exit_code, result.output
    assert json.loads(result.output)["results"][0]["verdict"] == verdict


def test_cli_malformed_file_exits_2(cli_files: Path) -> None:
    result = CliRunner().invoke(cli, ["verify", str(cli_files / "malformed.json")])

    assert result.exit_code == 2, result.output
