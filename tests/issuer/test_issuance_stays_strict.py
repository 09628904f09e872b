"""Issue 15, item 1: the verifier reports Open Badges 3.0 data-quality rules as warnings,
but our own issuer keeps refusing to *issue* a credential that breaks them: the VC API
issue endpoint, the ``microcred sign`` command and the core ``validate_or_raise``."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from credentials.errors import CredentialValidationError
from credentials.findings import Severity, severity_of
from credentials.validation import validate_or_raise
from microcred.cli import cli
from tests.credentials import factories as f
from tests.issuer.factories import Factory, Provider
from tests.issuer.test_vcapi_issue import URL, open_badge


def no_identifier(doc: dict[str, Any]) -> None:
    doc["credentialSubject"].pop("id", None)
    doc["credentialSubject"].pop("identifier", None)
    doc["credentialSubject"]["name"] = "Jane Doe"


def program(doc: dict[str, Any]) -> None:
    doc["credentialSubject"]["achievement"]["achievementType"] = "Program"


BREAKS = {
    "ob3.subject_without_identifier": (no_identifier, "credentialSubject"),
    "ob3.achievement_type_unknown": (program, "credentialSubject.achievement.achievementType"),
}


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider()


@pytest.mark.parametrize("code", list(BREAKS))
def test_the_rule_is_a_warning_when_verifying(code: str) -> None:
    assert severity_of(code) is Severity.WARNING


@pytest.mark.parametrize("code", list(BREAKS))
def test_vc_api_issue_refuses_it(client: FlaskClient, provider: Provider, code: str) -> None:
    change, field = BREAKS[code]
    badge = open_badge(provider.did)
    change(badge)
    response = client.post(URL, json={"credential": badge, "options": {}}, headers=provider.headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    problems = response.get_json()["details"]["problems"]
    assert field in [p["field"] for p in problems]


@pytest.mark.parametrize("code", list(BREAKS))
def test_validate_or_raise_refuses_it(code: str) -> None:
    change, field = BREAKS[code]
    doc = copy.deepcopy(f.credential())
    change(doc)
    with pytest.raises(CredentialValidationError) as caught:
        validate_or_raise(doc)
    assert [(p.field, p.code) for p in caught.value.problems] == [(field, code)]


@pytest.mark.parametrize("code", list(BREAKS))
def test_cli_sign_refuses_it(tmp_path: Path, code: str) -> None:
    change, field = BREAKS[code]
    env = {"MICROCRED_KEYS_DIR": str(tmp_path / "keys"), "MICROCRED_ENV": "development"}
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "issuer", "--json"], env=env)
    did = json.loads(created.output)["did"]
    doc = f.credential()
    doc["issuer"]["id"] = did
    del doc["credentialStatus"]
    change(doc)
    source = tmp_path / "cred.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["sign", str(source), "--key", "issuer"], env=env)
    assert result.exit_code == 2
    assert "not well formed" in result.output
    assert field in result.output
