"""``microcred verify`` with the verifier's resolvers: did:web issuers and status lists are
checked, loopback only in development mode, and every upload format is accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg
from microcred.cli import cli
from tests.verifier.issuers import WebIssuer
from tests.verifier.servers import TestServer, http_server_fixture  # noqa: F401 - fixture

DEVELOPMENT = {"MICROCRED_ALLOW_PRIVATE_FETCH": "1"}


@pytest.fixture
def issuer(http_server: TestServer) -> WebIssuer:
    # The local demo serves over plain http on loopback, as this server does.
    web = WebIssuer(http_server)
    web.publish_all()
    return web


@pytest.fixture
def files(issuer: WebIssuer, tmp_path: Path) -> dict[str, Path]:
    text = json.dumps(issuer.credential(), indent=2)
    paths = {
        "json": tmp_path / "badge.json",
        "png": tmp_path / "badge.png",
        "svg": tmp_path / "badge.svg",
    }
    paths["json"].write_text(text)
    paths["png"].write_bytes(bake_png(default_badge_png("Python API"), text))
    paths["svg"].write_text(bake_svg(default_badge_svg("Python API"), text))
    return paths


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"MICROCRED_ALLOW_PRIVATE_FETCH": "", **(env or {})}
    )
    return result.exit_code, result.output


def test_development_mode_verifies_did_web_and_status_lists(
    files: dict[str, Path], issuer: WebIssuer
) -> None:
    code, output = run("verify", "--json", *map(str, files.values()), env=DEVELOPMENT)

    report = json.loads(output)
    assert code == 0, output
    assert [r["format"] for r in report["results"]] == ["json", "png", "svg"]
    for result in report["results"]:
        assert result["verdict"] == "valid"
        statuses = [c["outcome"] for c in result["checks"] if c["check"] == "status"]
        assert statuses == ["passed", "passed"]
    # One shared cache for the whole run: each document fetched once.
    assert issuer.server.hits(issuer.did_path) == 1
    assert issuer.server.hits(issuer.status_path(1)) == 1


def test_revoked_did_web_credential_exits_1(files: dict[str, Path], issuer: WebIssuer) -> None:
    issuer.publish_status_list(1, set_bits=(94567,))

    code, output = run("verify", str(files["png"]), env=DEVELOPMENT)

    assert code == 1
    assert "REVOKED" in output


def test_without_development_mode_loopback_is_refused(
    files: dict[str, Path], issuer: WebIssuer
) -> None:
    code, output = run("verify", str(files["json"]))

    assert code == 1
    assert "a loopback address; only public internet addresses may be fetched" in output
    assert "only https URLs are fetched" in output  # the status lists are on http://
    assert issuer.server.connections == 0


def test_unusable_file_exits_2(tmp_path: Path) -> None:
    noise = tmp_path / "noise.bin"
    noise.write_bytes(bytes(range(256)))

    code, output = run("verify", str(noise))

    assert code == 2
    assert "unsupported upload" in output
