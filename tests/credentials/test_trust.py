"""``credentials.trust``: who issued it, decided apart from whether it is intact.

A valid signature proves who holds a key, not who that is: a stranger's did:key calling
itself "Harvard University" verifies, and must come out ``unknown`` with the name only
as its own claim. Names are shown as fact only when a source the operator chose vouches
(``registered`` with an established identity, or ``listed`` in a registry).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.errors import ConfigurationError, ResolutionError
from credentials.resolvers import StaticStatusLists
from credentials.results import Check, Outcome, Verdict, VerificationResult
from credentials.trust import (
    Established,
    IssuerIdentity,
    StaticRegistry,
    TrustDecision,
    TrustLevel,
    TrustPolicy,
    TrustSource,
    claimed_name,
    parse_registry,
)
from credentials.verify import Verifier
from tests.credentials import factories as f

STRANGER_DID = f.OTHER_DID
CONFIRMED_AT = datetime(2026, 12, 6, 9, 12, tzinfo=UTC)


def harvard_credential(key: Any = f.OTHER_KEY, vm: str = f.OTHER_VM) -> dict[str, Any]:
    """A stranger's did:key credential naming itself "Harvard University", validly signed."""
    did = vm.split("#", 1)[0]
    unsigned = f.credential(
        issuer={"id": did, "type": ["Profile"], "name": "Harvard University"},
    )
    del unsigned["credentialStatus"]
    return f.signed(unsigned, key=key, vm=vm)


def our_credential() -> dict[str, Any]:
    unsigned = f.credential()
    del unsigned["credentialStatus"]
    return f.signed(unsigned)


def registered(**overrides: Any) -> IssuerIdentity:
    fields: dict[str, Any] = {
        "did": f.ISSUER_DID,
        "name": "Northwind Skills Academy",
        "level": TrustLevel.REGISTERED,
        "source": "this service",
    }
    fields.update(overrides)
    return IssuerIdentity(**fields)


class Source:
    """A TrustSource over a dict, counting the lookups it answers."""

    def __init__(self, name: str, known: dict[str, IssuerIdentity] | None = None) -> None:
        self.name = name
        self.known = known or {}
        self.asked: list[str] = []

    def lookup(self, did: str) -> IssuerIdentity | None:
        self.asked.append(did)
        return self.known.get(did)


class Broken:
    name = "Broken Registry"

    def __init__(self, error: Exception) -> None:
        self.error = error

    def lookup(self, did: str) -> IssuerIdentity | None:
        raise self.error


# --- the claimed name ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "name"),
    [
        ({"id": "did:key:z1", "name": "Harvard University"}, "Harvard University"),
        (
            {"id": "did:key:z1", "name": {"en": "Harvard University", "fr": "Université"}},
            "Harvard University",
        ),
        ({"id": "did:key:z1", "name": "   "}, None),
        ({"id": "did:key:z1"}, None),
        ({"id": "did:key:z1", "name": 42}, None),
        ("did:key:z1", None),
        (None, None),
    ],
    ids=["string", "language-map", "blank", "missing", "not-text", "issuer-is-a-string", "none"],
)
def test_claimed_name(issuer: Any, name: str | None) -> None:
    assert claimed_name({"issuer": issuer}) == name


# --- the policy ----------------------------------------------------------------------------------


def test_no_sources_every_intact_issuer_is_unknown_with_its_claim_quoted() -> None:
    decision = TrustPolicy().decide(harvard_credential(), STRANGER_DID, intact=True)

    assert decision.level is TrustLevel.UNKNOWN
    assert decision.trusted is False
    assert decision.name is None  # nobody vouches for any name
    assert decision.claimed_name == "Harvard University"
    assert decision.issuer == STRANGER_DID
    assert decision.message.startswith("Unknown issuer: it calls itself “Harvard University”")
    assert "its own claim" in decision.message
    assert decision.identity is None


def test_unknown_issuer_without_a_name() -> None:
    credential = {"issuer": {"id": STRANGER_DID}}

    decision = TrustPolicy().decide(credential, STRANGER_DID, intact=True)

    assert decision.level is TrustLevel.UNKNOWN
    assert decision.claimed_name is None
    assert decision.message.startswith("Unknown issuer")
    assert "calls itself" not in decision.message


@pytest.mark.parametrize(("issuer", "intact"), [(STRANGER_DID, False), (None, True), (None, False)])
def test_not_intact_or_no_issuer_is_unconfirmed_and_sources_are_not_asked(
    issuer: str | None, intact: bool
) -> None:
    # Even a source that knows the DID must not vouch for a credential that failed its
    # signature or issuer binding: anyone can write someone else's DID into a credential.
    source = Source(
        "Registry", {STRANGER_DID: registered(did=STRANGER_DID, level=TrustLevel.LISTED)}
    )

    decision = TrustPolicy([source]).decide(harvard_credential(), issuer, intact=intact)

    assert decision.level is TrustLevel.UNCONFIRMED
    assert decision.name is None
    assert decision.trusted is False
    assert decision.claimed_name == "Harvard University"
    assert "could not be confirmed" in decision.message
    assert source.asked == []


def test_listed_issuer_is_named_by_the_registry_not_by_itself() -> None:
    listed = IssuerIdentity(
        did=STRANGER_DID,
        name="Elsewhere Bootcamp",
        level=TrustLevel.LISTED,
        source="DCC Registry",
        url="https://elsewhere.example",
        location="Lisbon, Portugal",
    )

    decision = TrustPolicy([StaticRegistry("DCC Registry", {STRANGER_DID: listed})]).decide(
        harvard_credential(), STRANGER_DID, intact=True
    )

    assert decision.level is TrustLevel.LISTED
    assert decision.trusted is True
    assert decision.name == "Elsewhere Bootcamp"
    assert decision.claimed_name == "Harvard University"  # kept, but never as the name
    assert "Harvard University" not in decision.message
    assert "Elsewhere Bootcamp" in decision.message
    assert "DCC Registry" in decision.message
    assert decision.identity is listed


def test_registered_but_not_established_is_not_trusted() -> None:
    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: registered()})]).decide(
        our_credential(), f.ISSUER_DID, intact=True
    )

    assert decision.level is TrustLevel.REGISTERED
    assert decision.trusted is False
    assert decision.name is None
    assert decision.claimed_name == "Northwind Skills Academy"
    assert "not been confirmed" in decision.message
    assert "“Northwind Skills Academy”" in decision.message  # quoted: a claim


def test_registered_without_a_claimed_name_shows_the_registered_name_as_a_claim() -> None:
    unsigned = f.credential(issuer=f.ISSUER_DID)  # the issuer as a bare DID, no name
    del unsigned["credentialStatus"]

    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: registered()})]).decide(
        unsigned, f.ISSUER_DID, intact=True
    )

    assert decision.name is None
    assert decision.claimed_name == "Northwind Skills Academy"


def test_registered_and_confirmed_by_the_operator() -> None:
    identity = registered(
        established=Established.OPERATOR, confirmed_by="Ada Obi", confirmed_at=CONFIRMED_AT
    )

    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: identity})]).decide(
        our_credential(), f.ISSUER_DID, intact=True
    )

    assert decision.level is TrustLevel.REGISTERED
    assert decision.trusted is True
    assert decision.name == "Northwind Skills Academy"
    assert "confirmed by Ada Obi on 2026-12-06" in decision.message


def test_registered_and_established_by_domain() -> None:
    identity = registered(established=Established.DOMAIN, domain="northwind.example")

    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: identity})]).decide(
        our_credential(), f.ISSUER_DID, intact=True
    )

    assert decision.trusted is True
    # Controlling the domain proves the domain, not the provider's chosen name.
    assert decision.name == "northwind.example"
    assert "“Northwind Skills Academy”" in decision.message
    assert "northwind.example" in decision.message


def test_the_registered_name_wins_over_what_the_credential_claims() -> None:
    # Our confirmed provider's key signed a credential that names the issuer "Harvard
    # University": the page must show the provider's established name, not the claim.
    identity = registered(established=Established.OPERATOR, confirmed_by="Ada Obi")
    unsigned = f.credential(
        issuer={"id": f.ISSUER_DID, "type": ["Profile"], "name": "Harvard University"}
    )

    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: identity})]).decide(
        unsigned, f.ISSUER_DID, intact=True
    )

    assert decision.name == "Northwind Skills Academy"
    assert decision.claimed_name == "Harvard University"
    assert "Harvard" not in decision.message


def test_first_source_that_knows_the_did_decides_in_order() -> None:
    ours = Source("this service", {f.ISSUER_DID: registered(established=Established.OPERATOR)})
    registry = Source(
        "Registry",
        {f.ISSUER_DID: registered(level=TrustLevel.LISTED, source="Registry", name="Other")},
    )

    decision = TrustPolicy([ours, registry]).decide(our_credential(), f.ISSUER_DID, intact=True)

    assert decision.level is TrustLevel.REGISTERED
    assert decision.name == "Northwind Skills Academy"
    assert registry.asked == []  # not consulted once the first one answered


def test_unknown_to_the_first_source_falls_through_to_the_next() -> None:
    ours = Source("this service")
    listed = registered(
        did=STRANGER_DID, level=TrustLevel.LISTED, source="Registry", name="Elsewhere"
    )
    registry = Source("Registry", {STRANGER_DID: listed})

    decision = TrustPolicy([ours, registry]).decide(harvard_credential(), STRANGER_DID, intact=True)

    assert (decision.level, decision.name) == (TrustLevel.LISTED, "Elsewhere")
    assert ours.asked == [STRANGER_DID]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ResolutionError("https://registry.example/r.json answered HTTP 503"), "answered HTTP 503"),
        (ConfigurationError("trust registry 'X': 'nope' is not a DID"), "is not a DID"),
        (RuntimeError("boom"), "RuntimeError"),
    ],
    ids=["unreachable", "malformed", "unexpected"],
)
def test_a_source_that_cannot_answer_vouches_for_nobody_and_is_noted(
    error: Exception, reason: str
) -> None:
    listed = registered(did=STRANGER_DID, level=TrustLevel.LISTED, source="Good", name="Elsewhere")
    policy = TrustPolicy([Broken(error), Source("Good", {STRANGER_DID: listed})])

    unknown = policy.decide(harvard_credential(), "did:key:z6MkSomebodyElse", intact=True)
    known = policy.decide(harvard_credential(), STRANGER_DID, intact=True)

    assert unknown.level is TrustLevel.UNKNOWN
    assert unknown.name is None
    [note] = unknown.notes
    assert note.startswith("Broken Registry could not be consulted: ")
    assert reason in note
    # The next source still answers, and the note says what could not be consulted.
    assert (known.level, known.name) == (TrustLevel.LISTED, "Elsewhere")
    assert len(known.notes) == 1


def test_sources_satisfy_the_protocol() -> None:
    assert isinstance(StaticRegistry("R", {}), TrustSource)
    assert isinstance(Source("S"), TrustSource)
    assert TrustPolicy([StaticRegistry("R", {})]).sources[0].name == "R"


# --- as JSON ------------------------------------------------------------------------------------


def test_decision_as_dict() -> None:
    identity = registered(
        established=Established.OPERATOR,
        confirmed_by="Ada Obi",
        confirmed_at=CONFIRMED_AT,
        url="https://northwind.example",
    )
    decision = TrustPolicy([Source("this service", {f.ISSUER_DID: identity})]).decide(
        our_credential(), f.ISSUER_DID, intact=True
    )

    assert decision.as_dict() == {
        "outcome": "registered",
        "trusted": True,
        "issuer": f.ISSUER_DID,
        "name": "Northwind Skills Academy",
        "claimedName": "Northwind Skills Academy",
        "message": decision.message,
        "identity": {
            "name": "Northwind Skills Academy",
            "source": "this service",
            "url": "https://northwind.example",
            "established": "operator",
            "confirmedBy": "Ada Obi",
            "confirmedAt": "2026-12-06T09:12:00+00:00",
        },
    }


def test_unknown_as_dict_has_a_null_name_and_notes_only_when_there_are_some() -> None:
    quiet = TrustPolicy().decide(harvard_credential(), STRANGER_DID, intact=True).as_dict()
    noisy = (
        TrustPolicy([Broken(ResolutionError("down"))])
        .decide(harvard_credential(), STRANGER_DID, intact=True)
        .as_dict()
    )

    assert quiet["name"] is None
    assert quiet["trusted"] is False
    assert quiet["claimedName"] == "Harvard University"
    assert "identity" not in quiet
    assert "notes" not in quiet
    assert noisy["notes"] == ["Broken Registry could not be consulted: down"]


def test_result_as_dict_carries_trust_beside_the_checks() -> None:
    decision = TrustDecision(TrustLevel.UNKNOWN, STRANGER_DID, None, "X", "Unknown issuer")
    check = Check("proof", Outcome.PASSED, "ok")

    with_trust = VerificationResult(credential={}, checks=(check,), trust=decision).as_dict()
    without = VerificationResult(credential={}, checks=(check,)).as_dict()

    assert with_trust["trust"] == decision.as_dict()
    assert without["trust"] is None
    # Trust never changes the verdict: it answers the other question.
    assert with_trust["verified"] is True
    assert with_trust["verdict"] == "valid"


# --- the verifier answers both questions ----------------------------------------------------------


def test_verifier_without_sources_says_unknown_for_a_valid_stranger() -> None:
    result = Verifier.offline(clock=lambda: f.NOW).verify(harvard_credential())

    assert result.verdict is Verdict.VALID  # intact and current...
    assert result.trust is not None
    assert result.trust.level is TrustLevel.UNKNOWN  # ...but nobody vouches for the name
    assert result.trust.name is None
    assert result.as_dict()["trust"]["claimedName"] == "Harvard University"


def test_verifier_with_a_registry_lists_the_issuer() -> None:
    registry = parse_registry({STRANGER_DID: "Elsewhere Bootcamp"}, name="Partners")

    result = Verifier.offline(clock=lambda: f.NOW, trust=TrustPolicy([registry])).verify(
        harvard_credential()
    )

    assert result.trust is not None
    assert (result.trust.level, result.trust.name) == (TrustLevel.LISTED, "Elsewhere Bootcamp")


def test_tampered_credential_of_a_listed_issuer_is_unconfirmed() -> None:
    registry = parse_registry({STRANGER_DID: "Elsewhere Bootcamp"}, name="Partners")
    credential = harvard_credential()
    credential["name"] = "Doctor of Medicine"

    result = Verifier.offline(clock=lambda: f.NOW, trust=TrustPolicy([registry])).verify(credential)

    assert result.verdict is Verdict.INVALID
    assert result.trust is not None
    assert result.trust.level is TrustLevel.UNCONFIRMED
    assert result.trust.name is None


def test_credential_naming_a_listed_did_but_signed_by_a_stranger_is_unconfirmed() -> None:
    # The issuer is the listed DID; the proof is by another did:key. The signature itself
    # verifies, but not as the issuer's: the listed name must not be lent to it.
    registry = parse_registry({f.ISSUER_DID: "Northwind Skills Academy"}, name="Partners")
    unsigned = f.credential()
    del unsigned["credentialStatus"]
    forged = f.signed(unsigned, key=f.OTHER_KEY, vm=f.OTHER_VM)

    result = Verifier.offline(clock=lambda: f.NOW, trust=TrustPolicy([registry])).verify(forged)

    assert [c.code for c in result.checks_named("issuer")] == ["issuer_mismatch"]
    assert result.trust is not None
    assert result.trust.level is TrustLevel.UNCONFIRMED
    assert result.trust.name is None


def test_revoked_credential_of_a_listed_issuer_is_still_listed() -> None:
    # The two questions are apart: a revoked credential was still issued by its issuer.
    registry = parse_registry({f.ISSUER_DID: "Northwind Skills Academy"}, name="Partners")
    lists = StaticStatusLists(
        {
            f.STATUS_URL: f.status_list(set_bits=(94567,)),
            f.SUSPENSION_URL: f.status_list(f.SUSPENSION_URL, purpose="suspension"),
        }
    )
    from credentials.did import DidKeyResolver
    from credentials.resolvers import CompositeDidResolver

    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=lists,
        clock=lambda: f.NOW,
        trust=TrustPolicy([registry]),
    )

    result = verifier.verify(f.signed())

    assert result.verdict is Verdict.REVOKED
    assert result.trust is not None
    assert result.trust.level is TrustLevel.LISTED


# --- registry documents ---------------------------------------------------------------------------

DCC_REGISTRY = {
    "meta": {"created": "2020-12-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z"},
    "registry": {
        "did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtxKa9Mn9VvvhPda": {
            "name": "Example University",
            "url": "https://example.edu",
            "location": "Cambridge, MA, USA",
        },
        "did:web:registrar.example.edu": {"name": "  Registrar  "},
    },
}


def test_dcc_registry_format() -> None:
    registry = parse_registry(DCC_REGISTRY, name="DCC Registry")

    assert len(registry) == 2
    found = registry.lookup("did:key:z6MkpLDL3RoAoMRTwTgo3rs39ZwssfaPKtxKa9Mn9VvvhPda")
    assert found is not None
    assert found.name == "Example University"
    assert found.url == "https://example.edu"
    assert found.location == "Cambridge, MA, USA"
    assert found.level is TrustLevel.LISTED
    assert found.source == "DCC Registry"
    assert found.confirmed is True
    registrar = registry.lookup("did:web:registrar.example.edu")
    assert registrar is not None
    assert registrar.name == "Registrar"
    assert registry.lookup("did:web:unknown.example") is None
    assert registry.lookup("meta") is None


def test_entries_variant_of_the_dcc_format() -> None:
    document = {"meta": {}, "entries": {"did:web:a.example": {"name": "A"}}}

    registry = parse_registry(document, name="R")

    found = registry.lookup("did:web:a.example")
    assert found is not None
    assert found.name == "A"


def test_plain_list_format() -> None:
    rows = [
        {"did": "did:web:a.example", "name": "A Academy", "url": "https://a.example"},
        {"did": "did:key:z6MkB", "name": "B Bootcamp"},
    ]

    registry = parse_registry(rows, name="Partners")

    a = registry.lookup("did:web:a.example")
    assert a is not None
    assert (a.name, a.url) == ("A Academy", "https://a.example")
    b = registry.lookup("did:key:z6MkB")
    assert b is not None
    assert (b.name, b.url, b.location) == ("B Bootcamp", None, None)


def test_plain_mapping_format() -> None:
    registry = parse_registry({"did:web:a.example": "A Academy", "meta": {"v": 1}}, name="R")

    found = registry.lookup("did:web:a.example")
    assert found is not None
    assert found.name == "A Academy"
    assert len(registry) == 1


def test_empty_registries_list_nobody() -> None:
    assert len(parse_registry([], name="R")) == 0
    assert len(parse_registry({}, name="R")) == 0
    assert len(parse_registry({"meta": {}, "registry": {}}, name="R")) == 0


@pytest.mark.parametrize(
    ("document", "phrase"),
    [
        ("did:web:a.example", "is not a JSON object or list"),
        (42, "is not a JSON object or list"),
        (None, "is not a JSON object or list"),
        ([{"name": "No DID"}], "entry 0 has no 'did'"),
        ([{"did": "did:web:a.example", "name": "A"}, "did:web:b.example"], "entry 1 has no 'did'"),
        ([{"did": 7, "name": "A"}], "entry 0 has no 'did'"),
        ({"https://a.example": "A"}, "is not a DID"),
        ({"registry": {"a.example": {"name": "A"}}}, "is not a DID"),
        ({"did:web:a.example": ""}, "has no name"),
        ({"did:web:a.example": "   "}, "has no name"),
        ({"did:web:a.example": {"url": "https://a.example"}}, "has no name"),
        ({"did:web:a.example": {"name": 5}}, "has no name"),
        ({"did:web:a.example": ["A"]}, "has no name"),
        ({"registry": {"did:web:a.example": None}}, "has no name"),
        ({"registry": ["did:web:a.example"]}, "entry 0 has no 'did'"),
    ],
    ids=[
        "string",
        "number",
        "null",
        "row-without-did",
        "row-not-object",
        "did-not-text",
        "key-not-a-did",
        "dcc-key-not-a-did",
        "empty-name",
        "blank-name",
        "no-name",
        "name-not-text",
        "name-a-list",
        "dcc-null-entry",
        "dcc-registry-a-list",
    ],
)
def test_malformed_registry_is_a_configuration_error_naming_it(
    document: object, phrase: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_registry(document, name="Partners")

    assert "'Partners'" in caught.value.message
    assert phrase in caught.value.message
