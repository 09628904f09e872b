"""How a training provider's identity is established (``issuer.services.identity``): the
operator confirms it, or the provider's own domain publishes its key; a name change
withdraws either; every step is audited; and the verifier's "registered here" source
(``DatabaseSources.identity_for`` behind ``RegisteredIssuers``) reports what was recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from credentials.errors import InvalidInputError, ResolutionError
from credentials.keys import Ed25519SigningKey
from credentials.resolvers import DidDocument
from credentials.trust import Established, TrustLevel
from issuer.local_sources import DatabaseSources
from issuer.models import AuditEvent
from issuer.services import identity, issuers, signing_keys
from microcred.platform.extensions import db
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider
from verifier.trust import RegisteredIssuers

DOMAIN = "academy.example.org"
WELL_KNOWN = f"https://{DOMAIN}/.well-known/did.json"


class Domain:
    """``fetch_json`` for verify_domain: answers one document (or raises), recording URLs."""

    def __init__(self, document: Mapping[str, Any] | Exception) -> None:
        self.document = document
        self.fetched: list[str] = []

    def __call__(self, url: str) -> Mapping[str, Any]:
        self.fetched.append(url)
        if isinstance(self.document, Exception):
            raise self.document
        return self.document


def state(app: Flask, slug: str) -> dict[str, Any]:
    with app.app_context():
        issuer = issuers.get_issuer(slug)
        return {
            "method": issuer.identity_method,
            "domain": issuer.identity_domain,
            "by": issuer.identity_confirmed_by,
            "at": issuer.identity_confirmed_at,
        }


def audit_events(app: Flask, provider: Provider, prefix: str = "issuer.identity") -> list[Any]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.issuer_id == provider.id, AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor, e.target_id, dict(e.details)) for e in rows]


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider("northwind")


@pytest.fixture
def run(make: Factory) -> Callable[..., None]:
    """Run ``operation(issuer, ...)`` on provider ``slug`` in one write transaction."""

    def call(slug: str, operation: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        with make.transaction():
            operation(issuers.get_issuer(slug), *args, **kwargs)

    return call


def published_document(app: Flask, slug: str, domain: str = DOMAIN) -> dict[str, Any]:
    with app.app_context():
        return identity.domain_did_document(issuers.get_issuer(slug), domain)


# --- domain names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("academy.example.org", "academy.example.org"),
        ("Academy.Example.ORG", "academy.example.org"),
        ("academy.example.org.", "academy.example.org"),
        ("  academy.example.org ", "academy.example.org"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("a-b.c-d.example", "a-b.c-d.example"),
    ],
)
def test_valid_domains_are_normalised(given: str, normalised: str) -> None:
    assert identity.validate_domain(given) == normalised


@pytest.mark.parametrize(
    "given",
    [
        "",
        "localhost",
        "example",
        "127.0.0.1",
        "[::1]",
        "academy.example.org:8443",
        "https://academy.example.org",
        "academy.example.org/path",
        "exa mple.org",
        "-academy.example.org",
        "academy-.example.org",
        "academy..example.org",
        "user@academy.example.org",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "org",  # over 253 characters
        None,
        5,
    ],
)
def test_invalid_domains_are_refused_naming_the_field(given: object) -> None:
    with pytest.raises(InvalidInputError) as caught:
        identity.validate_domain(given)

    assert caught.value.field == "domain"


# --- operator confirmation ---------------------------------------------------------------------


def test_a_new_provider_is_not_confirmed(app: Flask, provider: Provider) -> None:
    assert state(app, provider.slug) == {"method": None, "domain": None, "by": None, "at": None}


def test_confirm_records_who_and_when_and_audits_it(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    before = datetime.now(UTC)

    run(provider.slug, identity.confirm, by="  Ada Obi ", actor="cli")

    recorded = state(app, provider.slug)
    assert (recorded["method"], recorded["domain"], recorded["by"]) == ("operator", None, "Ada Obi")
    assert before - timedelta(seconds=1) <= recorded["at"] <= datetime.now(UTC)
    assert audit_events(app, provider) == [
        ("issuer.identity.operator", "cli", provider.slug, {"confirmed_by": "Ada Obi"})
    ]


@pytest.mark.parametrize(
    ("by", "phrase"),
    [("", "say who confirms"), ("   ", "say who confirms"), ("x" * 201, "longer than 200")],
    ids=["empty", "blank", "too-long"],
)
def test_confirm_needs_a_person_and_records_nothing_otherwise(
    app: Flask, provider: Provider, run: Callable[..., Any], by: str, phrase: str
) -> None:
    with pytest.raises(InvalidInputError, match=phrase) as caught:
        run(provider.slug, identity.confirm, by=by, actor="cli")

    assert caught.value.field == "by"
    assert state(app, provider.slug)["method"] is None
    assert audit_events(app, provider) == []


def test_withdraw_clears_everything_and_audits_it(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    run(provider.slug, identity.withdraw, actor="cli", reason="provider asked")

    assert state(app, provider.slug) == {"method": None, "domain": None, "by": None, "at": None}
    assert audit_events(app, provider)[-1] == (
        "issuer.identity.withdraw",
        "cli",
        provider.slug,
        {"reason": "provider asked"},
    )


def test_withdrawing_an_unconfirmed_identity_changes_and_audits_nothing(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    run(provider.slug, identity.withdraw, actor="cli")

    assert audit_events(app, provider) == []


# --- a name change withdraws the confirmation ----------------------------------------------------


def test_renaming_withdraws_a_confirmed_identity(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    run(provider.slug, issuers.update_profile, {"name": "Harvard University"}, actor="api")

    assert state(app, provider.slug)["method"] is None
    assert audit_events(app, provider)[-1] == (
        "issuer.identity.withdraw",
        "api",
        provider.slug,
        {"reason": "name changed"},
    )


def test_renaming_withdraws_a_domain_identity_too(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    run(
        provider.slug,
        identity.verify_domain,
        DOMAIN,
        fetch_json=Domain(published_document(app, provider.slug)),
        actor="cli",
    )
    assert state(app, provider.slug)["method"] == "domain"

    run(provider.slug, issuers.update_profile, {"name": "Harvard University"}, actor="api")

    assert state(app, provider.slug) == {"method": None, "domain": None, "by": None, "at": None}


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "https://northwind.example", "email": "hello@northwind.example"},
        {"name": "Provider northwind"},  # the same name as before: nothing changed
        {"description": "Now with more courses."},
    ],
    ids=["contact", "same-name", "description"],
)
def test_other_profile_changes_keep_the_confirmation(
    app: Flask, provider: Provider, run: Callable[..., Any], changes: dict[str, Any]
) -> None:
    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    run(provider.slug, issuers.update_profile, changes, actor="api")

    assert state(app, provider.slug)["method"] == "operator"
    assert state(app, provider.slug)["by"] == "Ada Obi"


def test_renaming_through_the_api_withdraws_the_confirmation(
    app: Flask, client: FlaskClient, provider: Provider, run: Callable[..., Any]
) -> None:
    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    response = client.patch(
        "/api/v1/issuer", json={"name": "Harvard University"}, headers=provider.headers
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Harvard University"
    assert state(app, provider.slug)["method"] is None
    [*_, withdrawal] = audit_events(app, provider)
    assert withdrawal[0] == "issuer.identity.withdraw"
    assert withdrawal[1].startswith("api-key:")


# --- the provider's own domain -----------------------------------------------------------------


def test_domain_did_document_lists_the_providers_keys_for_its_domain(
    app: Flask, provider: Provider
) -> None:
    document = published_document(app, provider.slug, "Academy.Example.ORG")

    assert document["id"] == f"did:web:{DOMAIN}"
    assert document["alsoKnownAs"] == [provider.did]
    parsed = DidDocument.from_json(document, expected_id=f"did:web:{DOMAIN}")
    with app.app_context():
        [key] = signing_keys.list_signing_keys(issuers.get_issuer(provider.slug))
        active = key.public_key_multibase
    listed = {parsed.methods[m].public_key_multibase for m in parsed.assertion_method_ids}
    assert listed == {active}
    assert "privateKey" not in str(document)


def test_domain_did_document_keeps_rotated_keys_and_drops_revoked_ones(
    app: Flask, provider: Provider, make: Factory
) -> None:
    passphrase = app.config["MICROCRED_KEY_PASSPHRASE"]
    with make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        signing_keys.rotate_signing_key(issuer, passphrase=passphrase, actor=FACTORY_ACTOR)
        signing_keys.rotate_signing_key(issuer, passphrase=passphrase, actor=FACTORY_ACTOR)
        signing_keys.revoke_signing_key(
            issuer, "key-1", reason="leaked", passphrase=passphrase, actor=FACTORY_ACTOR
        )
    with app.app_context():
        keys = {
            k.fragment: k.public_key_multibase
            for k in signing_keys.list_signing_keys(issuers.get_issuer(provider.slug))
        }

    document = published_document(app, provider.slug)

    parsed = DidDocument.from_json(document, expected_id=f"did:web:{DOMAIN}")
    listed = {parsed.methods[m].public_key_multibase for m in parsed.assertion_method_ids}
    assert listed == {keys["key-2"], keys["key-3"]}


def test_domain_did_document_refuses_a_bad_domain(app: Flask, provider: Provider) -> None:
    with pytest.raises(InvalidInputError) as caught:
        published_document(app, provider.slug, "localhost")

    assert caught.value.field == "domain"


def test_verify_domain_records_the_domain_when_it_publishes_the_key(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    domain = Domain(published_document(app, provider.slug))

    run(
        provider.slug,
        identity.verify_domain,
        "Academy.Example.org.",
        fetch_json=domain,
        actor="cli",
    )

    assert domain.fetched == [WELL_KNOWN]
    recorded = state(app, provider.slug)
    assert (recorded["method"], recorded["domain"], recorded["by"]) == ("domain", DOMAIN, None)
    assert recorded["at"] is not None
    assert audit_events(app, provider) == [
        ("issuer.identity.domain", "cli", provider.slug, {"domain": DOMAIN})
    ]


def _stranger_document(domain: str = DOMAIN) -> dict[str, Any]:
    from credentials.did import DidKey, build_did_web_document

    stranger = Ed25519SigningKey.from_seed(bytes(range(64, 96)))
    return build_did_web_document(f"did:web:{domain}", [DidKey("key-1", stranger.public_key)])


def _authentication_only(document: dict[str, Any]) -> dict[str, Any]:
    moved = dict(document)
    moved["authentication"] = list(document["assertionMethod"])
    moved["assertionMethod"] = []
    return moved


@pytest.mark.parametrize(
    ("answer", "phrase"),
    [
        (ResolutionError(f"{WELL_KNOWN} answered HTTP 404"), "answered HTTP 404"),
        ("stranger", "does not list this provider's current signing key"),
        ("other-domain", "does not match"),
        ("authentication-only", "does not list this provider's current signing key"),
        ({"not": "a DID document"}, "cannot read"),
    ],
    ids=["unreachable", "another-key", "another-did", "not-for-assertion", "not-a-did-document"],
)
def test_verify_domain_refuses_what_does_not_prove_control(
    app: Flask, provider: Provider, run: Callable[..., Any], answer: object, phrase: str
) -> None:
    if answer == "stranger":
        answer = _stranger_document()
    elif answer == "other-domain":
        answer = published_document(app, provider.slug, "elsewhere.example.org")
    elif answer == "authentication-only":
        answer = _authentication_only(published_document(app, provider.slug))

    with pytest.raises(InvalidInputError, match=phrase) as caught:
        run(provider.slug, identity.verify_domain, DOMAIN, fetch_json=Domain(answer), actor="cli")  # type: ignore[arg-type]

    assert caught.value.field == "domain"
    assert caught.value.details["url"] == WELL_KNOWN
    assert state(app, provider.slug)["method"] is None
    assert audit_events(app, provider) == []


def test_verify_domain_needs_the_current_key_not_only_a_rotated_one(
    app: Flask, provider: Provider, make: Factory, run: Callable[..., Any]
) -> None:
    stale = published_document(app, provider.slug)  # lists key-1 only
    with make.transaction():
        signing_keys.rotate_signing_key(
            issuers.get_issuer(provider.slug),
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=FACTORY_ACTOR,
        )

    with pytest.raises(InvalidInputError, match="current signing key"):
        run(provider.slug, identity.verify_domain, DOMAIN, fetch_json=Domain(stale), actor="cli")


def test_a_failed_domain_check_keeps_an_operator_confirmation(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    with pytest.raises(InvalidInputError):
        run(
            provider.slug,
            identity.verify_domain,
            DOMAIN,
            fetch_json=Domain(_stranger_document()),
            actor="cli",
        )

    assert state(app, provider.slug)["method"] == "operator"
    assert state(app, provider.slug)["by"] == "Ada Obi"


def test_verify_domain_refuses_a_bad_domain_without_fetching(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    domain = Domain({})

    with pytest.raises(InvalidInputError):
        run(provider.slug, identity.verify_domain, "127.0.0.1", fetch_json=domain, actor="cli")

    assert domain.fetched == []


def test_did_key_provider_can_prove_its_domain(
    app: Flask, make: Factory, run: Callable[..., Any]
) -> None:
    dev = make.provider("dev-provider", did_method="key")

    run(
        dev.slug,
        identity.verify_domain,
        DOMAIN,
        fetch_json=Domain(published_document(app, dev.slug)),
        actor="cli",
    )

    assert state(app, dev.slug)["method"] == "domain"


# --- what the verifier's "registered here" source sees ---------------------------------------


def test_identity_record_of_a_registered_provider(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    sources = DatabaseSources(app)
    assert sources.identity_for(provider.did) == {
        "did": provider.did,
        "name": "Provider northwind",
        "url": None,
        "established": None,
        "domain": None,
        "confirmedBy": None,
        "confirmedAt": None,
    }

    run(provider.slug, identity.confirm, by="Ada Obi", actor="cli")

    record = sources.identity_for(provider.did)
    assert record is not None
    assert (record["established"], record["confirmedBy"]) == ("operator", "Ada Obi")
    assert isinstance(record["confirmedAt"], datetime)


@pytest.mark.parametrize(
    "did",
    [
        "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "did:web:microcred.example:issuers:nobody",
        "not-a-did",
        "",
    ],
)
def test_identity_record_of_a_stranger_is_none(app: Flask, provider: Provider, did: str) -> None:
    assert DatabaseSources(app).identity_for(did) is None


def test_registered_issuers_over_the_database(
    app: Flask, provider: Provider, run: Callable[..., Any]
) -> None:
    unconfirmed = RegisteredIssuers(DatabaseSources(app)).lookup(provider.did)
    assert unconfirmed is not None
    assert (unconfirmed.level, unconfirmed.confirmed) == (TrustLevel.REGISTERED, False)

    run(
        provider.slug,
        identity.verify_domain,
        DOMAIN,
        fetch_json=Domain(published_document(app, provider.slug)),
        actor="cli",
    )

    established = RegisteredIssuers(DatabaseSources(app)).lookup(provider.did)
    assert established is not None
    assert established.confirmed is True
    assert (established.established, established.domain) == (Established.DOMAIN, DOMAIN)
    assert established.name == "Provider northwind"
