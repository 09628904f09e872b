"""did:web end to end: a credential signed by a did:web key verifies through the Verifier,
with the DID document fetched from a real HTTPS server, and every way that can go wrong."""

from __future__ import annotations

import re
from typing import Any

import pytest

from credentials.errors import ForbiddenAddressError, ResolutionError
from credentials.proofs import JCS, RDFC
from credentials.results import Outcome, Verdict
from credentials.verify import Verifier
from tests.verifier.issuers import NOW, STRANGER_KEY, WebIssuer
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    http_server_fixture,
    https_server_fixture,
    tls_fixture,
)
from verifier.cache import HttpCache
from verifier.factory import build_verifier
from verifier.http import SafeFetcher
from verifier.resolvers import DidWebResolver


@pytest.fixture
def issuer(https_server: TestServer) -> WebIssuer:
    return WebIssuer(https_server)


@pytest.fixture
def fetcher(tls: TlsMaterial) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path)


@pytest.fixture
def verifier(fetcher: SafeFetcher) -> Verifier:
    return build_verifier(fetcher=fetcher, clock=lambda: NOW)


def outcomes(result: Any, name: str) -> list[Outcome]:
    return [check.outcome for check in result.checks_named(name)]


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_did_web_credential_verifies_end_to_end(
    issuer: WebIssuer, verifier: Verifier, suite: str
) -> None:
    issuer.publish_all()

    result = verifier.verify(issuer.credential(suite=suite))

    assert result.verdict is Verdict.VALID, result.summary
    assert outcomes(result, "proof") == [Outcome.PASSED]
    assert outcomes(result, "issuer") == [Outcome.PASSED]
    assert outcomes(result, "status") == [Outcome.PASSED, Outcome.PASSED]
    # One DID document fetch served the credential's proof and both status lists' proofs.
    assert issuer.server.hits(issuer.did_path) == 1


def test_resolver_returns_the_parsed_document(issuer: WebIssuer, fetcher: SafeFetcher) -> None:
    issuer.publish_did_document()
    resolver = DidWebResolver(fetcher=fetcher, cache=HttpCache())

    document = resolver.resolve(issuer.did)

    assert document.id == issuer.did
    assert document.assertion_method(issuer.vm) is not None
    assert issuer.server.requests == [(issuer.did_path, f"localhost:{issuer.server.port}")]


def test_document_for_another_did_is_refused(issuer: WebIssuer, verifier: Verifier) -> None:
    # The host answers with a valid document -- of a different DID holding the same key.
    impostor = issuer.did_document("did:web:elsewhere.example")
    issuer.publish_did_document(impostor)
    issuer.publish_status_list(1)
    issuer.publish_status_list(2, purpose="suspension")

    result = verifier.verify(issuer.credential())

    assert result.verdict is Verdict.INVALID
    [proof] = result.checks_named("proof")
    assert proof.outcome is Outcome.FAILED
    assert proof.code == "resolution_failed"
    assert "'did:web:elsewhere.example' does not match the resolved DID" in proof.message


def test_expected_id_mismatch_raises_from_the_resolver(
    issuer: WebIssuer, fetcher: SafeFetcher
) -> None:
    issuer.publish_did_document(issuer.did_document("did:web:elsewhere.example"))

    with pytest.raises(ResolutionError, match=r"does not match the resolved DID") as caught:
        DidWebResolver(fetcher=fetcher, cache=HttpCache()).resolve(issuer.did)

    assert caught.value.details["did"] == issuer.did
    assert issuer.did_path in caught.value.message


def test_key_missing_from_the_did_document_fails_the_proof(
    issuer: WebIssuer, verifier: Verifier
) -> None:
    issuer.publish_all()

    result = verifier.verify(issuer.credential(key=STRANGER_KEY))

    assert result.verdict is Verdict.INVALID
    assert outcomes(result, "proof") == [Outcome.FAILED]


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        ({"status": 404}, r"answered HTTP 404"),
        ({"status": 500}, r"answered HTTP 500"),
        (
            {"status": 301, "headers": {"Location": "https://evil.example/did.json"}},
            r"redirecting to https://evil.example/did.json",
        ),
        ({"body": b"<html>hello</html>"}, r"not valid JSON"),
        ({"body": b'{"id": "x", "id": "y"}'}, r"key 'id' twice"),
    ],
)
def test_unusable_did_document_fails_the_proof_naming_the_cause(
    issuer: WebIssuer, verifier: Verifier, route: dict[str, Any], problem: str
) -> None:
    route = dict(route)  # parametrize values are shared: never mutate them
    body = route.pop("body", issuer.did_document())
    issuer.server.route(issuer.did_path, body, **route)

    result = verifier.verify(issuer.credential())

    [proof] = result.checks_named("proof")
    assert proof.outcome is Outcome.FAILED
    assert proof.message.startswith(f"cannot resolve {issuer.did}: ")
    assert re.search(problem, proof.message), proof.message


def test_did_web_on_loopback_is_refused_without_development_mode(
    issuer: WebIssuer, tls: TlsMaterial
) -> None:
    issuer.publish_all()
    production = build_verifier(fetcher=SafeFetcher(ca_certs=tls.ca_path), clock=lambda: NOW)

    result = production.verify(issuer.credential())

    [proof] = result.checks_named("proof")
    assert proof.outcome is Outcome.FAILED
    assert "localhost resolves to 127.0.0.1, a loopback address" in proof.message
    assert issuer.server.connections == 0


def test_forbidden_stays_forbidden_through_the_resolver(issuer: WebIssuer) -> None:
    resolver = DidWebResolver(fetcher=SafeFetcher(), cache=HttpCache())

    with pytest.raises(ForbiddenAddressError) as caught:
        resolver.resolve(issuer.did)

    assert caught.value.details["did"] == issuer.did


@pytest.mark.parametrize(
    "did",
    ["did:web:", "did:web:exa mple.com", "did:web:a.example:..", "did:key:z6Mk", "https://a.b"],
)
def test_malformed_did_web_is_refused_without_fetching(did: str) -> None:
    resolver = DidWebResolver(fetcher=SafeFetcher(), cache=HttpCache())

    with pytest.raises(ResolutionError):
        resolver.resolve(did)


def test_development_mode_falls_back_to_plain_http_for_the_local_demo(
    http_server: TestServer,
) -> None:
    issuer = WebIssuer(http_server)
    issuer.publish_all()
    development = build_verifier(allow_private=True, allow_http=True, clock=lambda: NOW)

    result = development.verify(issuer.credential())

    assert result.verdict is Verdict.VALID, result.summary
    assert http_server.hits(issuer.did_path) == 1


def test_without_development_mode_plain_http_is_never_tried(http_server: TestServer) -> None:
    issuer = WebIssuer(http_server)
    issuer.publish_all()

    result = build_verifier(allow_private=True, clock=lambda: NOW).verify(issuer.credential())

    assert result.verdict is Verdict.INVALID
    assert http_server.requests == []
