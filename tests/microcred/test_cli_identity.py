"""The operator's identity commands (``issuers confirm | unconfirm | domain-did``,
``issuers create --confirmed-by``) and the trust decision in ``microcred verify``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from credentials.resolvers import DidDocument
from issuer.models import AuditEvent
from issuer.services import identity, issuers
from issuer.services.signing_keys import list_signing_keys
from microcred.cli import cli
from microcred.platform.extensions import db
from tests.conftest import CliRun
from tests.credentials import factories as f
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue, ready

DOMAIN = "academy.example.org"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def as_json(result: Result) -> Any:
    return json.loads(ok(result).stdout)


def listed(runner: CliRun, slug: str) -> dict[str, Any]:
    rows = as_json(runner("issuers", "list", "--json"))
    [row] = [r for r in rows if r["slug"] == slug]
    return row


def identity_actions(app: Flask, slug: str) -> list[tuple[str, str]]:
    with app.app_context():
        issuer_id = issuers.get_issuer(slug).id
        rows = db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.issuer_id == issuer_id, AuditEvent.action.startswith("issuer.identity")
            )
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor) for e in rows]


NOT_CONFIRMED = {"established": None, "domain": None, "confirmed_by": None, "confirmed_at": None}


def stored_identity(app: Flask, slug: str) -> tuple[str | None, str | None]:
    """(method, confirmed by) as stored."""
    with app.app_context():
        issuer = issuers.get_issuer(slug)
        return issuer.identity_method, issuer.identity_confirmed_by


# --- issuers create ------------------------------------------------------------------------------


def test_create_leaves_the_identity_unconfirmed_and_says_how_to_confirm(runner: CliRun) -> None:
    created = as_json(runner("issuers", "create", "acme", "--name", "Acme Training", "--json"))
    assert created["identity"] == NOT_CONFIRMED

    text = ok(runner("issuers", "create", "beta", "--name", "Beta Academy")).output
    assert "not confirmed" in text
    assert "microcred issuers confirm beta --by" in text


def test_create_confirmed_by_records_the_confirmation(runner: CliRun, app: Flask) -> None:
    created = as_json(
        runner(
            "issuers",
            "create",
            "acme",
            "--name",
            "Acme Training",
            "--confirmed-by",
            "Ada Obi",
            "--json",
        )
    )

    confirmed = created["identity"]
    assert (confirmed["established"], confirmed["confirmed_by"]) == ("operator", "Ada Obi")
    assert confirmed["domain"] is None
    assert confirmed["confirmed_at"]
    assert listed(runner, "acme")["identity"]["established"] == "operator"
    assert identity_actions(app, "acme") == [("issuer.identity.operator", "cli")]

    text = ok(
        runner("issuers", "create", "beta", "--name", "B", "--confirmed-by", "Ada Obi")
    ).output
    assert "not confirmed" not in text


def test_create_with_a_blank_confirmer_creates_nothing(runner: CliRun, app: Flask) -> None:
    result = runner("issuers", "create", "acme", "--name", "Acme", "--confirmed-by", "   ")

    assert result.exit_code == 2
    assert "error: say who confirms" in result.stderr
    assert "Traceback" not in result.output
    with app.app_context():  # one transaction: all or nothing
        assert issuers.list_issuers() == []


# --- issuers confirm / unconfirm -----------------------------------------------------------------


def test_confirm_and_unconfirm(runner: CliRun, app: Flask, make: Factory) -> None:
    make.provider("acme")

    result = ok(runner("issuers", "confirm", "acme", "--by", " Ada Obi "))

    assert "identity of 'Provider acme' (acme) confirmed by Ada Obi" in result.output
    recorded = listed(runner, "acme")["identity"]
    assert (recorded["established"], recorded["confirmed_by"]) == ("operator", "Ada Obi")
    assert recorded["confirmed_at"]

    result = ok(runner("issuers", "unconfirm", "acme"))

    assert "acme is no longer confirmed" in result.output
    assert stored_identity(app, "acme") == (None, None)
    assert identity_actions(app, "acme") == [
        ("issuer.identity.operator", "cli"),
        ("issuer.identity.withdraw", "cli"),
    ]


def test_unconfirming_an_unconfirmed_provider_changes_nothing(
    runner: CliRun, app: Flask, make: Factory
) -> None:
    make.provider("acme")

    ok(runner("issuers", "unconfirm", "acme"))

    assert identity_actions(app, "acme") == []


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (
            ("issuers", "confirm", "ghost", "--by", "Ada Obi"),
            "no training provider with slug 'ghost'",
        ),
        (("issuers", "confirm", "acme", "--by", "  "), "say who confirms"),
        (("issuers", "confirm", "acme", "--by", "x" * 201), "longer than 200"),
        (("issuers", "confirm", "acme"), "Missing option '--by'"),
        (("issuers", "unconfirm", "ghost"), "no training provider with slug 'ghost'"),
    ],
    ids=["unknown-slug", "blank-by", "long-by", "no-by", "unconfirm-unknown"],
)
def test_confirm_refusals_exit_2_without_changing_anything(
    runner: CliRun, app: Flask, make: Factory, args: tuple[str, ...], phrase: str
) -> None:
    make.provider("acme")

    result = runner(*args)

    assert result.exit_code == 2, result.output
    assert phrase in result.stderr
    assert "Traceback" not in result.output
    assert stored_identity(app, "acme") == (None, None)


def test_confirmation_reaches_the_verifier(
    runner: CliRun, make: Factory, client: FlaskClient, make_app: Callable[..., Flask]
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    before = client.post("/api/v1/verify", json=issued.json).get_json()["trust"]
    assert (before["outcome"], before["trusted"]) == ("registered", False)

    ok(runner("issuers", "confirm", world.provider.slug, "--by", "Ada Obi"))

    # A process started after the command sees it (each keeps answers for 30 s).
    fresh = make_app().test_client()
    after = fresh.post("/api/v1/verify", json=issued.json).get_json()["trust"]
    assert (after["outcome"], after["trusted"]) == ("registered", True)
    assert after["identity"]["confirmedBy"] == "Ada Obi"


# --- issuers domain-did -------------------------------------------------------------------------


def test_domain_did_prints_the_document_to_publish(
    runner: CliRun, app: Flask, make: Factory
) -> None:
    provider = make.provider("acme")
    with app.app_context():
        keys = {k.public_key_multibase for k in list_signing_keys(issuers.get_issuer("acme"))}

    document = as_json(runner("issuers", "domain-did", "acme", "Academy.Example.org"))

    assert document["id"] == f"did:web:{DOMAIN}"
    assert document["alsoKnownAs"] == [provider.did]
    parsed = DidDocument.from_json(document, expected_id=f"did:web:{DOMAIN}")
    published = {parsed.methods[m].public_key_multibase for m in parsed.assertion_method_ids}
    assert published == keys
    # Published as is at the domain, it proves control of the domain to verify-domain.
    with app.app_context():
        issuer = issuers.get_issuer("acme")
        identity.verify_domain(issuer, DOMAIN, fetch_json=lambda url: document, actor="test")
        assert issuer.identity_method == "domain"
        db.session.rollback()


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("acme", "localhost"), "is not a public domain name"),
        (("acme", "127.0.0.1"), "is not a public domain name"),
        (("acme", "https://academy.example.org"), "is not a public domain name"),
        (("ghost", DOMAIN), "no training provider with slug 'ghost'"),
    ],
    ids=["localhost", "ip", "url", "unknown-slug"],
)
def test_domain_did_refusals_exit_2(
    runner: CliRun, make: Factory, args: tuple[str, str], phrase: str
) -> None:
    make.provider("acme")

    result = runner("issuers", "domain-did", *args)

    assert result.exit_code == 2, result.output
    assert phrase in result.stderr
    assert result.stdout == ""


# --- microcred verify: the trust decision --------------------------------------------------------


def signed_file(tmp_path: Path, **issuer: Any) -> Path:
    unsigned = f.credential()
    unsigned["issuer"] = {**unsigned["issuer"], **issuer}
    del unsigned["credentialStatus"]  # nothing to fetch: no network
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(f.signed(unsigned)))
    return path


def verify(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["verify", *args],
        env={"MICROCRED_ALLOW_PRIVATE_FETCH": "", "MICROCRED_TRUST_REGISTRIES": "", **(env or {})},
    )


def test_verify_json_reports_an_unknown_issuer_with_its_claim(tmp_path: Path) -> None:
    path = signed_file(tmp_path, name="Harvard University")

    result = verify("--json", str(path))

    assert result.exit_code == 0, result.output  # the checks pass; trust does not change that
    [report] = json.loads(result.stdout)["results"]
    assert report["verified"] is True
    trust = report["trust"]
    assert (trust["outcome"], trust["trusted"], trust["name"]) == ("unknown", False, None)
    assert trust["issuer"] == f.ISSUER_DID
    assert trust["claimedName"] == "Harvard University"


def test_verify_text_prints_the_trust_line(tmp_path: Path) -> None:
    path = signed_file(tmp_path, name="Harvard University")

    result = verify(str(path))

    assert result.exit_code == 0
    [line] = [x for x in result.output.splitlines() if "Unknown issuer" in x]
    assert line.strip().startswith("!")  # not ✓: nobody vouches for the name
    assert "“Harvard University”" in line


def test_verify_json_reports_a_listed_issuer_from_the_configured_registry(tmp_path: Path) -> None:
    path = signed_file(tmp_path, name="Harvard University")
    registry = tmp_path / "partners.json"
    registry.write_text(json.dumps({f.ISSUER_DID: "Northwind Skills Academy"}))
    config = json.dumps([{"name": "Partners", "file": str(registry)}])

    result = verify("--json", str(path), env={"MICROCRED_TRUST_REGISTRIES": config})

    assert result.exit_code == 0, result.output
    trust = json.loads(result.stdout)["results"][0]["trust"]
    assert (trust["outcome"], trust["trusted"]) == ("listed", True)
    assert trust["name"] == "Northwind Skills Academy"
    assert trust["claimedName"] == "Harvard University"
    assert trust["identity"]["source"] == "Partners"

    text = verify(str(path), env={"MICROCRED_TRUST_REGISTRIES": config}).output
    [line] = [x for x in text.splitlines() if "listed in the trust registry" in x]
    assert line.strip().startswith("✓")


def test_verify_json_of_a_tampered_credential_is_unconfirmed(tmp_path: Path) -> None:
    path = signed_file(tmp_path)
    document = json.loads(path.read_text())
    document["name"] = "Doctor of Medicine"
    path.write_text(json.dumps(document))

    result = verify("--json", str(path))

    assert result.exit_code == 1
    trust = json.loads(result.stdout)["results"][0]["trust"]
    assert (trust["outcome"], trust["name"]) == ("unconfirmed", None)


@pytest.mark.parametrize(
    "config", ['[{"name": "Partners"}]', "[not json", "/nonexistent/registries.json"]
)
def test_verify_refuses_malformed_registries_without_a_traceback(
    tmp_path: Path, config: str
) -> None:
    path = signed_file(tmp_path)

    result = verify(str(path), env={"MICROCRED_TRUST_REGISTRIES": config})

    # One "error: …" line, as for every other refusal of the CLI (DESIGN §5).
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0
    assert "error:" in result.stderr
    assert "MICROCRED_TRUST_REGISTRIES" in result.stderr or "registr" in result.stderr
