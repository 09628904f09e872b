"""StatusList2021 and RevocationList2020 through the Verifier: revoked and suspended
credentials are caught, and a list that cannot be fetched, is foreign-signed, unsigned,
badly signed, malformed, too short, stale, of the wrong purpose or too short for the
index fails closed, naming the Bitstring Status List error (``details["error"]``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.did import DidKeyResolver
from credentials.errors import CredentialValidationError, ResolutionError, StatusListError
from credentials.proofs import verify_proofs
from credentials.resolvers import CompositeDidResolver, StaticStatusLists
from credentials.results import Check, Outcome, Verdict
from credentials.statuslist import (
    REVOCATION_LIST_2020,
    STATUS_LIST_2021,
    Bitstring,
    StatusEntry,
    build_status_list_credential,
    decode_legacy_list,
    parse_legacy_entry,
    read_legacy_status,
    read_status,
)
from credentials.verify import Verifier
from tests.credentials import factories as f
from tests.credentials import legacy_status as ls

ERRORS = {
    "STATUS_RETRIEVAL_ERROR",
    "STATUS_VERIFICATION_ERROR",
    "STATUS_LIST_LENGTH_ERROR",
    "MALFORMED_VALUE_ERROR",
    "RANGE_ERROR",
}
DIGITAL_PROMISE = Path(__file__).parents[1] / "fixtures/digital-promise-status/5R6EGMYJCL.json"


class Unreachable:
    def fetch(self, url: str) -> Mapping[str, Any]:
        raise ResolutionError(f"{url} answered HTTP 503")


def verify(credential: dict[str, Any], lists: Any, **options: Any) -> Any:
    fetcher = lists if not isinstance(lists, dict) else StaticStatusLists(lists)
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=fetcher,
        clock=lambda: f.NOW,
        **options,
    )
    return verifier.verify(credential)


def status(result: Any) -> Check:
    (check,) = result.checks_named("status")
    return check


def error_of(check: Check) -> tuple[str | None, str | None]:
    return check.code, check.details.get("error")


# --- StatusList2021 ----------------------------------------------------------------------------


def test_an_unrevoked_status_list_2021_credential_verifies() -> None:
    result = verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: ls.status_list_2021()})

    assert result.verified, result.checks
    assert status(result).outcome is Outcome.PASSED
    assert status(result).details["type"] == "StatusList2021Entry"


def test_a_revoked_status_list_2021_credential_is_revoked() -> None:
    lists = {ls.SL_URL: ls.status_list_2021(set_bits=(ls.REVOKED,))}
    result = verify(ls.signed_v1(ls.sl2021_entry()), lists)

    assert result.verdict is Verdict.REVOKED
    assert status(result).code == "revoked"


def test_a_suspended_status_list_2021_credential_is_suspended() -> None:
    entry = ls.sl2021_entry(purpose="suspension", url=ls.SUSPEND_URL)
    lists = {
        ls.SUSPEND_URL: ls.status_list_2021(
            ls.SUSPEND_URL, purpose="suspension", set_bits=(ls.REVOKED,)
        )
    }

    assert verify(ls.signed_v1(entry), lists).verdict is Verdict.SUSPENDED


def test_a_revocation_entry_is_not_answered_by_a_suspension_list() -> None:
    lists = {ls.SL_URL: ls.status_list_2021(purpose="suspension")}
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), lists))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")
    assert "purpose" in check.message


def test_a_foreign_signed_list_fails_closed() -> None:
    foreign = ls.status_list_2021(key=f.OTHER_KEY, issuer=f.OTHER_DID, vm=f.OTHER_VM)
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: foreign}))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")
    assert "not by the credential's issuer" in check.message


def test_a_list_naming_the_issuer_but_signed_by_another_key_fails_closed() -> None:
    forged = ls.status_list_2021(key=f.OTHER_KEY, vm=f.OTHER_VM)
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: forged}))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")


def test_an_unsigned_list_fails_closed() -> None:
    unsigned = ls.status_list_2021()
    del unsigned["proof"]
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: unsigned}))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")
    assert "not signed" in check.message


def test_a_list_altered_after_signing_fails_closed() -> None:
    # Clearing the revoked bit of a signed list: the signature no longer matches.
    revoked = ls.status_list_2021(set_bits=(ls.REVOKED,))
    cleared = copy.deepcopy(revoked)
    cleared["credentialSubject"]["encodedList"] = ls.status_list_2021()["credentialSubject"][
        "encodedList"
    ]
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: cleared}))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")
    assert "does not verify" in check.message


def test_an_unreachable_list_fails_closed() -> None:
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), Unreachable()))

    assert error_of(check) == ("status_unverifiable", "STATUS_RETRIEVAL_ERROR")


@pytest.mark.parametrize(
    ("encoded_list", "error"),
    [
        ("!!not base64!!", "MALFORMED_VALUE_ERROR"),
        ("bm90IGd6aXA", "MALFORMED_VALUE_ERROR"),  # "not gzip"
        # Short, and too short to hold the entry's index: the index is out of range.
        (ls.encoded(bytes(1000)), "RANGE_ERROR"),
    ],
    ids=["not_base64", "not_gzip", "short"],
)
def test_a_malformed_or_short_list_fails_closed(encoded_list: str, error: str) -> None:
    lists = {ls.SL_URL: ls.status_list_2021(encoded_list=encoded_list)}
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), lists))

    assert error_of(check) == ("status_unverifiable", error)


def test_an_index_outside_the_list_is_a_range_error() -> None:
    entry = ls.sl2021_entry(index=131_072)
    check = status(verify(ls.signed_v1(entry), {ls.SL_URL: ls.status_list_2021()}))

    assert error_of(check) == ("status_unverifiable", "RANGE_ERROR")


def test_a_stale_list_fails_closed() -> None:
    stale = ls.status_list_2021(expiration=f.NOW - timedelta(hours=1))
    check = status(verify(ls.signed_v1(ls.sl2021_entry()), {ls.SL_URL: stale}))

    assert check.code == "status_unverifiable"
    assert "stale" in check.message


@pytest.mark.parametrize(
    "entry",
    [
        {
            "id": "https://digital-promise.github.io/credential-status-list/5R6EGMYJCL#848",
            "type": "StatusList2021Entry",
        },
        {**ls.sl2021_entry(), "statusPurpose": "refresh"},
        {**ls.sl2021_entry(), "statusListIndex": "-1"},
        {**ls.sl2021_entry(), "statusListCredential": "ftp://creds.example/list"},
    ],
    ids=["no_index_or_list", "purpose", "index", "url"],
)
def test_a_malformed_entry_is_a_malformed_value(entry: dict[str, Any]) -> None:
    check = status(verify(ls.signed_v1(entry), {ls.SL_URL: ls.status_list_2021()}))

    assert error_of(check) == ("malformed_status", "MALFORMED_VALUE_ERROR")


# --- RevocationList2020 ------------------------------------------------------------------------


def test_an_unrevoked_revocation_list_2020_credential_verifies() -> None:
    credential = ls.signed_v1(ls.rl2020_entry(), context=ls.RL2020_CONTEXT)
    result = verify(credential, {ls.RL_URL: ls.revocation_list_2020()})

    assert result.verified, result.checks
    assert status(result).details == {
        "purpose": "revocation",
        "index": ls.REVOKED,
        "list": ls.RL_URL,
        "type": "RevocationList2020Status",
    }


def test_a_revoked_revocation_list_2020_credential_is_revoked() -> None:
    credential = ls.signed_v1(ls.rl2020_entry(), context=ls.RL2020_CONTEXT)
    result = verify(credential, {ls.RL_URL: ls.revocation_list_2020(set_bits=(ls.REVOKED,))})

    assert result.verdict is Verdict.REVOKED


def test_a_revocation_list_2020_entry_is_not_answered_by_a_status_list_2021() -> None:
    credential = ls.signed_v1(ls.rl2020_entry(), context=ls.RL2020_CONTEXT)
    check = status(verify(credential, {ls.RL_URL: ls.status_list_2021(ls.RL_URL)}))

    assert error_of(check) == ("status_unverifiable", "STATUS_VERIFICATION_ERROR")


def test_a_foreign_revocation_list_2020_fails_closed() -> None:
    credential = ls.signed_v1(ls.rl2020_entry(), context=ls.RL2020_CONTEXT)
    foreign = ls.revocation_list_2020(key=f.OTHER_KEY, issuer=f.OTHER_DID, vm=f.OTHER_VM)

    assert error_of(status(verify(credential, {ls.RL_URL: foreign}))) == (
        "status_unverifiable",
        "STATUS_VERIFICATION_ERROR",
    )


# --- a real StatusList2021 list and the ecosystem floor ---------------------------------------


def test_the_digital_promise_status_list_2021_verifies_and_reads() -> None:
    real = json.loads(DIGITAL_PROMISE.read_text())
    (proof,) = verify_proofs(real, resolver=DidKeyResolver())
    assert proof.verified
    assert proof.cryptosuite is None  # Ed25519Signature2020

    entry = StatusEntry(purpose="revocation", index=15, list_url=real["id"])
    # 100,000 entries: below the 131,072 floor, so it is refused unless an ecosystem's
    # lower bound is configured (MICROCRED_STATUS_MIN_ENTRIES).
    with pytest.raises(StatusListError) as info:
        read_legacy_status(STATUS_LIST_2021, entry, real)
    assert info.value.details["error"] == "STATUS_LIST_LENGTH_ERROR"
    assert read_legacy_status(STATUS_LIST_2021, entry, real, min_entries=100_000).set
    unset = StatusEntry(purpose="revocation", index=0, list_url=real["id"])
    assert not read_legacy_status(STATUS_LIST_2021, unset, real, min_entries=100_000).set


def test_a_lower_floor_is_honoured_end_to_end() -> None:
    short = ls.status_list_2021(size=100_000 // 8 * 8, set_bits=(5,))
    credential = ls.signed_v1(ls.sl2021_entry(index=5))

    # Below the default floor the bit is still read: a revoked credential stays revoked,
    # and one whose bit is clear verifies with a warning naming the shortfall. With the
    # ecosystem's floor configured there is no warning.
    assert verify(credential, {ls.SL_URL: short}).verdict is Verdict.REVOKED
    clear = ls.signed_v1(ls.sl2021_entry(index=6))
    default = verify(clear, {ls.SL_URL: short})
    assert default.verified
    assert [w.code for w in default.warnings] == ["status.list_short"]
    lowered = verify(clear, {ls.SL_URL: short}, status_min_entries=100_000)
    assert lowered.verified
    assert lowered.warnings == ()


def test_a_bitstring_list_whose_id_is_not_its_url_is_still_read() -> None:
    # The DCC's test list says https://testing.dcconsortium.org/... and is served elsewhere.
    credential = build_status_list_credential(
        url="https://elsewhere.example/list",
        issuer=f.ISSUER_DID,
        purpose="revocation",
        bitstring=Bitstring(),
        valid_from=f.NOW,
    )
    entry = StatusEntry(purpose="revocation", index=3, list_url=f.STATUS_URL)
    assert read_status(entry, credential).set is False


# --- no input escapes the error tree (Hypothesis) ---------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(st.one_of(st.text(max_size=200), st.binary(max_size=200).map(ls.encoded), _JSON))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_decoding_any_input_gives_a_bitstring_or_a_named_error(value: Any) -> None:
    try:
        bits = decode_legacy_list(value, min_bits=8)
    except StatusListError as exc:
        error = exc.details["error"]
    else:
        error = None
        assert len(bits) >= 8
    assert error is None or error in ERRORS


@given(st.binary(max_size=64))
@settings(max_examples=200, deadline=None)
def test_any_bytes_round_trip_or_are_too_short(raw: bytes) -> None:
    if not raw:
        with pytest.raises(StatusListError, match="at least 8") as info:
            decode_legacy_list(ls.encoded(raw), min_bits=8)
        assert info.value.details["error"] == "STATUS_LIST_LENGTH_ERROR"
        return
    assert decode_legacy_list(ls.encoded(raw), min_bits=8).to_bytes() == raw


@given(st.sampled_from([STATUS_LIST_2021, REVOCATION_LIST_2020]), _JSON)
@settings(max_examples=300, deadline=None)
def test_parsing_any_entry_gives_an_entry_or_a_named_problem(fmt: Any, value: Any) -> None:
    try:
        entry = parse_legacy_entry(fmt, value)
    except CredentialValidationError as exc:
        problems: tuple[Any, ...] = exc.problems
    else:
        problems = ()
        assert entry.index >= 0
    assert problems or isinstance(value, dict)


@given(
    st.sampled_from([STATUS_LIST_2021, REVOCATION_LIST_2020]),
    st.dictionaries(
        st.sampled_from(["type", "credentialSubject", "id"]),
        _JSON
        | st.fixed_dictionaries(
            {
                "type": st.sampled_from(["StatusList2021", "RevocationList2020"]),
                "statusPurpose": _JSON,
                "encodedList": _JSON,
            }
        ),
    ),
)
@settings(max_examples=300, deadline=None)
def test_reading_any_list_gives_a_reading_or_a_named_error(fmt: Any, value: Any) -> None:
    entry = StatusEntry(purpose="revocation", index=1, list_url=ls.SL_URL)
    try:
        read_legacy_status(fmt, entry, value, min_entries=8)
    except StatusListError as exc:
        error = exc.details["error"]
    else:
        error = None
    assert error is None or error in ERRORS


@given(
    st.one_of(
        _JSON,
        st.fixed_dictionaries(
            {"type": st.sampled_from(["StatusList2021Entry", "RevocationList2020Status"])},
            optional={
                "statusPurpose": _JSON,
                "statusListIndex": _JSON,
                "revocationListIndex": _JSON,
                "statusListCredential": st.just(ls.SL_URL) | _JSON,
                "revocationListCredential": st.just(ls.RL_URL) | _JSON,
            },
        ),
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_status_entry_gives_a_status_check_never_an_exception(entry: Any) -> None:
    lists = {ls.SL_URL: ls.status_list_2021(), ls.RL_URL: ls.revocation_list_2020()}
    credential = ls.v1_credential(entry)  # unsigned: the status check runs all the same

    result = verify(credential, lists)

    for check in result.checks_named("status"):
        assert check.outcome in (Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED)
        if check.outcome is Outcome.FAILED:
            assert check.details.get("error") in ERRORS or check.code == "revoked"
