"""FreshOwnSources: our own issuers' DID documents and status lists are cached, yet every
change (revocation, suspension, key rotation or revocation) is seen at the next request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from credentials.verify import Verifier
from issuer.local_sources import DatabaseSources
from issuer.own_sources import FreshOwnSources, verification_scope
from issuer.services import issuers, signing_keys
from tests.issuer.factories import FACTORY_ACTOR
from tests.verifier.web.issuing import Issued, IssuingWorld
from verifier.web.service import EXTENSION_KEY, OWN_SOURCES_KEY


class CountingSources(DatabaseSources):
    """The real database sources, counting how often they are asked."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self.calls: list[str] = []

    def document_for(self, did: str) -> Mapping[str, Any] | None:
        self.calls.append("did")
        return super().document_for(did)

    def status_list_for(self, url: str) -> Mapping[str, Any] | None:
        self.calls.append(url.rsplit("/", 2)[-2])
        return super().status_list_for(url)


@pytest.fixture
def world(app: Flask) -> IssuingWorld:
    return IssuingWorld(app)


@pytest.fixture
def counted(app: Flask) -> tuple[FreshOwnSources, CountingSources]:
    inner = CountingSources(app)
    return FreshOwnSources(app, inner), inner


def _verdict(client: FlaskClient, issued: Issued) -> str:
    body = client.get(issued.page, headers={"Accept": "application/json"}).get_json()
    return str(body["verdict"])


def test_the_app_verifier_is_built_once_with_the_fresh_cache(app: Flask) -> None:
    assert isinstance(app.extensions[EXTENSION_KEY], Verifier)
    own = app.extensions[OWN_SOURCES_KEY]  # wired in by the composition root
    expected = "FreshOwnSources(DatabaseSources('https://microcred.example'))"
    assert repr(own.dids) == repr(own.status_lists) == expected
    assert own.scope is verification_scope


def test_unchanged_answers_come_from_the_cache(
    app: Flask, world: IssuingWorld, counted: tuple[FreshOwnSources, CountingSources]
) -> None:
    issued = world.issue()
    document = world.document(issued)
    sources, inner = counted
    did = document["issuer"]["id"]
    lists = [entry["statusListCredential"] for entry in document["credentialStatus"]]

    with app.app_context():
        for _ in range(3):
            with verification_scope():
                assert sources.document_for(did)["id"] == did
                assert [sources.status_list_for(u)["id"] for u in lists] == lists

    assert inner.calls == ["did", "revocation", "suspension"]


def test_a_status_change_is_read_again(
    app: Flask, world: IssuingWorld, counted: tuple[FreshOwnSources, CountingSources]
) -> None:
    issued = world.issue()
    revocation_list = world.document(issued)["credentialStatus"][0]["statusListCredential"]
    sources, inner = counted
    with app.app_context():
        first = sources.status_list_for(revocation_list)

        world.revoke(issued)
        second = sources.status_list_for(revocation_list)

    assert inner.calls == ["revocation", "revocation"]
    assert first["credentialSubject"]["encodedList"] != second["credentialSubject"]["encodedList"]


def test_not_ours_costs_nothing(
    app: Flask, counted: tuple[FreshOwnSources, CountingSources]
) -> None:
    sources, inner = counted
    with app.app_context():
        assert sources.document_for("did:web:elsewhere.example") is None
        assert sources.status_list_for("https://elsewhere.example/status/1") is None
    # The DID is recognised as not ours without asking; the URL is asked (no database work).
    assert inner.calls == ["status"]


def test_revoking_the_signing_key_invalidates_at_once(
    client: FlaskClient, world: IssuingWorld, app: Flask
) -> None:
    issued = world.issue()
    assert _verdict(client, issued) == "valid"

    with world.make.transaction():
        issuer = issuers.get_issuer(issued.provider.slug)
        signing_keys.rotate_signing_key(
            issuer, passphrase=app.config["MICROCRED_KEY_PASSPHRASE"], actor=FACTORY_ACTOR
        )
    world.publish_lists(issued)  # re-signed with the new key
    assert _verdict(client, issued) == "valid"  # a retired key still verifies

    with world.make.transaction():
        issuer = issuers.get_issuer(issued.provider.slug)
        signing_keys.revoke_signing_key(
            issuer,
            "key-1",
            reason="compromised",
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=FACTORY_ACTOR,
        )

    body = client.get(issued.page, headers={"Accept": "application/json"}).get_json()
    assert body["verdict"] == "invalid"
    (proof,) = [c for c in body["checks"] if c["check"] == "proof"]
    assert proof["code"] == "key_not_authorized"


def test_an_unknown_list_of_ours_fails_closed(
    app: Flask, world: IssuingWorld, counted: tuple[FreshOwnSources, CountingSources]
) -> None:
    issued = world.issue()
    url = world.document(issued)["credentialStatus"][0]["statusListCredential"]
    sources, _ = counted
    with app.app_context(), pytest.raises(Exception, match="no status list"):
        sources.status_list_for(url.replace("/revocation/1", "/revocation/9"))
