"""The 1EdTech Open Badges 3.0 specification examples (tests/fixtures/1edtech-ob3-examples).

As published none is signed: each is refused with ``signature.missing`` and nothing else
(its structure is sound; data-quality rules are warnings). Signed under a test did:key
issuer (only ``issuer.id`` changed), each verifies with the same warnings; a changed byte
is ``signature.invalid``; a past ``validUntil`` is ``validity.expired``."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from credentials.verify import Verifier
from microcred.cli import cli
from tests.credentials import factories as f

EXAMPLES = Path(__file__).parents[1] / "fixtures/1edtech-ob3-examples"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.json"))
#: Warnings (OB 3.0 data quality) each example carries; the others carry none.
WARNINGS = {
    "examples": {"ob3.profile_incomplete", "ob3.subject_type_missing", "ob3.achievement_missing"}
}


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return document


def signed(name: str, **changes: Any) -> dict[str, Any]:
    document = example(name)
    issuer = document["issuer"]
    if isinstance(issuer, dict):
        issuer["id"] = f.ISSUER_DID
    else:
        document["issuer"] = f.ISSUER_DID
    document.update(changes)
    return f.signed(document)


def codes(result: Any) -> tuple[str, set[str], set[str]]:
    body = result.as_dict() if not isinstance(result, dict) else result
    return (
        body["verdict"],
        {e["code"] for e in body["errors"]},
        {w["code"] for w in body["warnings"]},
    )


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier.offline(clock=lambda: f.NOW)


@pytest.mark.parametrize("name", NAMES)
def test_as_published_each_is_refused_only_for_being_unsigned(
    verifier: Verifier, name: str
) -> None:
    assert codes(verifier.verify(example(name))) == (
        "invalid",
        {"signature.missing"},
        WARNINGS.get(name, set()),
    )


@pytest.mark.parametrize("name", NAMES)
def test_signed_each_verifies_with_its_warnings(verifier: Verifier, name: str) -> None:
    assert codes(verifier.verify(signed(name))) == ("valid", set(), WARNINGS.get(name, set()))


@pytest.mark.parametrize("name", NAMES)
def test_signed_then_tampered_is_refused(verifier: Verifier, name: str) -> None:
    document = signed(name)
    document["name"] = document.get("name", "") + "!"

    assert codes(verifier.verify(document))[:2] == ("invalid", {"signature.invalid"})


@pytest.mark.parametrize("name", ["basicOpenBadgeCredential", "fullOpenBadge"])
def test_signed_but_expired_is_refused(verifier: Verifier, name: str) -> None:
    document = signed(name, validUntil="2020-01-01T00:00:00Z")

    assert codes(verifier.verify(document))[:2] == ("expired", {"validity.expired"})


def test_through_the_api_and_the_vc_api(make_app: Callable[..., Flask]) -> None:
    client = make_app(MICROCRED_VERIFIER_CLOCK=lambda: f.NOW).test_client()

    # (fullOpenBadge names a status list at example.com: the app cannot reach it)
    valid = client.post("/api/v1/verify", json=signed("skillAssertionCase"))
    unsigned = client.post("/api/v1/verify", json=example("basicOpenBadgeCredential"))
    vc_api = client.post(
        "/credentials/verify", json={"verifiableCredential": signed("basicOpenBadgeCredential")}
    )

    assert codes(valid.get_json()) == ("valid", set(), set())
    assert codes(unsigned.get_json())[:2] == ("invalid", {"signature.missing"})
    assert vc_api.status_code == 200, vc_api.get_json()


def test_through_the_page(make_app: Callable[..., Flask]) -> None:
    client = make_app(MICROCRED_VERIFIER_CLOCK=lambda: f.NOW).test_client()
    document = copy.deepcopy(example("examples"))

    html = client.post(
        "/verify", data={"credential": json.dumps(document)}, content_type="multipart/form-data"
    ).get_data(as_text=True)

    assert 'data-verdict="invalid"' in html


def test_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "basic.json"
    path.write_text(json.dumps(example("basicOpenBadgeCredential")))

    result = CliRunner().invoke(cli, ["verify", "--json", str(path)])

    assert result.exit_code == 1, result.output
    report = json.loads(result.output)["results"][0]
    assert {e["code"] for e in report["errors"]} == {"signature.missing"}
