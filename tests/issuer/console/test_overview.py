"""The overview (issue 13, item 6): anonymous verification counts and the dashboard.

The public verifier counts each authentic verification of one of our credentials per
(credential, UTC day) in memory; a flush writes the counts. The dashboard shows a
provider's credentials by state and its verifications per day as an inline SVG chart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer import verification_counter
from issuer.models import IssuedCredential, VerificationCount
from issuer.services import credentials as credential_service
from issuer.services import issuers, verification_counts
from issuer.verification_counter import VerificationCounter
from microcred.platform.extensions import db
from tests.issuer.console.conftest import Provider as ConsoleProvider
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider
from tests.issuer.issuance_helpers import Issued, issue, ready


def counter_of(app: Flask) -> VerificationCounter:
    counter: VerificationCounter = app.extensions[verification_counter.EXTENSION_KEY]
    return counter


def today() -> datetime:
    return datetime.now(UTC)


def rows(app: Flask) -> list[tuple[str, int]]:
    with app.app_context():
        return [
            (r.credential_id, r.count) for r in db.session.scalars(db.select(VerificationCount))
        ]


def _as_factory_provider(app: Flask, slug: str) -> Provider:
    with app.app_context():
        issuer = issuers.get_issuer(slug)
        return Provider(issuer.id, slug, issuer.did, "")


def _issued(make: Factory, provider: Provider | None = None) -> Issued:
    r = ready(make, provider)
    return issue(make, r.provider, r.freelancer_id, r.certification.id)


# --- counting --------------------------------------------------------------------------------


def test_three_verifications_count_three_for_today_after_a_flush(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    issued = _issued(make)
    counter = counter_of(app)
    # Three ways in: the JSON API, the W3C VC API, the short-code page.
    assert client.post("/api/v1/verify", json=issued.json).json["verdict"] == "valid"
    response = client.post("/credentials/verify", json={"verifiableCredential": issued.json})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get(f"/v/{issued.short_code}").status_code == 200
    assert counter.pending == 3
    assert rows(app) == []  # nothing was written in the requests

    assert counter.flush() == 1
    assert counter.pending == 0
    with app.app_context():
        assert verification_counts.of_credential(issued.id) == {today().date(): 3}
    assert counter.flush() == 0  # an empty buffer writes nothing

    client.post("/api/v1/verify", json=issued.json)
    counter.flush()
    with app.app_context():  # upserts add to the day's row
        assert verification_counts.of_credential(issued.id) == {today().date(): 4}


def test_revoked_still_counts_forged_and_foreign_do_not(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    issued = _issued(make)
    counter = counter_of(app)
    with make.transaction():
        credential_service.revoke(
            issuers.get_issuer(make_slug(app, issued.id)),
            issued.id,
            reason="test",
            actor=FACTORY_ACTOR,
        )
    assert client.post("/api/v1/verify", json=issued.json).json["verdict"] == "revoked"
    assert counter.pending == 1  # a revoked credential's verification is still one

    tampered = json.loads(issued.document)
    tampered["credentialSubject"]["name"] = "Someone Else"
    assert client.post("/api/v1/verify", json=tampered).json["verdict"] == "invalid"
    assert counter.pending == 1  # a broken proof is not counted at all

    # A foreign issuer naming one of our credential ids, and an id we never issued:
    counter("did:web:elsewhere.example", issued.json["id"])
    counter(issued.json["issuer"]["id"], "urn:uuid:00000000-0000-4000-8000-000000000000")
    assert counter.pending == 3
    counter.flush()
    assert rows(app) == [(issued.id, 1)]


def make_slug(app: Flask, credential_id: str) -> str:
    with app.app_context():
        credential = db.session.get(IssuedCredential, credential_id)
        assert credential is not None
        return credential.issuer.slug


def test_without_a_flush_at_most_the_buffer_is_lost(app: Flask, make: Factory) -> None:
    issued = _issued(make)
    did, cid = issued.json["issuer"]["id"], issued.json["id"]
    small = VerificationCounter(app, interval=0, max_keys=2)
    small(did, cid)
    small(did, cid)
    small(did, "urn:uuid:one")
    small(did, "urn:uuid:two")  # a third key: dropped, the buffer stays bounded
    assert small.pending == 3
    assert small.dropped == 1
    del small  # the process dies without flushing: what the buffer held is gone
    assert rows(app) == []


def test_two_processes_buffers_sum(app: Flask, make: Factory) -> None:
    """Each gunicorn worker has its own buffer; their flushes add up, in any order."""
    issued = _issued(make)
    did, cid = issued.json["issuer"]["id"], issued.json["id"]
    first, second = VerificationCounter(app, interval=0), VerificationCounter(app, interval=0)
    for _ in range(2):
        first(did, cid)
    for _ in range(5):
        second(did, cid)
    second.flush()
    first.flush()
    assert rows(app) == [(issued.id, 7)]


def test_a_failed_flush_keeps_the_counts(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = _issued(make)
    counter = VerificationCounter(app, interval=0)
    counter(issued.json["issuer"]["id"], issued.json["id"])

    def down(batch: object) -> int:
        raise RuntimeError("database down")

    monkeypatch.setattr(verification_counts, "add", down)
    assert counter.flush() == 0
    assert counter.pending == 1
    monkeypatch.undo()
    assert counter.flush() == 1
    assert rows(app) == [(issued.id, 1)]


def test_the_flush_thread_writes_on_its_own(app: Flask, make: Factory) -> None:
    issued = _issued(make)
    counter = VerificationCounter(app, interval=0.05)
    counter(issued.json["issuer"]["id"], issued.json["id"])
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while rows(app) == [] and datetime.now(UTC) < deadline:
        import time

        time.sleep(0.05)
    assert rows(app) == [(issued.id, 1)]


# --- the dashboard ---------------------------------------------------------------------------


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_counts_states_and_charts_verifications(
    app: Flask,
    client: FlaskClient,
    make: Factory,
    sign_up: Callable[..., ConsoleProvider],
) -> None:
    acme = sign_up("acme")
    provider = _as_factory_provider(app, "acme")
    first = _issued(make, provider)
    second = _issued(make, provider)
    third = _issued(make, provider)
    with make.transaction():
        issuer = issuers.get_issuer("acme")
        credential_service.revoke(issuer, first.id, reason="wrong person", actor=FACTORY_ACTOR)
        credential_service.suspend(issuer, second.id, actor=FACTORY_ACTOR)
        # The third expires in ten days.
        row = db.session.get(IssuedCredential, third.id)
        assert row is not None
        row.valid_until = datetime.now(UTC) + timedelta(days=10)
    for _ in range(5):
        client.post("/api/v1/verify", json=third.json)
    counter_of(app).flush()
    with make.transaction():  # and 7 on a day a month ago: in the 90-day chart only
        old = datetime.now(UTC).date() - timedelta(days=40)
        verification_counts.add({(third.json["issuer"]["id"], third.json["id"], old): 7})

    page = acme.console.get("/console/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    words = text(html)
    for figure, label in (
        ("3", "issued"),
        ("1", "active"),
        ("1", "expiring in the next 30 days"),
        ("1", "revoked"),
        ("1", "suspended"),
        ("0", "expired"),
    ):
        assert f" {figure} {label} " in words, (figure, label)
    assert 'href="/console/credentials?status=expiring"' in html
    # The link lands on the list filtered the same way: the third credential alone.
    expiring = acme.console.get("/console/credentials?status=expiring")
    assert expiring.status_code == 200
    listed = expiring.get_data(as_text=True)
    assert f"/console/credentials/{third.id}" in listed
    assert f"/console/credentials/{first.id}" not in listed
    assert f"/console/credentials/{second.id}" not in listed
    assert 'href="/console/credentials?status=revoked"' in html
    assert "5 verifications of your credentials in the last 30 days" in words
    assert 'role="img"' in html
    assert '<title id="verifications-chart-title">' in html
    assert html.count("<rect ") == 1  # one day with verifications, one bar
    assert re.search(r"<td class=\"num\">5</td>", html)

    ninety = acme.console.get("/console/?days=90").get_data(as_text=True)
    assert "12 verifications of your credentials in the last 90 days" in text(ninety)
    assert ninety.count("<rect ") == 2
    assert 'aria-current="page">last 90 days' in ninety

    # Anything else is the 30-day chart, never an error.
    for odd in ("7", "-1", "abc", "9" * 30):
        response = acme.console.get(f"/console/?days={odd}")
        assert response.status_code == 200
        assert "last 30 days" in text(response.get_data(as_text=True))


def test_dashboard_shows_only_this_providers_numbers(
    app: Flask, client: FlaskClient, make: Factory, sign_up: Callable[..., ConsoleProvider]
) -> None:
    sign_up("acme")
    other = sign_up("other", name="Other Academy")
    issued = _issued(make, _as_factory_provider(app, "acme"))
    client.post("/api/v1/verify", json=issued.json)
    counter_of(app).flush()
    words = text(other.console.get("/console/").get_data(as_text=True))
    assert " 0 issued " in words
    assert "0 verifications of your credentials" in words


def test_dashboard_for_every_role(
    provider: ConsoleProvider, new_console: Callable[[], object]
) -> None:
    from tests.issuer.console.conftest import Console

    for role in ("issuer", "viewer"):
        console = new_console()
        assert isinstance(console, Console)
        console.sign_in(provider.members[role])
        assert console.get("/console/").status_code == 200
