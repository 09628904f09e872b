"""build_verifier: did:key offline, did:web and status lists through one shared cache."""

from __future__ import annotations

from credentials.results import Outcome, Verdict
from tests.credentials import factories
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


def test_did_key_credentials_need_no_network() -> None:
    unsigned = factories.credential()
    del unsigned["credentialStatus"]

    result = build_verifier(clock=lambda: NOW).verify(factories.signed(unsigned))

    assert result.verdict is Verdict.VALID, result.summary
    assert [c.code for c in result.checks_named("status")] == ["no_status"]


def test_unsupported_did_method_fails_the_proof_naming_the_method() -> None:
    unsigned = factories.credential(issuer="did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w")
    del unsigned["credentialStatus"]
    signed = factories.signed(
        unsigned, vm="did:ion:EiClkZMDxPKqC9c-umQfTkR8vvZ9JPhl_xLDI9Nfk38w5w#key-1"
    )

    result = build_verifier(clock=lambda: NOW).verify(signed)

    [proof] = result.checks_named("proof")
    assert proof.outcome is Outcome.FAILED
    assert "did:ion" in proof.message
    assert "not supported" in proof.message


def test_one_cache_holds_did_documents_and_status_lists(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    issuer = WebIssuer(https_server)
    issuer.publish_all()
    cache = HttpCache()
    verifier = build_verifier(
        fetcher=SafeFetcher(allow_private=True, ca_certs=tls.ca_path),
        cache=cache,
        clock=lambda: NOW,
    )

    assert verifier.verify(issuer.credential()).verdict is Verdict.VALID
    assert verifier.verify(issuer.credential()).verdict is Verdict.VALID

    assert len(cache) == 3  # the DID document and two status lists
    assert len(https_server.requests) == 3
