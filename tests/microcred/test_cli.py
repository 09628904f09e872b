"""The administration CLI: init, demo, issuers, api-keys, signing-keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from issuer.models import ApiKey, Assessment, Freelancer, GigProject, Issuer, MicroCertification
from microcred.platform.extensions import db
from tests.conftest import CliRun


def _json(result: object) -> object:
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return json.loads(result.stdout)  # type: ignore[attr-defined]


def test_issuers_create_json_prints_did_and_api_key_once(
    runner: CliRun, client: FlaskClient
) -> None:
    created = _json(runner("issuers", "create", "acme", "--name", "Acme Training", "--json"))
    assert created["did"] == "did:web:microcred.example:issuers:acme"
    assert created["api_key"].startswith("mc_")
    assert created["did_document_url"] == "https://microcred.example/issuers/acme/did.json"
    me = client.get("/api/v1/issuer", headers={"Authorization": f"Bearer {created['api_key']}"})
    assert me.status_code == 200
    assert me.get_json()["name"] == "Acme Training"


def test_issuers_create_text_output(runner: CliRun) -> None:
    result = runner("issuers", "create", "acme", "--name", "Acme Training")
    assert result.exit_code == 0
    assert "did:web:microcred.example:issuers:acme" in result.output
    assert "shown only now" in result.output


def test_did_key_provider(runner: CliRun) -> None:
    created = _json(runner("issuers", "create", "dev", "--name", "Dev", "--did-key", "--json"))
    assert created["did"].startswith("did:key:z6Mk")
    assert created["verification_method"] == f"{created['did']}#{created['did'][8:]}"


def test_duplicate_slug_exits_1_without_traceback(runner: CliRun) -> None:
    assert runner("issuers", "create", "acme", "--name", "A").exit_code == 0
    result = runner("issuers", "create", "acme", "--name", "B")
    assert result.exit_code == 1
    assert "error: a training provider with slug 'acme' already exists" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("slug", ["Acme", "acme-", "acme_co", "a" * 64])
def test_invalid_slug_exits_2(runner: CliRun, slug: str) -> None:
    result = runner("issuers", "create", slug, "--name", "X")
    assert result.exit_code == 2
    assert "invalid slug" in result.stderr


def test_unknown_slug_exits_2(runner: CliRun) -> None:
    for args in (
        ("api-keys", "list", "--issuer", "ghost"),
        ("signing-keys", "rotate", "--issuer", "ghost"),
    ):
        result = runner(*args)
        assert result.exit_code == 2
        assert "no training provider with slug 'ghost'" in result.stderr


def test_issuers_list(runner: CliRun) -> None:
    runner("issuers", "create", "b-provider", "--name", "B")
    runner("issuers", "create", "a-provider", "--name", "A")
    rows = _json(runner("issuers", "list", "--json"))
    assert [r["slug"] for r in rows] == ["a-provider", "b-provider"]


def test_api_key_lifecycle(runner: CliRun, client: FlaskClient) -> None:
    first = _json(runner("issuers", "create", "acme", "--name", "Acme", "--json"))["api_key"]
    second = _json(runner("api-keys", "create", "--issuer", "acme", "--name", "lms", "--json"))
    listed = _json(runner("api-keys", "list", "--issuer", "acme", "--json"))
    assert [(k["name"], k["revoked_at"]) for k in listed] == [("default", None), ("lms", None)]
    assert all("api_key" not in k for k in listed)

    prefix = "_".join(second["api_key"].split("_")[:2])
    rotated = _json(
        runner("api-keys", "rotate", "--issuer", "acme", prefix, "--grace-hours", "0", "--json")
    )
    assert rotated["name"] == "lms"
    assert rotated["replaced"]["state"] == "revoked"
    assert (
        client.get(
            "/api/v1/issuer", headers={"Authorization": f"Bearer {second['api_key']}"}
        ).status_code
        == 401
    )
    assert (
        client.get(
            "/api/v1/issuer", headers={"Authorization": f"Bearer {rotated['api_key']}"}
        ).status_code
        == 200
    )

    first_prefix = "_".join(first.split("_")[:2])
    result = runner("api-keys", "revoke", "--issuer", "acme", first_prefix)
    assert result.exit_code == 0
    assert (
        client.get("/api/v1/issuer", headers={"Authorization": f"Bearer {first}"}).status_code
        == 401
    )
    again = runner("api-keys", "rotate", "--issuer", "acme", first_prefix)
    assert again.exit_code == 1
    assert "revoked" in again.stderr


def test_api_key_scopes_expiry_and_grace(runner: CliRun, client: FlaskClient) -> None:
    runner("issuers", "create", "acme", "--name", "Acme")
    reader = _json(
        runner(
            "api-keys",
            "create",
            "--issuer",
            "acme",
            "--name",
            "dash",
            "--scope",
            "read",
            "--expires-in-days",
            "30",
            "--json",
        )
    )
    assert reader["scopes"] == ["read"]
    assert reader["state"] == "active"
    token = reader["api_key"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/issuer", headers=headers).status_code == 200
    assert client.post("/api/v1/freelancers", json={}, headers=headers).status_code == 403

    forever = _json(
        runner("api-keys", "create", "--issuer", "acme", "--name", "x", "--never-expires", "--json")
    )
    assert forever["expires_at"] is None
    both = runner(
        "api-keys",
        "create",
        "--issuer",
        "acme",
        "--name",
        "x",
        "--never-expires",
        "--expires-in-days",
        "3",
    )
    assert both.exit_code == 2
    unknown = runner("api-keys", "create", "--issuer", "acme", "--name", "x", "--scope", "root")
    assert unknown.exit_code == 2
    assert "'root' is not one of" in unknown.stderr

    prefix = reader["prefix"]
    rotated = runner("api-keys", "rotate", "--issuer", "acme", prefix)
    assert rotated.exit_code == 0
    assert f"{prefix} keeps working until" in rotated.stdout
    assert "scopes: read;" in rotated.stdout
    assert client.get("/api/v1/issuer", headers=headers).status_code == 200
    listed = {
        k["prefix"]: k for k in _json(runner("api-keys", "list", "--issuer", "acme", "--json"))
    }
    assert listed[prefix]["state"] == "rotated"
    text = runner("api-keys", "list", "--issuer", "acme").stdout
    assert "rotated" in text
    assert "read,issue,revoke,manage" in text


def test_signing_key_rotation_and_revocation(runner: CliRun, client: FlaskClient) -> None:
    runner("issuers", "create", "acme", "--name", "Acme")
    rotated = _json(runner("signing-keys", "rotate", "--issuer", "acme", "--json"))
    assert rotated["id"] == "key-2"
    keys = _json(runner("signing-keys", "list", "--issuer", "acme", "--json"))
    assert [(k["id"], k["state"]) for k in keys] == [("key-1", "retired"), ("key-2", "active")]
    document = client.get("/issuers/acme/did.json").get_json()
    assert len(document["assertionMethod"]) == 2

    refused = runner(
        "signing-keys", "revoke", "--issuer", "acme", "key-1", "--reason", "x", input="n\n"
    )
    assert refused.exit_code == 1
    assert len(client.get("/issuers/acme/did.json").get_json()["assertionMethod"]) == 2
    result = runner(
        "signing-keys", "revoke", "--issuer", "acme", "key-1", "--reason", "laptop stolen", "--yes"
    )
    assert result.exit_code == 0
    document = client.get("/issuers/acme/did.json").get_json()
    assert document["assertionMethod"] == ["did:web:microcred.example:issuers:acme#key-2"]


def test_init_creates_folders_and_is_idempotent(runner: CliRun, tmp_path: Path) -> None:
    fresh = CliRun(
        runner.runner,
        f"sqlite:///{tmp_path / 'fresh.db'}",
        tmp_path / "fresh-keys",
        runner.env,
    )
    for _ in range(2):
        result = fresh("init")
        assert result.exit_code == 0, result.output
        assert "(up to date)" in result.output
    assert (tmp_path / "fresh-keys").is_dir()
    assert (tmp_path / "fresh-keys").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "instance").is_dir()
    assert fresh("issuers", "create", "acme", "--name", "Acme").exit_code == 0


def _counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Issuer, MicroCertification, Freelancer, GigProject, Assessment)
        }


def test_demo_is_idempotent_and_meets_the_evidence_rule(
    runner: CliRun, app: Flask, client: FlaskClient
) -> None:
    first = runner("demo")
    assert first.exit_code == 0, first.output
    counts = _counts(app)
    assert counts == {
        "Issuer": 1,
        "MicroCertification": 1,
        "Freelancer": 1,
        "GigProject": 3,
        "Assessment": 9,
    }
    second = runner("demo")
    assert second.exit_code == 0, second.output
    assert _counts(app) == counts
    assert "evidence rule met: yes" in second.output

    token = second.output.split("demo API key (shown once): ")[1].split()[0]
    old_token = first.output.split("demo API key (shown once): ")[1].split()[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        client.get("/api/v1/issuer", headers={"Authorization": f"Bearer {old_token}"}).status_code
        == 401
    )
    issuer = client.get("/api/v1/issuer", headers=headers).get_json()
    assert issuer["name"] == "Northwind Skills Academy"
    assert issuer["didMethod"] == "web"
    cert = client.get("/api/v1/micro-certifications", headers=headers).get_json()["items"][0]
    assert cert["name"] == "Freelance Python API Developer"
    frameworks = {c["alignment"]["targetFramework"] for c in cert["competencies"]}
    assert frameworks == {"ESCO", "O*NET"}
    freelancer = client.get("/api/v1/freelancers", headers=headers).get_json()["items"][0]
    assert freelancer["profilePublic"] is True
    projects = client.get(f"/api/v1/freelancers/{freelancer['id']}/projects", headers=headers)
    assert {p["platform"] for p in projects.get_json()["items"]} == {"Upwork", "Fiverr", "Toptal"}
    progress = client.get(
        f"/api/v1/freelancers/{freelancer['id']}/progress",
        query_string={"certification": cert["id"]},
        headers=headers,
    ).get_json()
    assert progress["met"] is True
    assert progress["minProjectsPerCompetency"] == 2
    with app.app_context():
        active = db.session.scalar(
            select(func.count()).where(ApiKey.revoked_at.is_(None), ApiKey.name == "demo")
        )
    assert active == 1
