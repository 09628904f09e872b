"""The status a document shows: our records and the app-wide verifier, the worse one wins,
with the verifier's verdict memoised per database state."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from credentials.results import Verdict
from issuer.models import IssuedCredential, SigningKey
from issuer.services import issuers, signing_keys
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from sharing.state import VERIFIER_KEY, load_issued
from sharing.status import StatusService, database_state
from tests.issuer.factories import Factory
from tests.sharing.conftest import Issued

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def pdf_text(client: FlaskClient, issued: Issued) -> str:
    data = client.get(issued.path(".pdf")).data
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def pdf_status(client: FlaskClient, issued: Issued) -> set[str]:
    """The status words printed on the certificate (the pill and, when not valid, the stamp).

    A valid credential prints no "VALID" (it would outlive a revocation on a saved copy):
    its pill invites a scan, reported here as {"SCAN"}."""
    text = pdf_text(client, issued)
    words = set(re.findall(r"\b[A-Z]{5,}\b", text))
    found = words & {"VALID", "INVALID", "REVOKED", "SUSPENDED", "EXPIRED"}
    return found | ({"SCAN"} if "SCAN FOR STATUS" in text else set())


def status_service(app: Flask) -> StatusService:
    service: StatusService = app.extensions["microcred.sharing"].status
    return service


def change_row(app: Flask, issued: Issued, **values: object) -> None:
    with app.app_context(), write_transaction(db.session):
        row = db.session.get(IssuedCredential, issued.id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def row(**values: object) -> IssuedCredential:
    """A transient credential row (never stored) for the pure database rules."""
    defaults: dict[str, object] = {
        "id": "0b5c3a52-8f43-4f0e-9d0c-1f2e3d4c5b6a",
        "document": "{}",
        "valid_from": NOW - timedelta(days=10),
        "valid_until": NOW + timedelta(days=10),
        "revoked_at": None,
        "suspended": False,
        "signing_key": SigningKey(revoked_at=None),
    }
    return IssuedCredential(**{**defaults, **values})


@pytest.mark.parametrize(
    ("values", "verdict"),
    [
        ({}, Verdict.VALID),
        ({"valid_until": None}, Verdict.VALID),
        ({"valid_until": NOW - timedelta(seconds=1)}, Verdict.EXPIRED),
        ({"valid_from": NOW + timedelta(days=1)}, Verdict.NOT_YET_VALID),
        ({"suspended": True, "valid_until": NOW - timedelta(days=1)}, Verdict.SUSPENDED),
        ({"revoked_at": NOW, "suspended": True}, Verdict.REVOKED),
        ({"signing_key": SigningKey(revoked_at=NOW), "revoked_at": NOW}, Verdict.INVALID),
    ],
    ids=["valid", "no-expiry", "expired", "not-yet", "suspended", "revoked", "key-revoked"],
)
def test_database_state_worst_condition_first(values: dict[str, object], verdict: Verdict) -> None:
    state = database_state(row(**values), NOW)
    assert state.verdict is verdict
    assert state.is_valid is (verdict is Verdict.VALID)


def test_labels_and_kinds() -> None:
    assert database_state(row(), NOW).label == "Valid"
    assert database_state(row(), NOW).kind == "valid"
    suspended = database_state(row(suspended=True), NOW)
    assert (suspended.label, suspended.kind) == ("Suspended", "warning")
    revoked = database_state(row(revoked_at=NOW), NOW)
    assert (revoked.label, revoked.kind) == ("Revoked", "invalid")


def test_verifier_runs_once_per_database_state(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued], revoke: Callable[[Issued], None]
) -> None:
    issued = issue()
    service = status_service(app)
    start = service.verifications
    for path in (".pdf", ".pdf", "/badge.png", "/badge.svg", "/share"):
        client.get(issued.path(path))
    assert service.verifications - start == 1
    revoke(issued)
    assert pdf_status(client, issued) == {"REVOKED"}
    client.get(issued.path("/badge.png"))
    assert service.verifications - start == 2  # the revocation missed the memo at once


def test_memo_expires(app: Flask, issue: Callable[..., Issued]) -> None:
    issued = issue()
    ticks = [1000.0]
    verifier = app.extensions[VERIFIER_KEY]
    service = StatusService(verifier=lambda: verifier, memo_seconds=60, monotonic=lambda: ticks[0])
    with app.test_request_context():
        credential = load_issued(issued.id)
        assert service.state(credential).is_valid
        ticks[0] += 59
        assert service.state(credential).is_valid
        assert service.verifications == 1
        ticks[0] += 2
        assert service.state(credential).is_valid
        assert service.verifications == 2


def test_expiry_shows_at_once_without_waiting_for_the_memo(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    assert pdf_status(client, issued) == {"SCAN"}
    change_row(app, issued, valid_until=datetime.now(UTC) - timedelta(minutes=1))
    assert pdf_status(client, issued) == {"EXPIRED"}


def test_the_verifier_catches_what_the_records_do_not(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    # The stored document altered after signing (a broken database, an attacker with SQL):
    # our records still say valid, the signature does not.
    document = json.loads(issued.document)
    document["name"] = "Something else entirely"
    change_row(app, issued, document=json.dumps(document))
    assert pdf_status(client, issued) == {"INVALID"}
    share = client.get(issued.path("/share")).data.decode()
    assert "Invalid" in share
    assert "proof" in share.lower() or "signature" in share.lower()


def test_revoked_signing_key_invalidates_documents(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued], make: Factory
) -> None:
    issued = issue()
    with make.transaction():
        issuer = issuers.get_issuer(issued.provider.slug)
        signing_keys.revoke_signing_key(
            issuer,
            "key-1",
            reason="leaked",
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            actor="test",
        )
    assert pdf_status(client, issued) == {"INVALID"}


def test_without_an_app_verifier_the_records_decide(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued], revoke: Callable[[Issued], None]
) -> None:
    issued = issue()
    del app.extensions[VERIFIER_KEY]
    assert pdf_status(client, issued) == {"SCAN"}
    revoke(issued)
    assert pdf_status(client, issued) == {"REVOKED"}
    assert status_service(app).verifications == 0
