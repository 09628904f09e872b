"""Status lists over HTTPS through the Verifier: revoked and suspended credentials are caught,
and a list that cannot be fetched or trusted fails the status check (fail closed)."""

from __future__ import annotations

import re

import pytest

from credentials.errors import ResolutionError
from credentials.results import Outcome, Verdict
from credentials.verify import Verifier
from tests.verifier.issuers import NOW, STRANGER_KEY, WebIssuer
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    https_server_fixture,
    tls_fixture,
)
from verifier.cache import HttpCache
from verifier.factory import build_verifier
from verifier.http import SafeFetcher
from verifier.resolvers import HttpStatusListFetcher


@pytest.fixture
def issuer(https_server: TestServer) -> WebIssuer:
    return WebIssuer(https_server)


@pytest.fixture
def fetcher(tls: TlsMaterial) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path, total_timeout=1.0)


@pytest.fixture
def verifier(fetcher: SafeFetcher) -> Verifier:
    return build_verifier(fetcher=fetcher, clock=lambda: NOW)


def test_revoked_credential_is_reported_revoked(issuer: WebIssuer, verifier: Verifier) -> None:
    issuer.publish_all(revoked=True)

    result = verifier.verify(issuer.credential())

    assert result.verdict is Verdict.REVOKED
    assert [c.code for c in result.checks_named("status")] == ["revoked", "ok"]


def test_suspended_credential_is_reported_suspended(issuer: WebIssuer, verifier: Verifier) -> None:
    issuer.publish_all(suspended=True)

    assert verifier.verify(issuer.credential()).verdict is Verdict.SUSPENDED


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        ({"status": 500}, r"answered HTTP 500"),
        ({"status": 404}, r"answered HTTP 404"),
        ({"delay": 3}, r"no answer within the read timeout|total timeout"),
        ({"body": b"not json"}, r"not valid JSON"),
        (
            {"status": 302, "headers": {"Location": "https://other.example/list"}},
            r"redirecting to https://other.example/list",
        ),
    ],
    ids=["500", "404", "slow", "not_json", "redirect"],
)
def test_unfetchable_status_list_fails_closed(
    issuer: WebIssuer, verifier: Verifier, route: dict[str, object], problem: str
) -> None:
    issuer.publish_all()
    route = dict(route)  # parametrize values are shared: never mutate them
    body = route.pop("body", None)
    issuer.server.route(issuer.status_path(1), body, **route)

    result = verifier.verify(issuer.credential())

    assert not result.verified
    revocation, suspension = result.checks_named("status")
    assert revocation.outcome is Outcome.FAILED
    assert revocation.code == "status_unverifiable"
    assert issuer.status_url(1) in revocation.message
    assert re.search(problem, revocation.message), revocation.message
    assert suspension.outcome is Outcome.PASSED


def test_status_list_signed_by_a_stranger_fails_closed(
    issuer: WebIssuer, verifier: Verifier
) -> None:
    issuer.publish_all()
    issuer.publish_status_list(1, key=STRANGER_KEY)

    result = verifier.verify(issuer.credential())

    revocation = result.checks_named("status")[0]
    assert revocation.outcome is Outcome.FAILED
    assert revocation.code == "status_unverifiable"


def test_status_list_on_a_private_address_fails_closed(issuer: WebIssuer, tls: TlsMaterial) -> None:
    issuer.publish_all()
    guarded = build_verifier(fetcher=SafeFetcher(ca_certs=tls.ca_path), clock=lambda: NOW)

    result = guarded.verify(issuer.credential())

    assert not result.verified
    for check in result.checks_named("status"):
        assert check.outcome is Outcome.FAILED
        assert "loopback address" in check.message
    assert issuer.server.connections == 0


def test_revocation_shows_once_the_cached_list_expires(
    issuer: WebIssuer, fetcher: SafeFetcher
) -> None:
    clock = [0.0]
    verifier = build_verifier(
        fetcher=fetcher, cache=HttpCache(clock=lambda: clock[0]), clock=lambda: NOW
    )
    issuer.publish_all()
    credential = issuer.credential()
    assert verifier.verify(credential).verdict is Verdict.VALID

    issuer.publish_status_list(1, set_bits=(94567,))  # revoked, max-age=60
    assert verifier.verify(credential).verdict is Verdict.VALID  # still within max-age
    clock[0] += 61

    assert verifier.verify(credential).verdict is Verdict.REVOKED
    assert issuer.server.hits(issuer.status_path(1)) == 2


def test_http_fetcher_names_the_url(fetcher: SafeFetcher, https_server: TestServer) -> None:
    url = https_server.url("/lists/9")

    with pytest.raises(ResolutionError) as caught:
        HttpStatusListFetcher(fetcher=fetcher, cache=HttpCache()).fetch(url)

    assert url in caught.value.message
    assert caught.value.details["url"] == url
