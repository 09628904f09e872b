"""The recorded base URL: init records it, the service refuses another one, and
``issuers move-base-url`` moves the issuers while old credentials keep verifying."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from credentials.errors import ConfigurationError
from issuer.services import credentials as credential_service
from issuer.services import issuers
from microcred.platform.extensions import db
from microcred.platform.instance import BASE_URL, recorded
from tests.conftest import TEST_BASE_URL, CliRun
from tests.verifier.web.issuing import IssuingWorld

NEW = "https://creds.example.org"
SLUG = "northwind-skills"


def _recorded(app: Flask) -> str | None:
    with app.app_context():
        return recorded(BASE_URL)


def _verdict(app: Flask, document: dict[str, Any]) -> tuple[str, list[str]]:
    body = app.test_client().post("/api/v1/verify", json=document).get_json()
    return body["verdict"], [c["code"] for c in body["checks"] if c["check"] == "status"]


def test_init_records_the_base_url_and_says_where_the_instance_is(
    runner: CliRun, app: Flask
) -> None:
    result = runner("init")
    assert result.exit_code == 0, result.output
    assert f"base URL:        {TEST_BASE_URL} (recorded)" in result.stdout
    assert "instance folder: " in result.stdout
    assert _recorded(app) == TEST_BASE_URL


def test_cli_without_a_base_url_mints_for_the_recorded_one(runner: CliRun) -> None:
    """The README walk: `make run PORT=…` records its URL; a second shell without
    MICROCRED_BASE_URL creates a provider whose DID names that port."""
    runner.env["MICROCRED_BASE_URL"] = "http://127.0.0.1:8123"
    assert runner("init").exit_code == 0
    del runner.env["MICROCRED_BASE_URL"]
    result = runner("issuers", "create", "acme", "--name", "Acme", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["did"] == "did:web:127.0.0.1%3A8123:issuers:acme"


def test_the_service_refuses_a_base_url_its_issuers_were_not_minted_for(
    runner: CliRun, make_app: Callable[..., Flask], app: Flask
) -> None:
    IssuingWorld(app).provider  # noqa: B018  # a did:web issuer under TEST_BASE_URL
    assert runner("init").exit_code == 0
    with pytest.raises(ConfigurationError) as refused:
        make_app(MICROCRED_BASE_URL=NEW)
    message = refused.value.message
    assert f"MICROCRED_BASE_URL is {NEW}" in message
    assert f"set MICROCRED_BASE_URL={TEST_BASE_URL}" in message
    assert f"microcred issuers move-base-url --from {TEST_BASE_URL} --to {NEW}" in message
    # The CLI (serve, gunicorn's wsgi alike) says it in one line, exit 1, no traceback.
    runner.env["MICROCRED_BASE_URL"] = NEW
    result = runner("serve")
    assert result.exit_code == 1
    assert "move-base-url" in result.stderr
    assert "Traceback" not in result.output
    # init refuses too, rather than record a URL the issuers disagree with.
    assert runner("init").exit_code == 1
    assert _recorded(app) == TEST_BASE_URL


def test_a_scheme_change_is_refused_once_there_are_issuers(
    runner: CliRun, make_app: Callable[..., Flask], app: Flask
) -> None:
    IssuingWorld(app).provider  # noqa: B018
    assert runner("init").exit_code == 0
    # Same host, so the same DIDs, but the status list URLs name https://.
    with pytest.raises(ConfigurationError, match="status lists name"):
        make_app(MICROCRED_BASE_URL="http://microcred.example")


def test_move_keeps_old_credentials_verifiable_and_revocable(
    runner: CliRun, make_app: Callable[..., Flask], app: Flask
) -> None:
    world = IssuingWorld(app)
    issued = world.issue()
    old_document = world.document(issued)
    old_did = old_document["issuer"]["id"]
    assert old_did == f"did:web:microcred.example:issuers:{SLUG}"
    assert runner("init").exit_code == 0

    moved = runner("issuers", "move-base-url", "--from", TEST_BASE_URL, "--to", NEW, "--json")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.stdout) == [
        {"slug": SLUG, "old_did": old_did, "new_did": f"did:web:creds.example.org:issuers:{SLUG}"}
    ]
    assert _recorded(app) == NEW

    with pytest.raises(ConfigurationError):  # the old URL is refused now
        make_app(MICROCRED_BASE_URL=TEST_BASE_URL)
    moved_app = make_app(MICROCRED_BASE_URL=NEW)
    assert _verdict(moved_app, old_document) == ("valid", ["ok", "ok"])

    # The same world on the moved app (its factory counters go on).
    world.app = world.make.app = moved_app
    new_issued = world.issue()
    new_document = world.document(new_issued)
    assert new_document["issuer"]["id"] == f"did:web:creds.example.org:issuers:{SLUG}"
    assert _verdict(moved_app, new_document) == ("valid", ["ok", "ok"])

    # Revoked after the move: the old credential's status list (old URL) says so.
    with world.make.transaction():
        issuer = issuers.get_issuer(SLUG)
        credential_service.revoke(issuer, issued.id, reason="test", actor="test")
    world.publish_lists(new_issued)  # the same lists, under their new URLs
    assert _verdict(moved_app, old_document)[0] == "revoked"
    assert _verdict(moved_app, new_document)[0] == "valid"


def test_the_old_did_document_and_lists_are_served_to_the_old_host(
    runner: CliRun, make_app: Callable[..., Flask], app: Flask
) -> None:
    world = IssuingWorld(app)
    issued = world.issue()
    entry = world.document(issued)["credentialStatus"][0]
    assert runner("init").exit_code == 0
    assert runner("issuers", "move-base-url", "--from", TEST_BASE_URL, "--to", NEW).exit_code == 0
    client = make_app(MICROCRED_BASE_URL=NEW).test_client()
    path = f"/issuers/{SLUG}/did.json"
    old = client.get(path, base_url=TEST_BASE_URL).get_json()
    new = client.get(path, base_url=NEW).get_json()
    assert old["id"] == f"did:web:microcred.example:issuers:{SLUG}"
    assert new["id"] == f"did:web:creds.example.org:issuers:{SLUG}"
    assert [m["publicKeyMultibase"] for m in old["verificationMethod"]] == [
        m["publicKeyMultibase"] for m in new["verificationMethod"]
    ]
    list_path = entry["statusListCredential"].removeprefix(TEST_BASE_URL)
    old_list = client.get(list_path, base_url=TEST_BASE_URL).get_json()
    assert old_list["id"] == entry["statusListCredential"]
    assert old_list["issuer"] == old["id"]
    assert client.get(list_path, base_url=NEW).get_json()["id"] == NEW + list_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "https://elsewhere.example", "--to", NEW], "recorded for"),
        (["--from", TEST_BASE_URL, "--to", TEST_BASE_URL], "the same base URL"),
        (["--from", TEST_BASE_URL, "--to", "ftp://x"], "absolute http(s) URL"),
    ],
)
def test_move_refuses_bad_arguments(
    runner: CliRun, app: Flask, args: list[str], message: str
) -> None:
    IssuingWorld(app).provider  # noqa: B018
    assert runner("init").exit_code == 0
    result = runner("issuers", "move-base-url", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert _recorded(app) == TEST_BASE_URL
    with app.app_context():
        db.session.remove()


def test_moving_back_makes_the_old_did_current_again(runner: CliRun, app: Flask) -> None:
    provider = IssuingWorld(app).provider
    assert runner("init").exit_code == 0
    assert runner("issuers", "move-base-url", "--from", TEST_BASE_URL, "--to", NEW).exit_code == 0
    back = runner("issuers", "move-base-url", "--from", NEW, "--to", TEST_BASE_URL, "--json")
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)[0]["new_did"] == provider.did
    assert _recorded(app) == TEST_BASE_URL
    from issuer.models import FormerDid

    with app.app_context():
        formers = db.session.scalars(select(FormerDid.did)).all()
    assert formers == [f"did:web:creds.example.org:issuers:{SLUG}"]


def test_a_move_that_keeps_the_host_serves_the_current_lists_there(
    runner: CliRun, make_app: Callable[..., Flask], app: Flask
) -> None:
    """http -> https on the same host: the DID stays, the status list URLs change."""
    world = IssuingWorld(app)
    issued = world.issue()
    old_document = world.document(issued)
    path = world.document(issued)["credentialStatus"][0]["statusListCredential"]
    path = path.removeprefix(TEST_BASE_URL)
    assert runner("init").exit_code == 0
    http = "http://microcred.example"
    moved = runner("issuers", "move-base-url", "--from", TEST_BASE_URL, "--to", http, "--json")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.stdout)[0]["new_did"] == json.loads(moved.stdout)[0]["old_did"]
    moved_app = make_app(MICROCRED_BASE_URL=http)
    served = moved_app.test_client().get(path, base_url=http).get_json()
    assert served["id"] == http + path  # the current list, not the former one
    assert _verdict(moved_app, old_document) == ("valid", ["ok", "ok"])
