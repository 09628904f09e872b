"""The verifier's trust sources: providers registered here (``RegisteredIssuers``), trust
registries from a file (``FileRegistry``) or a URL (``HttpRegistry``, fetched from a real
loopback HTTPS server through the SSRF guard and the HTTP cache), and the operator's
configuration (``load_registries`` / ``MICROCRED_TRUST_REGISTRIES``)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from credentials.did import DidKeyResolver
from credentials.errors import ConfigurationError, ForbiddenAddressError, ResolutionError
from credentials.resolvers import CompositeDidResolver
from credentials.results import Verdict
from credentials.trust import Established, StaticRegistry, TrustLevel, TrustPolicy
from credentials.verify import Verifier
from tests.credentials import factories as f
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    https_server_fixture,
    tls_fixture,
)
from verifier.cache import HttpCache
from verifier.factory import build_verifier
from verifier.http import SafeFetcher
from verifier.trust import (
    FileRegistry,
    HttpRegistry,
    LocalIssuerDirectory,
    RegisteredIssuers,
    load_registries,
)

REGISTRY_PATH = "/registry.json"
CONFIRMED_AT = datetime(2026, 12, 6, 9, 12, tzinfo=UTC)


def dcc_registry(**entries: str) -> dict[str, Any]:
    """The DCC issuer registry format; ``entries`` maps DID-ish keys (``_`` for ``:``)."""
    return {
        "meta": {"created": "2024-01-01T00:00:00Z"},
        "registry": {
            did.replace("_", ":"): {"name": name, "url": "https://example.edu"}
            for did, name in entries.items()
        },
    }


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Directory:
    """A ``LocalIssuerDirectory`` over a dict, counting the questions it is asked."""

    def __init__(self, records: dict[str, Mapping[str, Any]] | None = None) -> None:
        self.records = records or {}
        self.asked: list[str] = []

    def identity_for(self, did: str) -> Mapping[str, Any] | None:
        self.asked.append(did)
        return self.records.get(did)


def unsigned_without_status(**overrides: Any) -> dict[str, Any]:
    unsigned = f.credential(**overrides)
    del unsigned["credentialStatus"]
    return unsigned


@pytest.fixture
def fetcher(tls: TlsMaterial) -> SafeFetcher:
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path)


# --- registered here ---------------------------------------------------------------------------


def test_registered_issuer_not_yet_established() -> None:
    directory = Directory({f.ISSUER_DID: {"name": "Northwind Skills Academy", "established": None}})
    assert isinstance(directory, LocalIssuerDirectory)

    identity = RegisteredIssuers(directory).lookup(f.ISSUER_DID)

    assert identity is not None
    assert identity.level is TrustLevel.REGISTERED
    assert identity.source == "this service"
    assert identity.name == "Northwind Skills Academy"
    assert identity.established is None
    assert identity.confirmed is False


def test_registered_issuer_confirmed_by_the_operator_with_an_iso_timestamp() -> None:
    directory = Directory(
        {
            f.ISSUER_DID: {
                "name": "Northwind Skills Academy",
                "url": "https://northwind.example",
                "established": "operator",
                "confirmedBy": "Ada Obi",
                "confirmedAt": "2026-12-06T09:12:00Z",
            }
        }
    )

    identity = RegisteredIssuers(directory).lookup(f.ISSUER_DID)

    assert identity is not None
    assert identity.established is Established.OPERATOR
    assert identity.confirmed is True
    assert identity.confirmed_by == "Ada Obi"
    assert identity.confirmed_at == CONFIRMED_AT
    assert identity.url == "https://northwind.example"


def test_registered_issuer_established_by_domain_with_a_datetime() -> None:
    directory = Directory(
        {
            f.ISSUER_DID: {
                "name": "Northwind Skills Academy",
                "established": "domain",
                "domain": "northwind.example",
                "confirmedAt": CONFIRMED_AT,
            }
        }
    )

    identity = RegisteredIssuers(directory).lookup(f.ISSUER_DID)

    assert identity is not None
    assert (identity.established, identity.domain) == (Established.DOMAIN, "northwind.example")
    assert identity.confirmed_at == CONFIRMED_AT
    assert identity.confirmed_by is None


def test_registered_answers_are_cached_per_did_including_not_ours() -> None:
    directory = Directory({f.ISSUER_DID: {"name": "Northwind", "established": "operator"}})
    source = RegisteredIssuers(directory)

    for _ in range(3):
        assert source.lookup(f.ISSUER_DID) is not None
        assert source.lookup(f.OTHER_DID) is None

    assert directory.asked == [f.ISSUER_DID, f.OTHER_DID]  # one question per DID


def test_forget_drops_cached_answers_so_a_withdrawal_shows() -> None:
    record: dict[str, Any] = {"name": "Northwind", "established": "operator"}
    directory = Directory({f.ISSUER_DID: record})
    source = RegisteredIssuers(directory)
    first = source.lookup(f.ISSUER_DID)
    assert first is not None
    assert first.confirmed

    record["established"] = None  # withdrawn on the issuing side
    source.forget()

    again = source.lookup(f.ISSUER_DID)
    assert again is not None
    assert again.confirmed is False


def test_registered_answers_expire_after_their_ttl() -> None:
    record: dict[str, Any] = {"name": "Northwind", "established": "operator"}
    directory = Directory({f.ISSUER_DID: record})
    source = RegisteredIssuers(directory, ttl=0.05)
    assert source.lookup(f.ISSUER_DID).confirmed  # type: ignore[union-attr]

    record["established"] = None
    time.sleep(0.1)

    assert source.lookup(f.ISSUER_DID).confirmed is False  # type: ignore[union-attr]
    assert directory.asked == [f.ISSUER_DID, f.ISSUER_DID]


# --- registries in files -----------------------------------------------------------------------


def test_file_registry_reads_the_dcc_format(tmp_path: Path) -> None:
    path = tmp_path / "partners.json"
    path.write_text(json.dumps(dcc_registry(**{f.OTHER_DID.replace(":", "_"): "Elsewhere"})))

    registry = FileRegistry.load("Partners", path)

    found = registry.lookup(f.OTHER_DID)
    assert found is not None
    assert (found.name, found.level, found.source) == ("Elsewhere", TrustLevel.LISTED, "Partners")


@pytest.mark.parametrize(
    ("content", "phrase"),
    [(None, "cannot read"), ("{not json", "cannot read"), ('"a string"', "not a JSON object")],
    ids=["missing", "not-json", "not-a-registry"],
)
def test_unreadable_registry_file_is_a_configuration_error(
    tmp_path: Path, content: str | None, phrase: str
) -> None:
    path = tmp_path / "partners.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ConfigurationError) as caught:
        FileRegistry.load("Partners", path)

    assert phrase in caught.value.message
    assert "'Partners'" in caught.value.message


# --- registries at a URL ----------------------------------------------------------------------


def test_http_registry_lists_what_the_dcc_document_lists(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    https_server.route(
        REGISTRY_PATH, dcc_registry(**{f.OTHER_DID.replace(":", "_"): "Elsewhere Bootcamp"})
    )
    registry = HttpRegistry(
        "DCC Registry", https_server.url(REGISTRY_PATH), fetcher=fetcher, cache=HttpCache()
    )

    found = registry.lookup(f.OTHER_DID)

    assert found is not None
    assert (found.name, found.level, found.source, found.url) == (
        "Elsewhere Bootcamp",
        TrustLevel.LISTED,
        "DCC Registry",
        "https://example.edu",
    )
    assert registry.lookup(f.ISSUER_DID) is None


def test_http_registry_in_the_plain_list_format(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    # docs/VERIFYING.md: a registry document (at a URL or in a file) may be a list
    # [{"did": …, "name": …}]; the file form accepts it, so must the URL form.
    https_server.route(REGISTRY_PATH, [{"did": f.OTHER_DID, "name": "Elsewhere Bootcamp"}])
    registry = HttpRegistry(
        "Partners", https_server.url(REGISTRY_PATH), fetcher=fetcher, cache=HttpCache()
    )

    found = registry.lookup(f.OTHER_DID)

    assert found is not None
    assert found.name == "Elsewhere Bootcamp"


def test_http_registry_is_cached_as_its_headers_say_and_refetched_after(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    clock = Clock()
    https_server.route(
        REGISTRY_PATH,
        {f.OTHER_DID: "Elsewhere Bootcamp"},
        headers={"Cache-Control": "max-age=60"},
    )
    registry = HttpRegistry(
        "R", https_server.url(REGISTRY_PATH), fetcher=fetcher, cache=HttpCache(clock=clock)
    )
    for _ in range(5):
        assert registry.lookup(f.OTHER_DID) is not None
        assert registry.lookup(f.ISSUER_DID) is None
    assert https_server.hits(REGISTRY_PATH) == 1

    # The registry drops one issuer and adds another; seen once the cached copy expires.
    https_server.route(
        REGISTRY_PATH,
        {f.ISSUER_DID: "Northwind Skills Academy"},
        headers={"Cache-Control": "max-age=60"},
    )
    clock.now += 61

    assert registry.lookup(f.OTHER_DID) is None
    found = registry.lookup(f.ISSUER_DID)
    assert found is not None
    assert found.name == "Northwind Skills Academy"
    assert https_server.hits(REGISTRY_PATH) == 2


@pytest.mark.parametrize(
    ("route", "error", "phrase"),
    [
        ({"status": 503}, ResolutionError, "answered HTTP 503"),
        ({"body": b"<html>"}, ResolutionError, "not valid JSON"),
        ({"body": {"registry": {"not-a-did": {"name": "X"}}}}, ConfigurationError, "not a DID"),
    ],
    ids=["down", "not-json", "malformed"],
)
def test_http_registry_that_cannot_be_read_raises_and_the_policy_notes_it(
    https_server: TestServer,
    fetcher: SafeFetcher,
    route: dict[str, Any],
    error: type[Exception],
    phrase: str,
) -> None:
    route = dict(route)
    https_server.route(REGISTRY_PATH, route.pop("body", None), **route)
    registry = HttpRegistry(
        "DCC", https_server.url(REGISTRY_PATH), fetcher=fetcher, cache=HttpCache()
    )

    with pytest.raises(error, match=phrase):
        registry.lookup(f.OTHER_DID)

    decision = TrustPolicy([registry]).decide(f.signed(), f.ISSUER_DID, intact=True)
    assert decision.level is TrustLevel.UNKNOWN
    assert decision.name is None
    [note] = decision.notes
    assert note.startswith("DCC could not be consulted: ")
    assert phrase in note


def test_http_registry_on_loopback_is_refused_without_development_mode(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route(REGISTRY_PATH, {f.OTHER_DID: "Elsewhere"})
    guarded = SafeFetcher(ca_certs=tls.ca_path)
    registry = HttpRegistry(
        "R", https_server.url(REGISTRY_PATH), fetcher=guarded, cache=HttpCache()
    )

    with pytest.raises(ForbiddenAddressError):
        registry.lookup(f.OTHER_DID)

    assert https_server.connections == 0


def test_slow_registry_is_bounded_by_the_verification_deadline(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    # Trust is the second question: a registry that never answers leaves the issuer
    # "unknown" (with a note) within the deadline, and the checks keep their verdict.
    https_server.route(REGISTRY_PATH, delay=60)
    registry = HttpRegistry(
        "Slow", https_server.url(REGISTRY_PATH), fetcher=fetcher, cache=HttpCache()
    )
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        clock=lambda: f.NOW,
        deadline=1.0,
        trust=TrustPolicy([registry]),
    )

    started = time.monotonic()
    result = verifier.verify(f.signed(unsigned_without_status()))

    assert time.monotonic() - started < 3.0
    assert result.verdict is Verdict.VALID
    assert result.trust is not None
    assert result.trust.level is TrustLevel.UNKNOWN
    [note] = result.trust.notes
    assert "could not check in time" in note


# --- the operator's configuration --------------------------------------------------------------


@pytest.mark.parametrize("config", [None, "", []])
def test_no_registries_configured(config: object, fetcher: SafeFetcher) -> None:
    assert load_registries(config, fetcher=fetcher, cache=HttpCache()) == []


def test_inline_json_with_a_url_a_file_and_an_inline_registry(
    tmp_path: Path, fetcher: SafeFetcher
) -> None:
    path = tmp_path / "partners.json"
    path.write_text(json.dumps({f.OTHER_DID: "Elsewhere Bootcamp"}))
    config = json.dumps(
        [
            {"name": "DCC Registry", "url": "https://registry.example/registry.json"},
            {"name": "Partners", "file": str(path)},
            {"name": "Inline", "registry": {f.ISSUER_DID: {"name": "Northwind"}}},
        ]
    )

    sources = load_registries(config, fetcher=fetcher, cache=HttpCache())

    assert [s.name for s in sources] == ["DCC Registry", "Partners", "Inline"]
    dcc, partners, inline = sources
    assert isinstance(dcc, HttpRegistry)
    assert dcc.url == "https://registry.example/registry.json"
    assert isinstance(partners, StaticRegistry)
    assert partners.lookup(f.OTHER_DID).name == "Elsewhere Bootcamp"  # type: ignore[union-attr]
    assert inline.lookup(f.ISSUER_DID).name == "Northwind"  # type: ignore[union-attr]


def test_configuration_from_a_file_path(tmp_path: Path, fetcher: SafeFetcher) -> None:
    registry = tmp_path / "partners.json"
    registry.write_text(json.dumps([{"did": f.OTHER_DID, "name": "Elsewhere"}]))
    config = tmp_path / "registries.json"
    config.write_text(json.dumps([{"name": "Partners", "file": str(registry)}]))

    [source] = load_registries(str(config), fetcher=fetcher, cache=HttpCache())

    assert source.lookup(f.OTHER_DID).name == "Elsewhere"  # type: ignore[union-attr]


def test_configuration_as_parsed_json(fetcher: SafeFetcher) -> None:
    config = [{"name": "Inline", "registry": {f.OTHER_DID: "Elsewhere"}}]

    [source] = load_registries(config, fetcher=fetcher, cache=HttpCache())

    assert source.lookup(f.OTHER_DID) is not None


@pytest.mark.parametrize(
    ("config", "phrase"),
    [
        ("[not json", "not valid JSON"),
        ('{"name": "R", "url": "https://r.example"}', "cannot read"),  # not a list: a path?
        ("/nonexistent/registries.json", "cannot read"),
        ({"name": "R"}, "must be a JSON list"),
        ('["R"]', "entry 0 needs a 'name'"),
        ('[{"url": "https://r.example/r.json"}]', "entry 0 needs a 'name'"),
        ('[{"name": 5, "url": "https://r.example/r.json"}]', "entry 0 needs a 'name'"),
        ('[{"name": "R"}]', "needs a 'url' or a 'file'"),
        ('[{"name": "R", "url": 5}]', "needs a 'url' or a 'file'"),
        ('[{"name": "R", "file": "/nonexistent/partners.json"}]', "cannot read"),
        ('[{"name": "R", "registry": {"nope": "X"}}]', "not a DID"),
    ],
    ids=[
        "not-json",
        "object-not-list",
        "missing-config-file",
        "parsed-object",
        "entry-not-object",
        "no-name",
        "name-not-text",
        "no-url-or-file",
        "url-not-text",
        "missing-registry-file",
        "malformed-inline",
    ],
)
def test_malformed_configuration_is_refused_naming_the_problem(
    config: object, phrase: str, fetcher: SafeFetcher
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_registries(config, fetcher=fetcher, cache=HttpCache())

    assert phrase in caught.value.message


def test_configuration_errors_name_the_variable(fetcher: SafeFetcher) -> None:
    for config in ("[not json", '[{"name": "R"}]', '[{"url": "https://r.example"}]'):
        with pytest.raises(ConfigurationError) as caught:
            load_registries(config, fetcher=fetcher, cache=HttpCache())
        assert caught.value.field == "MICROCRED_TRUST_REGISTRIES", config


# --- wired into the verifier ------------------------------------------------------------------


def test_build_verifier_consults_local_issuers_first_then_registries(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    https_server.route(
        REGISTRY_PATH,
        {f.ISSUER_DID: "Registry's Northwind", f.OTHER_DID: "Elsewhere Bootcamp"},
    )
    directory = Directory(
        {f.ISSUER_DID: {"name": "Northwind Skills Academy", "established": "operator"}}
    )
    verifier = build_verifier(
        fetcher=fetcher,
        clock=lambda: f.NOW,
        local_issuers=directory,
        registries=json.dumps([{"name": "DCC", "url": https_server.url(REGISTRY_PATH)}]),
    )

    ours = verifier.verify(f.signed(unsigned_without_status()))
    theirs = verifier.verify(
        f.signed(
            unsigned_without_status(issuer={"id": f.OTHER_DID, "name": "Harvard University"}),
            key=f.OTHER_KEY,
            vm=f.OTHER_VM,
        )
    )

    assert ours.trust is not None
    assert (ours.trust.level, ours.trust.name) == (
        TrustLevel.REGISTERED,
        "Northwind Skills Academy",
    )
    assert theirs.trust is not None
    assert (theirs.trust.level, theirs.trust.name) == (TrustLevel.LISTED, "Elsewhere Bootcamp")
    assert theirs.trust.claimed_name == "Harvard University"
    assert theirs.as_dict()["trust"]["identity"]["source"] == "DCC"


def test_build_verifier_without_sources_leaves_everyone_unknown(fetcher: SafeFetcher) -> None:
    result = build_verifier(fetcher=fetcher, clock=lambda: f.NOW).verify(
        f.signed(unsigned_without_status())
    )

    assert result.verdict is Verdict.VALID
    assert result.trust is not None
    assert result.trust.level is TrustLevel.UNKNOWN


def test_build_verifier_refuses_malformed_registries(fetcher: SafeFetcher) -> None:
    with pytest.raises(ConfigurationError):
        build_verifier(fetcher=fetcher, registries='[{"name": "R"}]')
