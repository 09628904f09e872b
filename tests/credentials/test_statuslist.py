"""Bitstring Status List 1.0: encoding, hostile lists, allocation, entries and status reading."""

from __future__ import annotations

import base64
import contextlib
import gzip
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.errors import CredentialValidationError, InvalidInputError, StatusListError
from credentials.statuslist import (
    MIN_BITS,
    Bitstring,
    StatusEntry,
    allocate_random_index,
    build_status_list_credential,
    parse_status_entry,
    read_status,
    status_list_entry,
)

# W3C Bitstring Status List 1.0, §2.2 "Example BitstringStatusListCredential": the
# encodedList of an all-zero list of 131,072 bits (16 KB).
SPEC_ENCODED_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
SPEC_LIST_CREDENTIAL: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "id": "https://example.com/credentials/status/3",
    "type": ["VerifiableCredential", "BitstringStatusListCredential"],
    "issuer": "did:example:12345",
    "validFrom": "2021-04-05T14:27:40Z",
    "credentialSubject": {
        "id": "https://example.com/status/3#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": SPEC_ENCODED_LIST,
    },
}
# Same spec, §2.1 "Example StatusListCredential using simple entries".
SPEC_REVOCATION_ENTRY = {
    "id": "https://example.com/credentials/status/3#94567",
    "type": "BitstringStatusListEntry",
    "statusPurpose": "revocation",
    "statusListIndex": "94567",
    "statusListCredential": "https://example.com/credentials/status/3",
}

LIST_URL = "https://creds.example.com/status/1"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the bitstring --------------------------------------------------------------------------


def test_spec_example_encoded_list_decodes_to_16kb_of_zeros() -> None:
    bits = Bitstring.decode(SPEC_ENCODED_LIST)
    assert len(bits) == MIN_BITS
    assert bits.to_bytes() == bytes(16384)


def test_spec_example_entry_reads_unset() -> None:
    reading = read_status(parse_status_entry(SPEC_REVOCATION_ENTRY), SPEC_LIST_CREDENTIAL)
    assert (reading.purpose, reading.index, reading.value, reading.set) == (
        "revocation",
        94567,
        0,
        False,
    )
    assert reading.message == "unset"


def test_index_zero_is_the_most_significant_bit_of_byte_zero() -> None:
    bits = Bitstring()
    bits.set(0)
    assert bits.to_bytes()[:2] == b"\x80\x00"
    bits.clear(0)
    bits.set(7)
    assert bits.to_bytes()[:2] == b"\x01\x00"
    bits.set(8)
    assert bits.to_bytes()[:2] == b"\x01\x80"
    bits.set(MIN_BITS - 1)
    assert bits.to_bytes()[-1] == 0x01
    assert [bits.get(i) for i in (0, 6, 7, 8, 9)] == [False, False, True, True, False]


def test_set_false_and_clear_are_the_same() -> None:
    bits = Bitstring()
    bits.set(5)
    bits.set(5, False)
    assert not bits.get(5)
    assert bits.to_bytes() == bytes(MIN_BITS // 8)


def test_encode_decode_round_trip() -> None:
    bits = Bitstring(MIN_BITS * 2)
    for index in (0, 1, 94567, 131071, 131072, MIN_BITS * 2 - 1):
        bits.set(index)
    encoded = bits.encode()
    assert encoded.startswith("uH4sI")  # 'u' + base64url of the GZIP magic 1f 8b 08
    assert "=" not in encoded
    decoded = Bitstring.decode(encoded)
    assert decoded.to_bytes() == bits.to_bytes()
    assert len(decoded) == MIN_BITS * 2
    assert bits.encode() == encoded  # reproducible (no timestamp in the GZIP header)


def test_multi_bit_values() -> None:
    bits = Bitstring()
    bits.set_value(3, 2, status_size=2)  # entry 3 covers bits 6 and 7 → binary 10
    assert (bits.get(6), bits.get(7)) == (True, False)
    assert bits.get_value(3, status_size=2) == 2
    assert bits.get_value(6) == 1
    assert bits.get_value(7) == 0
    with pytest.raises(StatusListError):
        bits.set_value(3, 4, status_size=2)


@pytest.mark.parametrize("size", [0, MIN_BITS - 8, MIN_BITS + 1])
def test_bitstring_sizes_are_checked(size: int) -> None:
    with pytest.raises(StatusListError):
        Bitstring(size)


@pytest.mark.parametrize("index", [-1, MIN_BITS, True])
def test_out_of_range_bit_is_refused(index: int) -> None:
    with pytest.raises(StatusListError, match="outside"):
        Bitstring().get(index)


def test_multi_bit_read_past_the_end_is_refused() -> None:
    with pytest.raises(StatusListError, match="outside"):
        Bitstring().get_value(MIN_BITS // 2, status_size=2)


# --- hostile encoded lists ------------------------------------------------------------------


def test_too_short_list_is_refused() -> None:
    encoded = "u" + b64url(gzip.compress(bytes(1024), mtime=0))
    with pytest.raises(StatusListError, match="8192 bits") as info:
        Bitstring.decode(encoded)
    assert info.value.details["error"] == "STATUS_LIST_LENGTH_ERROR"
    assert len(Bitstring.decode(encoded, min_bits=8192)) == 8192


@pytest.mark.parametrize(
    ("encoded", "problem"),
    [
        ("", "non-empty"),
        ("z" + b64url(gzip.compress(bytes(16384), mtime=0)), "prefix 'u'"),
        ("H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA", "prefix 'u'"),
        ("u!!!!", "base64url"),
        ("u" + base64.b64encode(b"\x1f\x8b\xff\xfe\xfd\xfc").decode(), "base64url"),  # '+', '/'
        (SPEC_ENCODED_LIST + "=", "base64url"),  # padding is not allowed
        ("uA", "base64url"),  # a length no base64 string can have
        ("u" + b64url(b"not gzip at all"), "not GZIP"),
        ("u" + b64url(gzip.compress(bytes(16384), mtime=0)[:-12]), "truncated"),
        ("u" + b64url(b"\x1f\x8b" + b"garbage garbage"), "not valid GZIP"),
        ("u" + b64url(gzip.compress(bytes(16384), mtime=0) + b"trailing"), "after the GZIP"),
    ],
)
def test_malformed_encoded_list_is_refused(encoded: str, problem: str) -> None:
    with pytest.raises(StatusListError, match=problem):
        Bitstring.decode(encoded)


def test_gzip_bomb_is_refused_with_a_small_cap() -> None:
    bomb = "u" + b64url(gzip.compress(bytes(4 * 1024 * 1024)))
    assert len(bomb) < 10_000
    with pytest.raises(StatusListError, match="more than 1048576 bytes"):
        Bitstring.decode(bomb, max_bytes=1024 * 1024)


def test_gzip_bomb_is_refused_by_the_default_cap() -> None:
    bomb = "u" + b64url(gzip.compress(bytes(17 * 1024 * 1024)))
    with pytest.raises(StatusListError, match="more than 16777216 bytes"):
        Bitstring.decode(bomb)


# --- allocation -----------------------------------------------------------------------------


def test_random_allocation_fills_the_list_without_duplicates() -> None:
    taken: set[int] = set()
    rng = random.Random(1234)  # noqa: S311 - reproducible test, not security
    for _ in range(256):
        index = allocate_random_index(taken.__contains__, size_bits=256, rng=rng)
        assert 0 <= index < 256
        assert index not in taken
        taken.add(index)
    assert taken == set(range(256))
    with pytest.raises(StatusListError, match="full"):
        allocate_random_index(taken.__contains__, size_bits=256, rng=rng)


def test_allocation_is_spread_over_the_list() -> None:
    taken: set[int] = set()
    for _ in range(50):
        taken.add(allocate_random_index(taken.__contains__, size_bits=MIN_BITS))
    # Sequential allocation would give 0..49; random picks land all over the list.
    assert max(taken) > 10_000
    assert len(taken) == 50


def test_nearly_full_list_falls_back_to_a_scan() -> None:
    free = 77_777
    calls: list[int] = []

    def is_taken(index: int) -> bool:
        calls.append(index)
        return index != free

    assert allocate_random_index(is_taken, size_bits=MIN_BITS, attempts=3) == free
    assert len(calls) > 3


def test_allocation_size_is_checked() -> None:
    with pytest.raises(StatusListError):
        allocate_random_index(lambda _: False, size_bits=0)


# --- entries --------------------------------------------------------------------------------


def test_status_list_entry_shape_and_round_trip() -> None:
    entry = status_list_entry(list_url=LIST_URL, index=94567, purpose="revocation")
    assert entry == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    assert parse_status_entry(entry) == StatusEntry(
        purpose="revocation", index=94567, list_url=LIST_URL, id=f"{LIST_URL}#94567"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"list_url": LIST_URL, "index": -1, "purpose": "revocation"}, "index"),
        ({"list_url": LIST_URL, "index": 1, "purpose": "expiry"}, "purpose"),
    ],
)
def test_status_list_entry_refuses_bad_arguments(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        status_list_entry(**kwargs)
    assert info.value.field == field


def _entry(**changes: Any) -> dict[str, Any]:
    entry = dict(SPEC_REVOCATION_ENTRY)
    entry.update(changes)
    return {key: value for key, value in entry.items() if value is not None}


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (_entry(statusListIndex="+5"), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex="-1"), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex="1.0"), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex=" 5"), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex=""), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex="٣"), "credentialStatus.statusListIndex"),  # Arabic-Indic 3
        (_entry(statusListIndex="9" * 21), "credentialStatus.statusListIndex"),
        (_entry(statusListIndex=5), "credentialStatus.statusListIndex"),
        (_entry(type="StatusList2021Entry"), "credentialStatus.type"),
        (_entry(statusPurpose="expiry"), "credentialStatus.statusPurpose"),
        (_entry(statusPurpose=None), "credentialStatus.statusPurpose"),
        (_entry(statusPurpose=["revocation"]), "credentialStatus.statusPurpose"),
        (
            _entry(statusListCredential="https://[::1/status"),
            "credentialStatus.statusListCredential",
        ),
        (_entry(statusListCredential="not a url"), "credentialStatus.statusListCredential"),
        (_entry(statusListCredential="ftp://x.example/1"), "credentialStatus.statusListCredential"),
        (_entry(statusSize=0), "credentialStatus.statusSize"),
        (_entry(statusSize=True), "credentialStatus.statusSize"),
        (_entry(statusSize=2), "credentialStatus.statusMessage"),
        (
            _entry(statusSize=1, statusMessage=[{"status": "0x0", "message": "ok"}]),
            "credentialStatus.statusMessage",
        ),
        (_entry(id="https://example.com/credentials/status/3"), "credentialStatus.id"),
        (_entry(id=7), "credentialStatus.id"),
    ],
)
def test_malformed_entries_name_the_field(entry: dict[str, Any], field: str) -> None:
    with pytest.raises(CredentialValidationError) as info:
        parse_status_entry(entry)
    assert info.value.field == field
    assert [p.field for p in info.value.problems] == [field]


def test_entry_that_is_not_an_object() -> None:
    with pytest.raises(CredentialValidationError) as info:
        parse_status_entry(["not", "an", "object"], field="credentialStatus[1]")
    assert info.value.field == "credentialStatus[1]"


def test_every_problem_is_reported() -> None:
    with pytest.raises(CredentialValidationError) as info:
        parse_status_entry({"type": "BitstringStatusListEntry"})
    assert {p.field for p in info.value.problems} == {
        "credentialStatus.statusPurpose",
        "credentialStatus.statusListIndex",
        "credentialStatus.statusListCredential",
    }


def test_entry_id_is_optional_and_leading_zeros_are_decimal() -> None:
    entry = parse_status_entry(_entry(id=None, statusListIndex="007"))
    assert entry.id is None
    assert entry.index == 7


# --- the status list credential -------------------------------------------------------------


def _list_credential(bits: Bitstring, *, purpose: str = "revocation") -> dict[str, Any]:
    return build_status_list_credential(
        url=LIST_URL,
        issuer="did:web:creds.example.com:issuers:acme",
        purpose=purpose,
        bitstring=bits,
        valid_from=datetime(2026, 1, 31, 9, 30, 15, 123456, tzinfo=UTC),
    )


def test_build_status_list_credential_shape() -> None:
    bits = Bitstring()
    bits.set(42)
    credential = build_status_list_credential(
        url=LIST_URL,
        issuer={"id": "did:web:creds.example.com", "name": "Acme"},
        purpose="suspension",
        bitstring=bits,
        valid_from=datetime(2026, 1, 31, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        valid_until=datetime(2026, 2, 1, tzinfo=UTC),
    )
    encoded = credential["credentialSubject"].pop("encodedList")
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": "did:web:creds.example.com", "name": "Acme"},
        "validFrom": "2026-01-31T09:30:00Z",
        "validUntil": "2026-02-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
        },
    }
    assert Bitstring.decode(encoded).to_bytes() == bits.to_bytes()


def test_build_refuses_naive_datetimes_and_unknown_purposes() -> None:
    with pytest.raises(InvalidInputError):
        build_status_list_credential(
            url=LIST_URL,
            issuer="did:example:1",
            purpose="revocation",
            bitstring=Bitstring(),
            valid_from=datetime(2026, 1, 1),
        )
    with pytest.raises(InvalidInputError):
        _list_credential(Bitstring(), purpose="expiry")


def test_read_status_of_a_revoked_entry() -> None:
    bits = Bitstring()
    bits.set(94567)
    credential = _list_credential(bits)
    assert credential["validFrom"] == "2026-01-31T09:30:15Z"
    revoked = parse_status_entry(
        status_list_entry(list_url=LIST_URL, index=94567, purpose="revocation")
    )
    other = parse_status_entry(
        status_list_entry(list_url=LIST_URL, index=94568, purpose="revocation")
    )
    assert read_status(revoked, credential).set is True
    assert read_status(revoked, credential).value == 1
    assert read_status(other, credential).set is False


def test_reading_follows_each_new_version_of_a_list() -> None:
    # Decoded lists are remembered by their encoded text, so a re-published list (a bit
    # set, then cleared) is read afresh every time and never answered from an older one.
    entry = parse_status_entry(status_list_entry(list_url=LIST_URL, index=77, purpose="revocation"))
    bits = Bitstring()
    assert read_status(entry, _list_credential(bits)).set is False
    bits.set(77)
    assert read_status(entry, _list_credential(bits)).set is True
    bits.clear(77)
    assert read_status(entry, _list_credential(bits)).set is False


def test_a_broken_list_keeps_failing() -> None:
    credential = _list_credential(Bitstring())
    credential["credentialSubject"]["encodedList"] = "uH4sIAAAA"  # truncated GZIP
    entry = parse_status_entry(status_list_entry(list_url=LIST_URL, index=1, purpose="revocation"))
    for _ in range(2):  # a failure is never cached as a reading
        with pytest.raises(StatusListError):
            read_status(entry, credential)


def test_purpose_mismatch_is_an_error() -> None:
    credential = _list_credential(Bitstring(), purpose="suspension")
    entry = parse_status_entry(status_list_entry(list_url=LIST_URL, index=1, purpose="revocation"))
    with pytest.raises(StatusListError, match="does not match") as info:
        read_status(entry, credential)
    assert info.value.field == "credentialSubject.statusPurpose"
    assert info.value.details["error"] == "STATUS_VERIFICATION_ERROR"


def test_list_with_several_purposes() -> None:
    credential = _list_credential(Bitstring())
    credential["credentialSubject"]["statusPurpose"] = ["suspension", "revocation"]
    entry = parse_status_entry(status_list_entry(list_url=LIST_URL, index=1, purpose="revocation"))
    assert read_status(entry, credential).set is False


def test_out_of_range_index_is_an_error() -> None:
    credential = _list_credential(Bitstring())
    entry = StatusEntry(purpose="revocation", index=MIN_BITS, list_url=LIST_URL)
    with pytest.raises(StatusListError, match="outside") as info:
        read_status(entry, credential)
    assert info.value.field == "credentialStatus.statusListIndex"
    assert info.value.details["error"] == "RANGE_ERROR"


def test_short_list_in_credential_is_an_error() -> None:
    credential = _list_credential(Bitstring())
    credential["credentialSubject"]["encodedList"] = "u" + b64url(gzip.compress(bytes(100)))
    entry = StatusEntry(purpose="revocation", index=1, list_url=LIST_URL)
    with pytest.raises(StatusListError, match="at least") as info:
        read_status(entry, credential)
    assert info.value.field == "credentialSubject.encodedList"
    assert info.value.details["error"] == "STATUS_LIST_LENGTH_ERROR"


def test_status_size_two_needs_twice_the_bits() -> None:
    credential = _list_credential(Bitstring())  # 131,072 bits = only 65,536 two-bit entries
    entry = StatusEntry(purpose="revocation", index=1, list_url=LIST_URL, status_size=2)
    with pytest.raises(StatusListError, match="at least 262144"):
        read_status(entry, credential)


def test_message_purpose_with_two_bit_entries() -> None:
    bits = Bitstring(MIN_BITS * 8)  # entry 492847 of 2 bits sits at bit 985694
    bits.set_value(492847, 2, status_size=2)
    credential = _list_credential(bits, purpose="message")
    # §2.1 "Example StatusListCredential using more complex entries" (messages completed).
    raw_entry = {
        "id": "https://example.com/credentials/status/8#492847",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "492847",
        "statusSize": 2,
        "statusListCredential": LIST_URL,
        "statusMessage": [
            {"status": "0x0", "message": "pending_review"},
            {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"},
            {"status": "0x3", "message": "undefined"},
        ],
    }
    reading = read_status(parse_status_entry(raw_entry), credential)
    assert (reading.value, reading.set, reading.message) == (2, True, "rejected")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c.update(type=["VerifiableCredential"]), "type"),
        (lambda c: c.pop("type"), "type"),
        # v-status: a list whose id is not its URL is read (§3.2 does not ask them to match;
        # tests/credentials/test_legacy_status.py)
        (lambda c: c["credentialSubject"].update(type="StatusList2021"), "credentialSubject"),
        (lambda c: c.update(credentialSubject="nope"), "credentialSubject"),
        (lambda c: c["credentialSubject"].pop("statusPurpose"), "credentialSubject.statusPurpose"),
        (lambda c: c["credentialSubject"].update(encodedList=5), "credentialSubject.encodedList"),
        (
            lambda c: c["credentialSubject"].update(encodedList="zNotBase64url"),
            "credentialSubject.encodedList",
        ),
    ],
)
def test_inconsistent_list_credentials_are_refused(mutate: Any, field: str) -> None:
    credential = _list_credential(Bitstring())
    mutate(credential)
    entry = StatusEntry(purpose="revocation", index=1, list_url=LIST_URL)
    with pytest.raises(StatusListError) as info:
        read_status(entry, credential)
    assert info.value.field == field


# --- no input escapes the error tree --------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
_ENTRY_KEYS = st.sampled_from(
    ["type", "statusPurpose", "statusListIndex", "statusListCredential", "statusSize", "id"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_ENTRY_KEYS, _JSON) | _JSON)
def test_parse_status_entry_only_raises_validation_errors(entry: object) -> None:
    with contextlib.suppress(CredentialValidationError):
        parse_status_entry(entry)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80) | st.binary(max_size=60).map(lambda b: "u" + b64url(b)))
def test_decode_only_raises_status_list_errors(encoded: str) -> None:
    with contextlib.suppress(StatusListError):
        Bitstring.decode(encoded, min_bits=0)


@settings(max_examples=200, deadline=None)
@given(_JSON, _JSON)
def test_read_status_only_raises_status_list_errors(subject: Any, purpose: Any) -> None:
    credential = _list_credential(Bitstring())
    credential["credentialSubject"] = subject
    entry = StatusEntry(purpose="revocation", index=1, list_url=LIST_URL)
    for candidate in (credential, {**credential, "credentialSubject": {"statusPurpose": purpose}}):
        with contextlib.suppress(StatusListError):
            read_status(entry, candidate)
