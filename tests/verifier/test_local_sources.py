"""Our own issuers resolve locally (no HTTP); "not ours" falls through to HTTPS; "ours, but
broken" fails closed and never falls through.

``OwnIssuers`` below is a small in-memory implementation of the two source protocols, as
the issuer service implements them over its database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from credentials.errors import ResolutionError
from credentials.resolvers import StaticDidResolver, StaticStatusLists
from credentials.results import Outcome, Verdict
from tests.verifier.issuers import NOW, WebIssuer
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    https_server_fixture,
    tls_fixture,
)
from verifier.cache import HttpCache
from verifier.factory import build_verifier
from verifier.http import SafeFetcher
from verifier.resolvers import (
    ChainedDidResolver,
    ChainedStatusListFetcher,
    DidWebResolver,
    HttpStatusListFetcher,
    LocalDidResolver,
    LocalDidSource,
    LocalStatusLists,
    LocalStatusListSource,
)


class OwnIssuers:
    def __init__(self) -> None:
        self.documents: dict[str, Mapping[str, Any]] = {}
        self.lists: dict[str, Mapping[str, Any]] = {}
        self.broken: Exception | None = None
        self.asked: list[str] = []

    def document_for(self, did: str) -> Mapping[str, Any] | None:
        self.asked.append(did)
        if self.broken is not None:
            raise self.broken
        return self.documents.get(did)

    def status_list_for(self, url: str) -> Mapping[str, Any] | None:
        self.asked.append(url)
        if self.broken is not None:
            raise self.broken
        return self.lists.get(url)


@pytest.fixture
def issuer(https_server: TestServer) -> WebIssuer:
    return WebIssuer(https_server)


@pytest.fixture
def own(issuer: WebIssuer) -> OwnIssuers:
    source = OwnIssuers()
    source.documents[issuer.did] = issuer.did_document()
    source.lists[issuer.status_url(1)] = issuer.status_list(1)
    source.lists[issuer.status_url(2)] = issuer.status_list(2, purpose="suspension")
    return source


def test_sources_satisfy_the_protocols(own: OwnIssuers) -> None:
    assert isinstance(own, LocalDidSource)
    assert isinstance(own, LocalStatusListSource)


def test_our_own_issuer_verifies_without_any_http(issuer: WebIssuer, own: OwnIssuers) -> None:
    # Production settings: loopback would be refused, yet nothing needs fetching.
    verifier = build_verifier(local_dids=own, local_status_lists=own, clock=lambda: NOW)

    result = verifier.verify(issuer.credential())

    assert result.verdict is Verdict.VALID, result.summary
    assert issuer.server.connections == 0


def test_revocation_in_our_own_list_is_seen(issuer: WebIssuer, own: OwnIssuers) -> None:
    own.lists[issuer.status_url(1)] = issuer.status_list(1, set_bits=(94567,))
    verifier = build_verifier(local_dids=own, local_status_lists=own, clock=lambda: NOW)

    assert verifier.verify(issuer.credential()).verdict is Verdict.REVOKED


def test_not_ours_falls_through_to_https(issuer: WebIssuer, tls: TlsMaterial) -> None:
    issuer.publish_all()
    nobody = OwnIssuers()
    verifier = build_verifier(
        local_dids=nobody,
        local_status_lists=nobody,
        fetcher=SafeFetcher(allow_private=True, ca_certs=tls.ca_path),
        clock=lambda: NOW,
    )

    result = verifier.verify(issuer.credential())

    assert result.verdict is Verdict.VALID, result.summary
    assert issuer.did in nobody.asked
    assert issuer.server.hits(issuer.did_path) == 1


def test_ours_but_broken_fails_closed_without_falling_through(
    issuer: WebIssuer, own: OwnIssuers, tls: TlsMaterial, caplog: pytest.LogCaptureFixture
) -> None:
    issuer.publish_all()  # HTTP would answer -- and must not be asked
    own.broken = RuntimeError("database is down")
    verifier = build_verifier(
        local_dids=own,
        local_status_lists=own,
        fetcher=SafeFetcher(allow_private=True, ca_certs=tls.ca_path),
        clock=lambda: NOW,
    )

    result = verifier.verify(issuer.credential())

    assert result.verdict is Verdict.INVALID
    [proof] = result.checks_named("proof")
    assert "cannot look up our own DID" in proof.message
    assert "RuntimeError" in proof.message
    for check in result.checks_named("status"):
        assert check.outcome is Outcome.FAILED
        assert "cannot look up our own status list" in check.message
    assert issuer.server.requests == []
    assert "database is down" in caplog.text  # logged for the operator, not shown to users


def test_our_document_with_a_wrong_id_fails_without_falling_through(
    issuer: WebIssuer, own: OwnIssuers, tls: TlsMaterial
) -> None:
    issuer.publish_all()
    own.documents[issuer.did] = issuer.did_document("did:web:other.example")
    fetcher = SafeFetcher(allow_private=True, ca_certs=tls.ca_path)
    chain = ChainedDidResolver(
        [LocalDidResolver(own), DidWebResolver(fetcher=fetcher, cache=HttpCache())]
    )

    with pytest.raises(ResolutionError, match=r"our own DID document is unusable: DID document id"):
        chain.resolve(issuer.did)
    assert issuer.server.requests == []


def test_status_list_that_is_not_an_object_is_refused(own: OwnIssuers, issuer: WebIssuer) -> None:
    own.lists[issuer.status_url(1)] = ["not", "an", "object"]  # type: ignore[assignment]

    with pytest.raises(ResolutionError, match=r"is not a JSON object"):
        LocalStatusLists(own).fetch(issuer.status_url(1))


def test_plain_members_fall_through_on_error(issuer: WebIssuer, tls: TlsMaterial) -> None:
    # StaticStatusLists raises for unknown URLs: for a plain fetcher that means "not mine".
    issuer.publish_all()
    fetcher = SafeFetcher(allow_private=True, ca_certs=tls.ca_path)
    chain = ChainedStatusListFetcher(
        [StaticStatusLists({}), HttpStatusListFetcher(fetcher=fetcher, cache=HttpCache())]
    )

    assert chain.fetch(issuer.status_url(1))["id"] == issuer.status_url(1)


def test_a_plain_did_resolver_can_be_the_local_member(issuer: WebIssuer) -> None:
    pinned = StaticDidResolver({issuer.did: issuer.did_document()})
    verifier = build_verifier(
        local_dids=pinned, local_status_lists=StaticStatusLists(), clock=lambda: NOW
    )

    result = verifier.verify(issuer.credential())

    assert [c.outcome for c in result.checks_named("proof")] == [Outcome.PASSED]
    # Status lists are not local, so HTTPS was tried -- and refused (loopback): fail closed.
    assert all(c.outcome is Outcome.FAILED for c in result.checks_named("status"))
    assert issuer.server.connections == 0


def test_chains_need_members() -> None:
    with pytest.raises(ValueError, match=r"at least one member"):
        ChainedDidResolver([])
    with pytest.raises(ValueError, match=r"at least one member"):
        ChainedStatusListFetcher([])
