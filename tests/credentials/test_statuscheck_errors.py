"""A failed status check names its Bitstring Status List processing error (§3.5, and the
VC Data Model 2.0 types its §3 algorithms raise) in ``details["error"]``: retrieval,
verification, list length, range, malformed value."""

from __future__ import annotations

import base64
import copy
import gzip
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from credentials.did import DidKeyResolver
from credentials.errors import ResolutionError, VerificationTimeoutError
from credentials.proofs import add_proof
from credentials.resolvers import CompositeDidResolver, StaticStatusLists
from credentials.results import Check, Outcome
from credentials.statuslist import status_list_entry
from credentials.verify import Verifier
from tests.credentials import factories as f

RETRIEVAL = "STATUS_RETRIEVAL_ERROR"
VERIFICATION = "STATUS_VERIFICATION_ERROR"


class Raising:
    """A status list fetcher that fails the way it is told."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def fetch(self, url: str) -> Mapping[str, Any]:
        raise self.error


def revocation_check(fetcher: Any, credential: dict[str, Any] | None = None) -> Check:
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=fetcher,
        clock=lambda: f.NOW,
    )
    result = verifier.verify(credential or f.signed())
    return result.checks_named("status")[0]


def lists(revocation: dict[str, Any]) -> StaticStatusLists:
    suspension = f.status_list(f.SUSPENSION_URL, purpose="suspension")
    return StaticStatusLists({f.STATUS_URL: revocation, f.SUSPENSION_URL: suspension})


def resigned(status_list: dict[str, Any], **subject: Any) -> dict[str, Any]:
    unsigned = copy.deepcopy(status_list)
    del unsigned["proof"]
    unsigned["credentialSubject"].update(subject)
    return add_proof(
        unsigned, f.ISSUER_KEY, verification_method=f.ISSUER_VM, created=f.NOW - timedelta(days=1)
    )


def encoded(bits: int) -> str:
    raw = gzip.compress(bytes(bits // 8))
    return "u" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def error_of(check: Check) -> tuple[str, str, str]:
    assert check.outcome is Outcome.FAILED, check
    return check.code, check.details["error"], check.message


@pytest.mark.parametrize(
    "error",
    [ResolutionError("https://creds.example/… answered HTTP 404"), ResolutionError("refused")],
)
def test_a_list_that_cannot_be_dereferenced_is_a_retrieval_error(error: Exception) -> None:
    code, name, _ = error_of(revocation_check(Raising(error)))
    assert (code, name) == ("status_unverifiable", RETRIEVAL)


def test_running_out_of_time_while_fetching_the_list_is_a_retrieval_error() -> None:
    code, name, _ = error_of(revocation_check(Raising(VerificationTimeoutError("too slow"))))
    assert (code, name) == ("timeout", RETRIEVAL)


def test_a_list_whose_proof_does_not_verify_is_a_verification_error() -> None:
    forged = f.status_list(key=f.OTHER_KEY)  # signed with a key the issuer does not list
    code, name, message = error_of(revocation_check(lists(forged)))
    assert (code, name) == ("status_unverifiable", VERIFICATION)
    assert "proof" in message


def test_a_list_for_another_purpose_is_a_verification_error() -> None:
    code, name, _ = error_of(revocation_check(lists(f.status_list(purpose="suspension"))))
    assert (code, name) == ("status_unverifiable", VERIFICATION)


def test_a_stale_list_is_a_verification_error() -> None:
    stale = f.status_list(valid_until=f.NOW - timedelta(hours=1))
    assert error_of(revocation_check(lists(stale)))[1] == VERIFICATION


def test_a_list_too_short_for_herd_privacy_is_read_with_a_list_length_warning() -> None:
    # The length protects the holder's privacy; it says nothing about authenticity or
    # currency, so the bit is read and the answer stands (issue 15: never call a genuine
    # credential broken), with STATUS_LIST_LENGTH_ERROR named as a warning.
    # 100,000 entries: short of 131,072, long enough for the index 94,567.
    short = resigned(f.status_list(), encodedList=encoded(100_000))
    check = revocation_check(lists(short))
    assert check.outcome is Outcome.PASSED
    assert (check.details["warning"], check.details["error"]) == (
        "status.list_short",
        "STATUS_LIST_LENGTH_ERROR",
    )


def test_an_index_outside_the_list_is_a_range_error() -> None:
    credential = f.credential()
    credential["credentialStatus"][0] = status_list_entry(
        list_url=f.STATUS_URL, index=131_072 + 5, purpose="revocation"
    )
    code, name, _ = error_of(revocation_check(lists(f.status_list()), f.signed(credential)))
    assert (code, name) == ("status_unverifiable", "RANGE_ERROR")


def test_an_undecodable_encoded_list_is_a_malformed_value() -> None:
    garbled = resigned(f.status_list(), encodedList="u!!not-base64url")
    code, name, _ = error_of(revocation_check(lists(garbled)))
    assert (code, name) == ("status_unverifiable", "MALFORMED_VALUE_ERROR")


def test_a_malformed_entry_is_a_malformed_value_and_an_unknown_type_a_verification_error() -> None:
    credential = f.credential()
    credential["credentialStatus"] = [
        {**credential["credentialStatus"][0], "statusListIndex": "-1"},
        # v-status: StatusList2021Entry is supported now; a made-up type still is not
        {"id": "https://creds.example/status#1", "type": "StatusList2099Entry"},
    ]
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=lists(f.status_list()),
        clock=lambda: f.NOW,
    )
    malformed, unknown = verifier.verify(credential).checks_named("status")

    assert error_of(malformed)[:2] == ("malformed_status", "MALFORMED_VALUE_ERROR")
    assert error_of(unknown)[:2] == ("unsupported_status", VERIFICATION)
