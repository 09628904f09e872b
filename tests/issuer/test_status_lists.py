"""Bitstring Status Lists: the public endpoint (caching headers, ETag), signing once per
change, revocation and suspension as verifiers see them, unique indices under concurrent
issuance, a new list when one is full, and never a revoked key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from credentials.did import DidKeyResolver
from credentials.proofs import JCS, verify_proofs
from credentials.resolvers import CompositeDidResolver
from credentials.statuslist import Bitstring, parse_status_entry, read_status
from issuer.local_sources import DatabaseSources
from issuer.models import IssuedCredential, StatusAllocation, StatusList
from issuer.services import issuers, signing_keys
from issuer.services.issuance import issue_credential
from issuer.services.status_lists import IndexAllocator
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL, TEST_PASSPHRASE
from tests.issuer.factories import FACTORY_ACTOR, Factory
from tests.issuer.issuance_helpers import (
    Issued,
    NarrowRandom,
    Ready,
    check_outcomes,
    issue,
    local_verifier,
    public_verifier,
    ready,
)
from verifier.resolvers import LocalDidResolver


@pytest.fixture
def world(make: Factory) -> Ready:
    return ready(make)


@pytest.fixture
def issued(make: Factory, world: Ready) -> Issued:
    return issue(make, world.provider, world.freelancer_id, world.certification.id)


def _entry(issued: Issued, purpose: str) -> dict[str, str]:
    return next(e for e in issued.json["credentialStatus"] if e["statusPurpose"] == purpose)


def _path(url: str) -> str:
    return url.removeprefix(TEST_BASE_URL)


def _post(client: FlaskClient, world: Ready, issued: Issued, verb: str, **body: str) -> None:
    response = client.post(
        f"/api/v1/credentials/{issued.id}/{verb}", json=body or None, headers=world.provider.headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)


# --- the public endpoint ---------------------------------------------------------------------


def test_endpoint_serves_a_signed_list_with_caching_headers(
    app: Flask, client: FlaskClient, world: Ready, issued: Issued
) -> None:
    entry = _entry(issued, "revocation")
    response = client.get(_path(entry["statusListCredential"]))

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    document = json.loads(response.data)
    assert document["id"] == entry["statusListCredential"]
    assert document["issuer"] == world.provider.did
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    bits = Bitstring.decode(document["credentialSubject"]["encodedList"])
    assert len(bits) == 131_072
    assert not bits.get(int(entry["statusListIndex"]))
    resolver = CompositeDidResolver(
        {"key": DidKeyResolver(), "web": LocalDidResolver(DatabaseSources(app))}
    )
    assert [p.verified for p in verify_proofs(document, resolver=resolver)] == [True]

    # A conditional request with the ETag is a 304 without a body.
    again = client.get(_path(entry["statusListCredential"]), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_etag_changes_when_a_bit_changes(client: FlaskClient, world: Ready, issued: Issued) -> None:
    url = _path(_entry(issued, "revocation")["statusListCredential"])
    before = client.get(url)
    _post(client, world, issued, "revoke", reason="Plagiarised evidence")
    after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]


@pytest.mark.parametrize(
    "path",
    [
        "/issuers/{slug}/status/revocation/2",
        "/issuers/{slug}/status/refresh/1",
        "/issuers/nobody/status/revocation/1",
        "/issuers/{slug}/status/revocation/0",
        "/issuers/{slug}/status/revocation/one",
    ],
)
def test_unknown_lists_are_404(
    client: FlaskClient, world: Ready, issued: Issued, path: str
) -> None:
    response = client.get(
        path.format(slug=world.provider.slug), headers={"Accept": "application/json"}
    )
    assert response.status_code == 404


def test_a_list_is_signed_once_per_change_not_per_request(
    app: Flask, make_app: Callable[..., Flask], client: FlaskClient, world: Ready, issued: Issued
) -> None:
    url = _path(_entry(issued, "suspension")["statusListCredential"])
    first = client.get(url)
    time.sleep(1.1)  # a re-signed list would carry a later proof.created
    second = client.get(url)
    # Another process (a second app on the same database) serves the stored copy as is.
    third = make_app().test_client().get(url)
    assert first.data == second.data == third.data
    with app.app_context():
        status_list = db.session.scalar(
            select(StatusList).where(StatusList.purpose == "suspension")
        )
        assert status_list.signed_version == status_list.version == 1
        assert json.loads(status_list.signed_document) == json.loads(first.data)


# --- revocation and suspension as verifiers see them -----------------------------------------


def test_revoked_credential_fails_the_status_check_everywhere(
    app: Flask, client: FlaskClient, world: Ready, issued: Issued
) -> None:
    local = local_verifier(app)
    assert local.verify(issued.document).verified  # the list is cached by now
    _post(client, world, issued, "revoke", reason="Issued to the wrong freelancer")

    for verifier in (local, public_verifier(app, client)):
        result = verifier.verify(issued.document)
        assert not result.verified
        assert result.verdict.value == "revoked"
        status = [c for c in result.checks if c.name == "status"]
        assert [c.code for c in status] == ["revoked", "ok"]
    # The stored credential itself is untouched: status lives in the list.
    with app.app_context():
        assert db.session.get(IssuedCredential, issued.id).document == issued.document


def test_suspend_and_unsuspend_round_trip(
    app: Flask, client: FlaskClient, world: Ready, issued: Issued
) -> None:
    verifier = public_verifier(app, client)
    _post(client, world, issued, "suspend", reason="Evidence under review")
    result = verifier.verify(issued.document)
    assert result.verdict.value == "suspended"
    _post(client, world, issued, "unsuspend")
    assert check_outcomes(verifier, issued.document)["status"] == ["passed", "passed"]
    with app.app_context():
        version = db.session.scalar(
            select(StatusList.version).where(StatusList.purpose == "suspension")
        )
    assert version == 3  # created, suspended, unsuspended


def test_a_revoked_signing_key_never_signs_a_list(
    app: Flask, client: FlaskClient, make: Factory, world: Ready, issued: Issued
) -> None:
    url = _path(_entry(issued, "revocation")["statusListCredential"])
    assert json.loads(client.get(url).data)["proof"]["verificationMethod"].endswith("#key-1")
    with make.transaction():
        signing_keys.revoke_signing_key(
            issuers.get_issuer(world.provider.slug),
            "key-1",
            reason="laptop stolen",
            passphrase=TEST_PASSPHRASE,
            actor=FACTORY_ACTOR,
        )
    document = json.loads(client.get(url).data)
    assert document["proof"]["verificationMethod"] == f"{world.provider.did}#key-2"
    resolver = CompositeDidResolver(
        {"key": DidKeyResolver(), "web": LocalDidResolver(DatabaseSources(app))}
    )
    assert [p.verified for p in verify_proofs(document, resolver=resolver)] == [True]


# --- allocation --------------------------------------------------------------------------------


def _issue_in_thread(
    app: Flask,
    slug: str,
    pairs: list[tuple[str, str]],
    errors: list[BaseException],
    start: threading.Barrier,
) -> None:
    try:
        start.wait()
        for freelancer_id, certification_id in pairs:
            with app.app_context(), write_transaction(db.session):
                issue_credential(
                    issuers.get_issuer(slug),
                    freelancer_id=freelancer_id,
                    certification_id=certification_id,
                    suite=JCS,
                    override_reason="concurrency test",
                    actor=FACTORY_ACTOR,
                )
    except BaseException as exc:  # reported by the main thread
        errors.append(exc)


def _assert_indices_unique_and_signed(app: Flask) -> int:
    with app.app_context():
        rows = db.session.execute(
            select(
                StatusAllocation.credential_id,
                StatusList.purpose,
                StatusList.id,
                StatusAllocation.index,
            ).join(StatusList)
        ).all()
        documents = dict(
            db.session.execute(select(IssuedCredential.id, IssuedCredential.document)).all()
        )
    assert len({(list_id, index) for _, _, list_id, index in rows}) == len(rows)
    for credential_id, purpose, _, index in rows:
        entries = json.loads(documents[credential_id])["credentialStatus"]
        signed = next(e for e in entries if e["statusPurpose"] == purpose)
        # The signed document names exactly the index the database holds.
        assert signed["statusListIndex"] == str(index)
    return len(rows)


def test_concurrent_issuance_allocates_unique_indices(
    make_app: Callable[..., Flask], make: Factory
) -> None:
    # Indices drawn from 0..47 only, so the eight threads keep wanting the same ones.
    app = make_app(MICROCRED_STATUS_INDEX_RNG=NarrowRandom(48))
    make = Factory(app)
    provider = make.provider()
    certification = make.certification(provider)
    threads_n, per_thread = 8, 4
    pairs = [(make.freelancer(provider), certification.id) for _ in range(threads_n * per_thread)]
    errors: list[BaseException] = []
    start = threading.Barrier(threads_n)
    threads = [
        threading.Thread(
            target=_issue_in_thread,
            args=(app, provider.slug, pairs[i::threads_n], errors, start),
        )
        for i in range(threads_n)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert _assert_indices_unique_and_signed(app) == 2 * threads_n * per_thread


class FirstZeroRandom(NarrowRandom):
    """Each thread's first draw is index 0; later draws are spread out."""

    def __init__(self) -> None:
        super().__init__(131_072)
        self.local = threading.local()

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if not getattr(self.local, "drawn", False):
            self.local.drawn = True
            return 0
        return super().randrange(start, stop, step)


def test_a_lost_race_for_an_index_draws_and_signs_again(
    make_app: Callable[..., Flask],
) -> None:
    """Two issuances both draw index 0; the second's insert waits for the first to commit
    (PostgreSQL: on the unique index; SQLite: for the write lock), then draws again and
    signs a document naming its new index."""
    app = make_app(MICROCRED_STATUS_INDEX_RNG=FirstZeroRandom())
    make = Factory(app)
    provider = make.provider()
    certification = make.certification(provider)
    first_freelancer, second_freelancer = make.freelancer(provider), make.freelancer(provider)
    inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def first() -> None:
        with app.app_context(), write_transaction(db.session):
            credential = issue_credential(
                issuers.get_issuer(provider.slug),
                freelancer_id=first_freelancer,
                certification_id=certification.id,
                suite=JCS,
                override_reason="race",
                actor=FACTORY_ACTOR,
            )
            outcome["first"] = credential.id
            inserted.set()
            release.wait(timeout=30)  # hold the transaction open

    def second() -> None:
        inserted.wait(timeout=30)
        with app.app_context(), write_transaction(db.session):
            credential = issue_credential(
                issuers.get_issuer(provider.slug),
                freelancer_id=second_freelancer,
                certification_id=certification.id,
                suite=JCS,
                override_reason="race",
                actor=FACTORY_ACTOR,
            )
            outcome["second"] = credential.id

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # the second issuance is now blocked behind the first
    assert "second" not in outcome
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcome) == {"first", "second"}
    with app.app_context():
        revocation = dict(
            db.session.execute(
                select(StatusAllocation.credential_id, StatusAllocation.index)
                .join(StatusList)
                .where(StatusList.purpose == "revocation")
            ).all()
        )
    assert revocation[outcome["first"]] == 0
    assert revocation[outcome["second"]] != 0
    _assert_indices_unique_and_signed(app)


def test_a_full_list_is_followed_by_a_new_one(app: Flask, make: Factory, world: Ready) -> None:
    with make.transaction():
        issuer = issuers.get_issuer(world.provider.slug)
        allocator = IndexAllocator(issuer, base_url=TEST_BASE_URL, purposes=("revocation",))
        first = allocator.picks()[0]
        assert first.url.endswith("/status/revocation/1")
        # White-box: the allocator now believes every index of list 1 is taken, as it
        # would after reading a full list; the next pick must open list 2.
        state = allocator._lists["revocation"]
        state.taken = set(range(state.size_bits))
        state.scanned = True
        second = allocator.picks()[0]
        assert second.url.endswith("/status/revocation/2")
        assert second.list_id != first.list_id
    with app.app_context():
        numbers = db.session.scalars(
            select(StatusList.number)
            .where(StatusList.purpose == "revocation")
            .order_by(StatusList.number)
        ).all()
    assert numbers == [1, 2]
    # Later issuances allocate from the newest list.
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert _entry(issued, "revocation")["statusListCredential"].endswith("/revocation/2")
    assert _entry(issued, "suspension")["statusListCredential"].endswith("/suspension/1")


def test_local_source_reads_the_bit_right_after_a_change(
    app: Flask, client: FlaskClient, world: Ready, issued: Issued
) -> None:
    sources = DatabaseSources(app)
    entry = parse_status_entry(_entry(issued, "suspension"))
    before = sources.status_list_for(entry.list_url)
    assert sources.status_list_for(entry.list_url) is before  # cached while unchanged
    assert not read_status(entry, before).set
    _post(client, world, issued, "suspend")
    after = sources.status_list_for(entry.list_url)
    assert after is not before
    assert read_status(entry, after).set
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusList)) == 2
