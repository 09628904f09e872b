"""StatusList2021 and RevocationList2020 credentials end to end: the lists are served over
HTTPS at their own URLs (FixtureWeb), and the page (paste and upload), /api/v1/verify,
/credentials/verify and the CLI give the same verdicts: valid, revoked, suspended, and a
list that fails closed (foreign-signed, unreachable, malformed)."""

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

from microcred.cli import cli
from tests.credentials import factories as f
from tests.credentials import legacy_status as ls
from tests.verifier.servers import FixtureWeb, fixture_web
from verifier.factory import build_verifier

BROKEN_URL = "https://creds.example/issuers/northwind/sl2021/broken"
FOREIGN_URL = "https://creds.example/issuers/northwind/sl2021/foreign"
MISSING_URL = "https://creds.example/issuers/northwind/sl2021/missing"

CASES: dict[str, tuple[Callable[[], dict[str, Any]], str, str | None]] = {
    "sl2021_valid": (lambda: ls.signed_v1(ls.sl2021_entry(index=1)), "valid", None),
    "sl2021_revoked": (lambda: ls.signed_v1(ls.sl2021_entry()), "revoked", "status.revoked"),
    "sl2021_suspended": (
        lambda: ls.signed_v1(ls.sl2021_entry(purpose="suspension", url=ls.SUSPEND_URL)),
        "suspended",
        "status.suspended",
    ),
    "rl2020_valid": (
        lambda: ls.signed_v1(ls.rl2020_entry(index=1), context=ls.RL2020_CONTEXT),
        "valid",
        None,
    ),
    "rl2020_revoked": (
        lambda: ls.signed_v1(ls.rl2020_entry(), context=ls.RL2020_CONTEXT),
        "revoked",
        "status.revoked",
    ),
    "foreign_list": (
        lambda: ls.signed_v1(ls.sl2021_entry(url=FOREIGN_URL)),
        "invalid",
        "status.status_unverifiable",
    ),
    "unreachable_list": (
        lambda: ls.signed_v1(ls.sl2021_entry(url=MISSING_URL)),
        "invalid",
        "status.status_unverifiable",
    ),
    "malformed_list": (
        lambda: ls.signed_v1(ls.sl2021_entry(url=BROKEN_URL)),
        "invalid",
        "status.status_unverifiable",
    ),
    "malformed_entry": (
        lambda: ls.signed_v1({"type": "StatusList2021Entry", "statusListIndex": "x"}),
        "invalid",
        "status.malformed_status",
    ),
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    with fixture_web(tmp_path_factory.mktemp("legacy"), ["creds.example"]) as served:
        served.serve(ls.SL_URL, ls.status_list_2021(set_bits=(ls.REVOKED,)))
        served.serve(
            ls.SUSPEND_URL,
            ls.status_list_2021(ls.SUSPEND_URL, purpose="suspension", set_bits=(ls.REVOKED,)),
        )
        served.serve(ls.RL_URL, ls.revocation_list_2020(set_bits=(ls.REVOKED,)))
        served.serve(
            FOREIGN_URL,
            ls.status_list_2021(FOREIGN_URL, key=f.OTHER_KEY, issuer=f.OTHER_DID, vm=f.OTHER_VM),
        )
        served.serve(BROKEN_URL, ls.status_list_2021(BROKEN_URL, encoded_list="bm90IGd6aXA"))
        served.serve(MISSING_URL, status=404)
        yield served


@pytest.fixture
def client(make_app: Callable[..., Flask], web: FixtureWeb) -> FlaskClient:
    app = make_app(MICROCRED_VERIFIER_FETCHER=web.fetcher, MICROCRED_VERIFIER_CLOCK=lambda: f.NOW)
    return app.test_client()


def errors(body: dict[str, Any]) -> set[str]:
    return {e["code"] for e in body["errors"]}


@pytest.mark.parametrize("case", sorted(CASES))
def test_api_json(client: FlaskClient, case: str) -> None:
    make, verdict, code = CASES[case]

    body = client.post("/api/v1/verify", json=make()).get_json()

    assert body["verdict"] == verdict, body["checks"]
    assert errors(body) == ({code} if code else set())


@pytest.mark.parametrize("case", ["sl2021_revoked", "rl2020_valid"])
def test_api_upload(client: FlaskClient, case: str) -> None:
    make, verdict, _ = CASES[case]
    data = io.BytesIO(json.dumps(make()).encode())

    response = client.post(
        "/api/v1/verify",
        data={"file": (data, "badge.json", "application/json")},
        content_type="multipart/form-data",
    )

    assert response.get_json()["verdict"] == verdict


@pytest.mark.parametrize(
    ("case", "status", "problem"),
    [
        ("sl2021_valid", 200, None),
        ("sl2021_revoked", 400, "Credential revoked"),
        ("rl2020_revoked", 400, "Credential revoked"),
        ("foreign_list", 400, "STATUS_VERIFICATION_ERROR"),
        ("unreachable_list", 400, "STATUS_RETRIEVAL_ERROR"),
        ("malformed_list", 400, "MALFORMED_VALUE_ERROR"),
    ],
)
def test_vc_api(client: FlaskClient, case: str, status: int, problem: str | None) -> None:
    make, _, _ = CASES[case]

    response = client.post("/credentials/verify", json={"verifiableCredential": make()})

    body = response.get_json()
    assert response.status_code == status, body
    titles = [p["title"] for p in body["problemDetails"] if not p["type"].startswith("urn:")]
    assert titles == ([problem] if problem else [])


def _verdict(html: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', html)
    assert match, html[:2000]
    return match.group(1)


@pytest.mark.parametrize("case", ["sl2021_suspended", "rl2020_revoked", "foreign_list"])
def test_page_paste(client: FlaskClient, case: str) -> None:
    make, verdict, _ = CASES[case]

    html = client.post(
        "/verify", data={"credential": json.dumps(make())}, content_type="multipart/form-data"
    ).get_data(as_text=True)

    assert _verdict(html) == verdict


def test_page_upload(client: FlaskClient) -> None:
    make, verdict, _ = CASES["sl2021_valid"]
    data = io.BytesIO(json.dumps(make()).encode())

    html = client.post(
        "/verify",
        data={"file": (data, "badge.json", "application/json")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)

    assert _verdict(html) == verdict


@pytest.mark.parametrize(
    ("case", "exit_code"),
    [("sl2021_valid", 0), ("rl2020_revoked", 1), ("malformed_list", 1)],
)
def test_cli(
    tmp_path: Path,
    web: FixtureWeb,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    exit_code: int,
) -> None:
    monkeypatch.setattr(
        "microcred.cli.sign.cli_verifier",
        lambda state: build_verifier(fetcher=web.fetcher, clock=lambda: f.NOW),
    )
    make, verdict, _ = CASES[case]
    path = tmp_path / f"{case}.json"
    path.write_text(json.dumps(make()))

    result = CliRunner().invoke(cli, ["verify", "--json", str(path)])

    assert result.exit_code == exit_code, result.output
    assert json.loads(result.output)["results"][0]["verdict"] == verdict


# --- the floor is configuration ------------------------------------------------------------


def test_the_status_floor_is_read_from_the_environment() -> None:
    from credentials.errors import ConfigurationError
    from microcred.platform.config import load_config

    assert load_config({})["MICROCRED_STATUS_MIN_ENTRIES"] == 131_072
    assert (
        load_config({"MICROCRED_STATUS_MIN_ENTRIES": "100000"})["MICROCRED_STATUS_MIN_ENTRIES"]
        == 100_000
    )
    with pytest.raises(ConfigurationError, match="MICROCRED_STATUS_MIN_ENTRIES"):
        load_config({"MICROCRED_STATUS_MIN_ENTRIES": "lots"})
    with pytest.raises(ConfigurationError, match="at least 8"):
        load_config({"MICROCRED_STATUS_MIN_ENTRIES": "0"})
