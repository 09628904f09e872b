"""The verification pipeline: every check reported, failures named, never an exception."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import multikey
from credentials.did import DidKeyResolver
from credentials.errors import MalformedCredentialError, ResolutionError
from credentials.proofs import JCS, RDFC
from credentials.resolvers import CompositeDidResolver, StaticStatusLists
from credentials.results import Outcome, Verdict
from credentials.verify import MAX_DEPTH, Verifier, load_credential
from tests.credentials import factories as f

SUITES = [RDFC, JCS]


def verifier(lists: StaticStatusLists | None = None, *, now: Any = f.NOW) -> Verifier:
    return Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=lists if lists is not None else healthy_lists(),
        clock=lambda: now,
    )


def healthy_lists(
    *, revoked: tuple[int, ...] = (), suspended: tuple[int, ...] = ()
) -> StaticStatusLists:
    return StaticStatusLists(
        {
            f.STATUS_URL: f.status_list(set_bits=revoked),
            f.SUSPENSION_URL: f.status_list(
                f.SUSPENSION_URL, purpose="suspension", set_bits=suspended
            ),
        }
    )


def outcome(result: Any, name: str) -> tuple[str, str]:
    checks = result.checks_named(name)
    failed = [c for c in checks if c.outcome is Outcome.FAILED]
    check = failed[0] if failed else checks[0]
    return check.outcome.value, check.code


# --- the good path ---------------------------------------------------------------------------


@pytest.mark.parametrize("suite", SUITES)
def test_valid_credential_passes_every_check(suite: str) -> None:
    result = verifier().verify(f.signed(suite=suite))
    assert result.verified
    assert result.verdict is Verdict.VALID
    names = [c.name for c in result.checks]
    assert names == ["structure", "proof", "issuer", "validity", "status", "status"]
    assert all(c.outcome is Outcome.PASSED for c in result.checks), result.as_dict()


def test_result_as_dict_is_json_ready() -> None:
    data = verifier().verify(f.signed()).as_dict()
    assert data["verified"] is True
    assert data["verdict"] == "valid"
    assert data["issuer"] == f.ISSUER_DID
    assert {c["check"] for c in data["checks"]} == {
        "structure",
        "proof",
        "issuer",
        "validity",
        "status",
    }


def test_key_order_does_not_matter() -> None:
    doc = f.signed()
    reordered = dict(reversed(list(doc.items())))
    assert verifier().verify(reordered).verified


def test_accepts_json_text_and_bytes() -> None:
    import json

    text = json.dumps(f.signed())
    assert verifier().verify(text).verified
    assert verifier().verify(text.encode()).verified


# --- tampering: every field of a signed credential -----------------------------------------

TAMPERS: list[tuple[str, Any]] = [
    ("name", lambda d: d.__setitem__("name", "Senior Python API Developer")),
    ("id", lambda d: d.__setitem__("id", "urn:uuid:00000000-0000-4000-8000-000000000000")),
    ("type", lambda d: d["type"].append("EndorsementCredential")),
    ("issuer.name", lambda d: d["issuer"].__setitem__("name", "Evil Academy")),
    ("validFrom", lambda d: d.__setitem__("validFrom", "2026-01-15T09:00:01Z")),
    ("validUntil", lambda d: d.__setitem__("validUntil", "2099-01-15T09:00:00Z")),
    (
        "subject name",
        lambda d: d["credentialSubject"]["identifier"][0].__setitem__("identityHash", "Mallory"),
    ),
    (
        "achievement.name",
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Expert"),
    ),
    (
        "alignment",
        lambda d: d["credentialSubject"]["achievement"]["alignment"][0].__setitem__(
            "targetName", "x"
        ),
    ),
    (
        "evidence narrative",
        lambda d: d["evidence"][1].__setitem__("narrative", "Demonstrates competencies:\n- All"),
    ),
    ("evidence removed", lambda d: d["evidence"].pop()),
    ("status index", lambda d: d["credentialStatus"][0].__setitem__("statusListIndex", "1")),
    ("status removed", lambda d: d.pop("credentialStatus")),
    ("proof created", lambda d: d["proof"].__setitem__("created", "2026-05-01T00:00:00Z")),
    ("proof method", lambda d: d["proof"].__setitem__("verificationMethod", f.ISSUER_VM + "x")),
]


@pytest.mark.parametrize("suite", SUITES)
@pytest.mark.parametrize(("what", "tamper"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_any_altered_field_breaks_the_proof(suite: str, what: str, tamper: Any) -> None:
    doc = f.deep(f.signed(suite=suite))
    tamper(doc)
    result = verifier().verify(doc)
    assert not result.verified
    assert result.verdict is Verdict.INVALID
    assert outcome(result, "proof")[0] == "failed", what


def test_added_undefined_term_is_named_rdfc() -> None:
    doc = f.signed()
    doc["credentialSubject"]["achievement"]["secretLevel"] = "admin"
    result = verifier().verify(doc)
    (proof,) = result.checks_named("proof")
    assert proof.code == "undefined_term"
    assert "secretLevel" in proof.message


def test_added_property_breaks_jcs() -> None:
    doc = f.signed(suite=JCS)
    doc["credentialSubject"]["achievement"]["secretLevel"] = "admin"
    assert outcome(verifier().verify(doc), "proof") == ("failed", "bad_signature")


def test_unknown_context_is_named() -> None:
    doc = f.signed()
    doc["@context"] = [*doc["@context"], "https://evil.example/context.jsonld"]
    (proof,) = verifier().verify(doc).checks_named("proof")
    assert proof.code == "unknown_context"
    assert "https://evil.example/context.jsonld" in proof.message


# --- keys, suites, encodings ----------------------------------------------------------------


def test_signed_by_another_key_fails_issuer_binding() -> None:
    doc = f.signed(key=f.OTHER_KEY, vm=f.OTHER_VM)
    result = verifier().verify(doc)
    assert outcome(result, "proof") == ("passed", "ok")
    assert outcome(result, "issuer") == ("failed", "issuer_mismatch")
    assert result.verdict is Verdict.INVALID


def test_other_key_claiming_issuer_method_is_refused() -> None:
    # The attacker signs with their key but names the issuer's verification method.
    doc = f.signed(key=f.OTHER_KEY, vm=f.ISSUER_VM)
    assert outcome(verifier().verify(doc), "proof") == ("failed", "bad_signature")


def test_method_not_under_assertion_method() -> None:
    doc = f.signed(vm=f.ISSUER_DID + "#not-a-key")
    assert outcome(verifier().verify(doc), "proof") == ("failed", "key_not_authorized")


@pytest.mark.parametrize(
    ("suite_name", "code"),
    [
        ("eddsa-2022", "unknown_cryptosuite"),
        ("ecdsa-rdfc-2019", "unknown_cryptosuite"),
        (JCS, "bad_signature"),
    ],
)
def test_wrong_suite(suite_name: str, code: str) -> None:
    doc = f.signed(suite=RDFC)
    doc["proof"]["cryptosuite"] = suite_name
    assert outcome(verifier().verify(doc), "proof") == ("failed", code)


def test_wrong_proof_type_and_purpose() -> None:
    doc = f.signed()
    doc["proof"]["proofPurpose"] = "authentication"
    assert outcome(verifier().verify(doc), "proof") == ("failed", "wrong_proof_purpose")
    doc = f.signed()
    doc["proof"]["type"] = "RsaSignature2018"
    assert outcome(verifier().verify(doc), "proof") == ("failed", "unsupported_proof_type")


@pytest.mark.parametrize(
    "bad_value",
    [
        "u" + "A" * 86,  # base64url multibase, not base58btc
        "z0OIl",  # characters outside the base58 alphabet
        "",
        None,
        12345,
    ],
)
def test_bad_multibase_proof_value(bad_value: Any) -> None:
    doc = f.signed()
    doc["proof"]["proofValue"] = bad_value
    assert outcome(verifier().verify(doc), "proof") == ("failed", "bad_proof_value")


def test_truncated_signature() -> None:
    doc = f.signed()
    signature = multikey.decode_signature(doc["proof"]["proofValue"])
    doc["proof"]["proofValue"] = multikey.encode_base58btc(signature[:63])
    (proof,) = verifier().verify(doc).checks_named("proof")
    assert proof.code == "bad_proof_value"
    assert "64-byte" in proof.message


def test_malformed_did_key_method() -> None:
    doc = f.signed()
    doc["proof"]["verificationMethod"] = "did:key:zNotAKey#zNotAKey"
    assert outcome(verifier().verify(doc), "proof") == ("failed", "resolution_failed")


def test_unsupported_did_method() -> None:
    doc = f.signed()
    doc["proof"]["verificationMethod"] = "did:example:123#key-1"
    (proof,) = verifier().verify(doc).checks_named("proof")
    assert proof.code == "resolution_failed"
    assert "did:example" in proof.message


def test_no_proof() -> None:
    result = verifier().verify(f.credential())
    assert outcome(result, "proof") == ("failed", "no_proof")
    assert result.verdict is Verdict.INVALID


def test_proof_set_needs_every_proof() -> None:
    from credentials.proofs import add_proof

    doc = add_proof(f.signed(), f.ISSUER_KEY, verification_method=f.ISSUER_VM, cryptosuite=JCS)
    assert len(doc["proof"]) == 2
    assert verifier().verify(doc).verified
    doc["proof"][1]["proofValue"] = doc["proof"][0]["proofValue"]
    result = verifier().verify(doc)
    assert [c.outcome.value for c in result.checks_named("proof")] == ["passed", "failed"]
    assert not result.verified


def test_chain_countersigned_by_another_controller_verifies() -> None:
    # vc-di-eddsa suite, previousProofStringOk: a proof by another controller, then the
    # issuer's proof chained to it with previousProof; both verify, one is the issuer's.
    from credentials.proofs import add_proof

    first = add_proof(
        f.credential(), f.OTHER_KEY, verification_method=f.OTHER_VM, proof_id="urn:x:1"
    )
    doc = add_proof(first, f.ISSUER_KEY, verification_method=f.ISSUER_VM, previous_proof="urn:x:1")
    result = verifier().verify(doc)
    assert result.verified, result.as_dict()
    issuer = result.checks_named("issuer")[0]
    assert issuer.details["cosigners"] == [f.OTHER_DID]


def test_countersignature_does_not_stand_in_for_the_issuer() -> None:
    # Two proofs, neither the issuer's: still refused.
    from credentials.proofs import add_proof

    doc = add_proof(
        f.signed(key=f.OTHER_KEY, vm=f.OTHER_VM), f.OTHER_KEY, verification_method=f.OTHER_VM
    )
    assert outcome(verifier().verify(doc), "issuer") == ("failed", "issuer_mismatch")


def test_countersigned_chain_needs_every_proof_to_verify() -> None:
    from credentials.proofs import add_proof

    first = add_proof(
        f.credential(), f.OTHER_KEY, verification_method=f.OTHER_VM, proof_id="urn:x:1"
    )
    doc = add_proof(first, f.ISSUER_KEY, verification_method=f.ISSUER_VM, previous_proof="urn:x:1")
    doc["proof"][0]["proofValue"] = doc["proof"][1]["proofValue"]
    result = verifier().verify(doc)
    assert not result.verified
    assert outcome(result, "issuer") == ("skipped", "unconfirmed")


@pytest.mark.parametrize("suite", SUITES)
def test_vc11_credential_gets_the_data_integrity_context_when_signed(suite: str) -> None:
    # VC Data Integrity §2.4.1: the VC 1.1 context does not define DataIntegrityProof,
    # cryptosuite or created, so signing appends the Data Integrity context.
    from credentials.proofs import DATA_INTEGRITY_CONTEXT

    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "id": "urn:uuid:86294362-4254-4f36-854f-3952fe42555d",
        "type": ["VerifiableCredential"],
        "issuer": f.ISSUER_DID,
        "issuanceDate": "2020-03-16T22:37:26.544Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    signed = f.signed(doc, suite=suite)
    assert signed["@context"] == ["https://www.w3.org/2018/credentials/v1", DATA_INTEGRITY_CONTEXT]
    assert doc["@context"] == ["https://www.w3.org/2018/credentials/v1"]  # input untouched
    result = verifier().verify(signed)
    assert result.verified, result.as_dict()


def test_vc2_context_already_defines_the_proof_terms() -> None:
    assert f.signed()["@context"] == f.credential()["@context"]


def test_expired_proof() -> None:
    from credentials.proofs import add_proof

    doc = add_proof(
        f.credential(),
        f.ISSUER_KEY,
        verification_method=f.ISSUER_VM,
        expires=f.NOW - timedelta(days=1),
    )
    assert outcome(verifier().verify(doc), "proof") == ("failed", "proof_expired")


# --- validity window ---------------------------------------------------------------------------


def test_expired_credential() -> None:
    result = verifier(now=f.NOW + timedelta(days=3 * 365)).verify(f.signed())
    assert outcome(result, "validity") == ("failed", "expired")
    assert result.verdict is Verdict.EXPIRED
    assert outcome(result, "proof") == ("passed", "ok")


def test_not_yet_valid_credential() -> None:
    result = verifier(now=f.NOW - timedelta(days=365)).verify(f.signed())
    assert outcome(result, "validity") == ("failed", "not_yet_valid")
    assert result.verdict is Verdict.NOT_YET_VALID


# --- status -------------------------------------------------------------------------------------


def test_revoked_bit_set() -> None:
    result = verifier(healthy_lists(revoked=(94567,))).verify(f.signed())
    assert outcome(result, "status") == ("failed", "revoked")
    assert result.verdict is Verdict.REVOKED
    assert "revoked" in result.summary.lower()


def test_suspended_bit_set() -> None:
    result = verifier(healthy_lists(suspended=(1234,))).verify(f.signed())
    assert outcome(result, "status") == ("failed", "suspended")
    assert result.verdict is Verdict.SUSPENDED


def test_neighbouring_bit_does_not_revoke() -> None:
    assert verifier(healthy_lists(revoked=(94566, 94568))).verify(f.signed()).verified


def test_unreachable_status_list_fails_closed() -> None:
    result = verifier(StaticStatusLists()).verify(f.signed())
    assert outcome(result, "status") == ("failed", "status_unverifiable")
    assert result.verdict is Verdict.INVALID


def test_tampered_status_list_fails_closed() -> None:
    lists = healthy_lists()
    forged = f.deep(dict(lists.fetch(f.STATUS_URL)))
    forged["credentialSubject"]["encodedList"] = (
        f.status_list()["credentialSubject"]["encodedList"][:-4] + "AAAA"
    )
    lists.put(f.STATUS_URL, forged)
    (check, _) = verifier(lists).verify(f.signed()).checks_named("status")
    assert (check.outcome.value, check.code) == ("failed", "status_unverifiable")


def test_status_list_from_another_issuer_fails() -> None:
    lists = healthy_lists()
    lists.put(f.STATUS_URL, f.status_list(key=f.OTHER_KEY, issuer=f.OTHER_DID, vm=f.OTHER_VM))
    (check, _) = verifier(lists).verify(f.signed()).checks_named("status")
    assert check.code == "status_unverifiable"
    assert "not by the credential's issuer" in check.message


def test_stale_status_list_fails() -> None:
    lists = healthy_lists()
    lists.put(f.STATUS_URL, f.status_list(valid_until=f.NOW - timedelta(hours=1)))
    (check, _) = verifier(lists).verify(f.signed()).checks_named("status")
    assert check.code == "status_unverifiable"
    assert "stale" in check.message


def test_purpose_mismatch_fails() -> None:
    lists = healthy_lists()
    lists.put(f.STATUS_URL, f.status_list(purpose="suspension"))
    (check, _) = verifier(lists).verify(f.signed()).checks_named("status")
    assert check.code == "status_unverifiable"


def test_status_not_checked_without_fetcher_is_skipped_not_passed() -> None:
    result = Verifier.offline(clock=lambda: f.NOW).verify(f.signed())
    (status,) = result.checks_named("status")
    assert status.outcome is Outcome.SKIPPED
    assert result.verified


def test_unsupported_status_type_fails_closed() -> None:
    doc = f.credential(
        credentialStatus={"id": "https://x.example/1", "type": "1EdTechRevocationList"}
    )
    doc["@context"].append("https://purl.imsglobal.org/spec/ob/v3p0/extensions.json")
    result = verifier().verify(f.signed(doc))
    assert outcome(result, "status") == ("failed", "unsupported_status")


# --- structure and malformed input --------------------------------------------------------------


def test_structural_problem_is_reported_with_its_field() -> None:
    doc = f.credential()
    doc["name"] = 42  # VC 2.0 §11.1: a name is a string or language value object(s)
    result = verifier().verify(f.signed(doc))
    (structure,) = result.checks_named("structure")
    assert structure.outcome is Outcome.FAILED
    assert "name" in structure.message
    assert result.verdict is Verdict.INVALID
    assert [(e.code, e.field) for e in result.errors] == [("vc.malformed", "name")]


def test_an_open_badges_data_quality_rule_is_a_warning() -> None:
    # Issue 15, item 1: OB 3.0 requires criteria, but its absence says nothing about
    # authenticity: verified, with a named warning.
    doc = f.credential()
    del doc["credentialSubject"]["achievement"]["criteria"]
    result = verifier().verify(f.signed(doc))
    (structure,) = result.checks_named("structure")
    assert structure.outcome is Outcome.PASSED
    assert result.verified
    assert result.verdict is Verdict.VALID
    (warning,) = result.warnings
    assert warning.code == "ob3.achievement_incomplete"
    assert warning.field == "credentialSubject.achievement.criteria"
    body = result.as_dict()
    assert body["verified"] is True
    assert body["errors"] == []
    assert body["warnings"][0]["code"] == "ob3.achievement_incomplete"
    assert body["warnings"][0]["severity"] == "warning"
    assert body["summary"].startswith("Valid, with 1 warning")


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"[1, 2]", "JSON object"),
        (b"{not json", "not valid JSON"),
        (b'{"a": 1, "a": 2}', "twice"),
        (b'{"a": NaN}', "NaN"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested"),
    ],
)
def test_malformed_input_is_a_typed_error(data: bytes, fragment: str) -> None:
    with pytest.raises(MalformedCredentialError, match=fragment):
        load_credential(data)


def _nested(levels: int, innermost: str, *, brackets: str = "{}") -> bytes:
    """``levels`` containers inside the top object, the deepest holding ``innermost``."""
    opening, closing = ('{"k":', "}") if brackets == "{}" else ("[", "]")
    return ('{"top":' + opening * (levels - 1) + innermost + closing * (levels - 1) + "}").encode()


@pytest.mark.parametrize("brackets", ["{}", "[]"])
@pytest.mark.parametrize("innermost", ["{}", "[]"])
def test_empty_container_at_the_depth_limit_is_accepted(brackets: str, innermost: str) -> None:
    # The top object is depth 0, so the innermost container sits at depth MAX_DEPTH.
    assert load_credential(_nested(MAX_DEPTH, innermost, brackets=brackets))


@pytest.mark.parametrize("brackets", ["{}", "[]"])
@pytest.mark.parametrize("innermost", ['{"a":1}', '["x"]', "[[]]", '{"a":{}}', "[null]"])
def test_any_value_below_the_depth_limit_is_refused(brackets: str, innermost: str) -> None:
    with pytest.raises(MalformedCredentialError, match=f"deeper than {MAX_DEPTH}"):
        load_credential(_nested(MAX_DEPTH, innermost, brackets=brackets))


def test_scalar_at_the_depth_limit_is_accepted() -> None:
    assert load_credential(_nested(MAX_DEPTH, '"leaf"'))


def _depth(value: Any, level: int = 0) -> int:
    """The deepest level at which a value sits (the top object's members at level 1)."""
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return max((_depth(child, level + 1) for child in children), default=level)


@settings(max_examples=200, deadline=None)
@given(
    levels=st.integers(min_value=MAX_DEPTH - 3, max_value=MAX_DEPTH + 3),
    padding=st.lists(st.sampled_from(["[", "{", "]", "}", "x"]), max_size=30).map("".join),
    innermost=st.sampled_from(["{}", "[]", "1", '"s"', "[1]", '{"a":null}']),
    brackets=st.sampled_from(["{}", "[]"]),
)
def test_the_depth_limit_holds_whatever_brackets_strings_hold(
    levels: int, padding: str, innermost: str, brackets: str
) -> None:
    # Brackets inside strings count toward the cheap pre-check (load_credential skips the
    # walk when there are no more than MAX_DEPTH of them) but never toward the depth.
    data = _nested(levels, innermost, brackets=brackets).replace(
        b'{"top":', b'{"pad":' + json.dumps(padding).encode() + b',"top":', 1
    )
    parsed = json.loads(data)
    if _depth(parsed) > MAX_DEPTH:
        with pytest.raises(MalformedCredentialError, match=f"deeper than {MAX_DEPTH}"):
            load_credential(data)
    else:
        assert load_credential(data) == parsed


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b'{"a": {"x": 1, "y": 2, "x": 3}}', "x"),
        (b'{"a": [{"ok": 1}, {"y": 1, "z": 2, "z": 3, "y": 4}]}', "z"),
        (b'{"b": 1, "a": 2, "b": 3, "a": 4}', "b"),
    ],
)
def test_a_repeated_key_anywhere_is_named(data: bytes, key: str) -> None:
    with pytest.raises(MalformedCredentialError, match=f"key '{key}' twice") as raised:
        load_credential(data)
    assert raised.value.field == key


def test_equal_keys_in_different_objects_are_not_repeats() -> None:
    document = load_credential(b'{"a": {"id": 1}, "b": [{"id": 2}, {"id": 3}], "id": 4}')
    assert document == {"a": {"id": 1}, "b": [{"id": 2}, {"id": 3}], "id": 4}


def test_verify_rejects_non_objects() -> None:
    with pytest.raises(MalformedCredentialError):
        verifier().verify(["not", "a", "credential"])


def test_garbage_shapes_never_raise() -> None:
    weird: list[dict[str, Any]] = [
        {},
        {"proof": "x"},
        {"proof": [None, 3, {"type": "DataIntegrityProof"}]},
        {"issuer": 5, "validFrom": 7, "credentialStatus": "x"},
        {
            "@context": 5,
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": RDFC,
                "proofPurpose": "assertionMethod",
                "verificationMethod": f.ISSUER_VM,
                "proofValue": f.signed()["proof"]["proofValue"],
            },
        },
    ]
    for doc in weird:
        result = verifier().verify(doc)
        assert not result.verified
        assert result.verdict is Verdict.INVALID


def test_status_list_published_just_after_verification_started_is_current() -> None:
    # The issuer re-signs its list when a bit flips; a verification that captured "now" a
    # moment earlier must still read it (and see the revocation), not call it "not valid yet".
    from credentials.proofs import add_proof
    from credentials.statuslist import Bitstring, build_status_list_credential

    bits = Bitstring()
    bits.set(94567)
    unsigned = build_status_list_credential(
        url=f.STATUS_URL,
        issuer=f.ISSUER_DID,
        purpose="revocation",
        bitstring=bits,
        valid_from=f.NOW + timedelta(seconds=2),
    )
    lists = healthy_lists()
    lists.put(f.STATUS_URL, add_proof(unsigned, f.ISSUER_KEY, verification_method=f.ISSUER_VM))
    assert verifier(lists).verify(f.signed()).verdict is Verdict.REVOKED
    lists.put(f.STATUS_URL, f.status_list())
    future = build_status_list_credential(
        url=f.STATUS_URL,
        issuer=f.ISSUER_DID,
        purpose="revocation",
        bitstring=Bitstring(),
        valid_from=f.NOW + timedelta(hours=1),
    )
    lists.put(f.STATUS_URL, add_proof(future, f.ISSUER_KEY, verification_method=f.ISSUER_VM))
    (check, _) = verifier(lists).verify(f.signed()).checks_named("status")
    assert check.code == "status_unverifiable"


# --- no cross-talk: one credential's failed check never decides another's -----------------------


def test_forged_credential_naming_a_genuine_list_does_not_poison_it() -> None:
    """The attack from issue 11: a stranger signs a credential that names the genuine issuer's
    status list. Its status check must fail, and the genuine credential verified next, by the
    same verifier (same cache), must still pass."""
    shared = verifier()
    forged = f.signed(
        f.credential(issuer={"id": f.OTHER_DID, "type": ["Profile"], "name": "Forger"}),
        key=f.OTHER_KEY,
        vm=f.OTHER_VM,
    )
    forged_status = shared.verify(forged).checks_named("status")
    assert {c.code for c in forged_status} == {"status_unverifiable"}
    genuine = shared.verify(f.signed())
    assert genuine.verdict is Verdict.VALID, genuine.as_dict()
    # And the other way round: the genuine answer is not handed to the forger either.
    assert {c.code for c in shared.verify(forged).checks_named("status")} == {"status_unverifiable"}


class _FlakyResolver:
    """did:key, except that the calls numbered in ``failing`` cannot resolve (a DID document
    host that was briefly down)."""

    def __init__(self, failing: set[int]) -> None:
        self.calls = 0
        self._failing = failing
        self._inner = DidKeyResolver()

    def resolve(self, did: str) -> Any:
        self.calls += 1
        if self.calls in self._failing:
            raise ResolutionError(f"{did}: host briefly unreachable")
        return self._inner.resolve(did)


def test_a_status_list_whose_signer_could_not_be_resolved_is_not_cached_as_forged() -> None:
    """Only definite answers about a list are cached: a transient failure to read its
    signer's DID document fails this check closed, and the next verification passes."""
    flaky = _FlakyResolver(failing={2})  # call 1: the credential's proof; 2: the list's
    shared = Verifier(
        did_resolver=CompositeDidResolver({"key": flaky}),
        status_fetcher=healthy_lists(),
        clock=lambda: f.NOW,
    )
    first = shared.verify(f.signed())
    assert "status_unverifiable" in {c.code for c in first.checks_named("status")}
    second = shared.verify(f.signed())
    assert second.verdict is Verdict.VALID, second.as_dict()
