"""``issuer.local_sources.DatabaseSources``: our own DID documents and status lists for the
verifier — None for what is not ours, an error for what is ours but does not exist, and
never a stale list or a commit of the caller's transaction."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from credentials.errors import ResolutionError
from credentials.statuslist import parse_status_entry, read_status
from issuer.local_sources import DatabaseSources
from issuer.models import Freelancer, StatusList
from issuer.services import credentials, issuers
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL
from tests.issuer.factories import FACTORY_ACTOR, Factory
from tests.issuer.issuance_helpers import Issued, Ready, issue, ready
from verifier.resolvers import LocalDidSource, LocalStatusListSource


@pytest.fixture
def world(make: Factory) -> Ready:
    return ready(make)


@pytest.fixture
def issued(make: Factory, world: Ready) -> Issued:
    return issue(make, world.provider, world.freelancer_id, world.certification.id)


@pytest.fixture
def sources(app: Flask) -> DatabaseSources:
    return DatabaseSources(app)


def test_it_implements_both_local_source_protocols(sources: DatabaseSources) -> None:
    assert isinstance(sources, LocalDidSource)
    assert isinstance(sources, LocalStatusListSource)


def test_did_document_is_the_one_served_publicly(
    client: FlaskClient, sources: DatabaseSources, world: Ready
) -> None:
    document = sources.document_for(world.provider.did)
    served = client.get(f"/issuers/{world.provider.slug}/did.json").get_json()
    assert document == served
    assert document["assertionMethod"] == [f"{world.provider.did}#key-1"]


@pytest.mark.parametrize(
    "did",
    [
        "did:web:elsewhere.example:issuers:acme",
        "did:web:microcred.example",
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "not a did",
    ],
)
def test_other_dids_are_not_ours(sources: DatabaseSources, world: Ready, did: str) -> None:
    assert sources.document_for(did) is None


def test_an_unknown_provider_in_our_namespace_is_an_error(
    sources: DatabaseSources, world: Ready
) -> None:
    with pytest.raises(ResolutionError, match="names no training provider"):
        sources.document_for("did:web:microcred.example:issuers:nobody")


def test_status_list_is_the_signed_current_one(
    client: FlaskClient, sources: DatabaseSources, issued: Issued
) -> None:
    entry = issued.json["credentialStatus"][0]
    url = entry["statusListCredential"]
    document = sources.status_list_for(url)
    served = json.loads(client.get(url.removeprefix(TEST_BASE_URL)).data)
    assert document == served
    assert not read_status(parse_status_entry(entry), document).set


@pytest.mark.parametrize(
    "url",
    [
        "https://status.elsewhere.example/issuers/acme/status/revocation/1",
        "https://microcred.example/credentials/abc.json",
        "http://microcred.example/issuers/acme/status/revocation/1",
    ],
)
def test_other_urls_are_not_ours(sources: DatabaseSources, issued: Issued, url: str) -> None:
    assert sources.status_list_for(url) is None


@pytest.mark.parametrize(
    "path",
    [
        "/issuers/{slug}/status/revocation/9",
        "/issuers/nobody/status/revocation/1",
        "/issuers/{slug}/status/refresh/1",
        "/issuers/{slug}/did.json",
    ],
)
def test_missing_lists_in_our_namespace_are_errors(
    sources: DatabaseSources, world: Ready, issued: Issued, path: str
) -> None:
    with pytest.raises(ResolutionError):
        sources.status_list_for(TEST_BASE_URL + path.format(slug=world.provider.slug))


def test_a_revocation_is_visible_at_once(
    app: Flask, make: Factory, sources: DatabaseSources, world: Ready, issued: Issued
) -> None:
    entry = parse_status_entry(issued.json["credentialStatus"][0])
    cached = sources.status_list_for(entry.list_url)
    assert sources.status_list_for(entry.list_url) is cached
    with make.transaction():
        credentials.revoke(
            issuers.get_issuer(world.provider.slug), issued.id, reason="fraud", actor=FACTORY_ACTOR
        )
    fresh = sources.status_list_for(entry.list_url)
    assert read_status(entry, fresh).set


def test_signing_a_list_never_commits_the_callers_session(
    app: Flask, sources: DatabaseSources, world: Ready, issued: Issued
) -> None:
    url = issued.json["credentialStatus"][1]["statusListCredential"]
    with app.app_context():
        freelancer = db.session.get(Freelancer, world.freelancer_id)
        freelancer.name = "Changed but never committed"
        # First request for this list: it is signed and stored now, in its own session.
        assert sources.status_list_for(url) is not None
        db.session.rollback()
        name = db.session.scalar(
            select(Freelancer.name).where(Freelancer.id == world.freelancer_id)
        )
        signed = db.session.scalar(
            select(StatusList.signed_version).where(StatusList.purpose == "suspension")
        )
    assert name != "Changed but never committed"
    assert signed == 1
