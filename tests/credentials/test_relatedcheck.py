"""relatedResource digests compared with the resource (VC Data Model 2.0 §5.3): bundled
contexts offline (their bundled bytes or a pinned published revision), anything else
through a ``ResourceFetcher``; mismatches and unretrievable resources fail, comparisons are
cached under the URL, media type and digests."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from typing import Any

import pytest

from credentials.did import DidKeyResolver
from credentials.errors import ResolutionError, VerificationTimeoutError
from credentials.local_resources import PUBLISHED_REVISIONS, candidates
from credentials.relatedcheck import RelatedResourceChecker
from credentials.resolvers import CompositeDidResolver
from credentials.results import Outcome, Verdict
from credentials.verify import Verifier
from tests.credentials import factories as f

V2 = "https://www.w3.org/ns/credentials/v2"
# W3C vc-data-model-2.0-test-suite, tests/fixtures.js (relatedResource) and
# tests/5-advanced-concepts.js ("If the digest provided by the issuer does not match…").
SUITE_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
SUITE_MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
SUITE_WRONG_MULTIBASE = "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"
# VC Data Model 2.0 (Recommendation, 2025-05-15) §B.1: SHA-256 of the base context.
REC_SHA256 = bytes.fromhex("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734")

RESOURCE = "https://files.example/portfolio/report.pdf"
CONTENT = b"%PDF-1.7 a gig project's report"


def sri(content: bytes, algorithm: str = "sha384") -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, content).digest()).decode()


def multihash(digest: bytes, code: bytes = b"\x12\x20") -> str:
    return "u" + base64.urlsafe_b64encode(code + digest).decode().rstrip("=")


def with_related(*entries: dict[str, Any]) -> dict[str, Any]:
    return f.credential(relatedResource=list(entries))


class Fetcher:
    """A ``ResourceFetcher`` over bytes in hand, counting requests."""

    def __init__(self, resources: dict[str, bytes] | None = None) -> None:
        self.resources = dict(resources or {})
        self.requests: list[tuple[str, str | None]] = []
        self.error: Exception | None = None

    def fetch_resource(self, url: str, *, media_type: str | None = None) -> bytes:
        self.requests.append((url, media_type))
        if self.error is not None:
            raise self.error
        try:
            return self.resources[url]
        except KeyError:
            raise ResolutionError(f"{url} answered HTTP 404") from None


def only(checker: RelatedResourceChecker, credential: dict[str, Any]) -> Any:
    (check,) = checker.check(credential)
    assert check.name == "relatedResource"
    return check


# --- bundled contexts: never fetched --------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [{"digestSRI": SUITE_SRI}, {"digestMultibase": SUITE_MULTIBASE}],
    ids=["digestSRI", "digestMultibase"],
)
def test_the_suites_valid_digests_match_the_2024_revision_of_the_base_context(
    entry: dict[str, Any],
) -> None:
    fetcher = Fetcher()

    check = only(RelatedResourceChecker(fetcher=fetcher), with_related({"id": V2, **entry}))

    assert check.outcome is Outcome.PASSED, check.message
    assert "2024-07-20" in check.details["matched"]
    assert fetcher.requests == []  # a bundled context is never fetched


def test_the_bundled_bytes_and_the_recommendations_digest_match() -> None:
    bundled = (resources.files("credentials") / "contexts" / "credentials-v2.jsonld").read_bytes()
    checker = RelatedResourceChecker()

    mine = only(checker, with_related({"id": V2, "digestSRI": sri(bundled, "sha512")}))
    rec = only(checker, with_related({"id": V2, "digestMultibase": multihash(REC_SHA256)}))

    assert mine.outcome is Outcome.PASSED
    assert mine.details["matched"].startswith("the bundled")
    assert rec.outcome is Outcome.PASSED
    assert "2025-05-15" in rec.details["matched"]


def test_a_wrong_digest_of_a_bundled_context_fails_naming_the_field() -> None:
    credential = with_related(
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "digestSRI": SUITE_SRI,
        },
        {"id": V2, "digestMultibase": SUITE_WRONG_MULTIBASE},
    )

    first, second = RelatedResourceChecker().check(credential)

    assert (first.outcome, first.code) == (Outcome.FAILED, "digest_mismatch")
    assert first.details["field"] == "relatedResource[0].digestSRI"
    assert (second.outcome, second.code) == (Outcome.FAILED, "digest_mismatch")
    assert second.details["field"] == "relatedResource[1].digestMultibase"
    assert second.message.startswith("relatedResource[1].digestMultibase: does not match")


def test_digests_of_two_different_revisions_do_not_make_a_match() -> None:
    # Each digest names a genuine revision, but no one revision has both.
    entry = {"id": V2, "digestSRI": SUITE_SRI, "digestMultibase": multihash(REC_SHA256)}

    check = only(RelatedResourceChecker(), with_related(entry))

    assert (check.outcome, check.code) == (Outcome.FAILED, "digest_mismatch")
    assert "different revisions" in check.message


def test_pinned_revisions_are_only_for_bundled_urls_and_carry_every_algorithm() -> None:
    for url, revisions in PUBLISHED_REVISIONS.items():
        assert candidates(url)[1:]
        assert len(candidates(url)) == 1 + len(revisions)
        for revision in revisions:
            assert {len(d) for d in revision.digests().values()} == {32, 48, 64}
    assert candidates(RESOURCE) == ()


# --- anything else: retrieved through the fetcher -------------------------------------------


def test_a_retrieved_resource_matching_every_digest_passes() -> None:
    fetcher = Fetcher({RESOURCE: CONTENT})
    entry = {
        "id": RESOURCE,
        "mediaType": "application/pdf",
        "digestSRI": sri(CONTENT),
        "digestMultibase": [multihash(hashlib.sha256(CONTENT).digest())],
    }

    check = only(RelatedResourceChecker(fetcher=fetcher), with_related(entry))

    assert check.outcome is Outcome.PASSED, check.message
    assert check.details["source"] == "retrieved"
    assert fetcher.requests == [(RESOURCE, "application/pdf")]


def test_a_retrieved_resource_that_changed_fails_naming_the_digest() -> None:
    fetcher = Fetcher({RESOURCE: CONTENT + b" (edited)"})
    entry = {"id": RESOURCE, "digestMultibase": [multihash(hashlib.sha256(CONTENT).digest())]}

    check = only(RelatedResourceChecker(fetcher=fetcher), with_related(entry))

    assert (check.outcome, check.code) == (Outcome.FAILED, "digest_mismatch")
    assert check.details["field"] == "relatedResource[0].digestMultibase[0]"


def test_an_unretrievable_resource_fails_closed() -> None:
    check = only(
        RelatedResourceChecker(fetcher=Fetcher()),
        with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)}),
    )

    assert (check.outcome, check.code) == (Outcome.FAILED, "resource_unavailable")
    assert "HTTP 404" in check.message
    assert check.details["field"] == "relatedResource[0]"


def test_running_out_of_time_is_a_timeout() -> None:
    fetcher = Fetcher()
    fetcher.error = VerificationTimeoutError("could not check in time: the budget ran out")

    check = only(
        RelatedResourceChecker(fetcher=fetcher),
        with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)}),
    )

    assert (check.outcome, check.code) == (Outcome.FAILED, "timeout")


def test_without_a_fetcher_a_remote_resource_is_not_checked() -> None:
    check = only(
        RelatedResourceChecker(), with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)})
    )

    assert (check.outcome, check.code) == (Outcome.SKIPPED, "not_checked")


def test_a_malformed_entry_is_left_to_the_structure_check() -> None:
    checks = RelatedResourceChecker(fetcher=Fetcher()).check(
        f.credential(relatedResource=[RESOURCE, {"id": RESOURCE, "digestSRI": "md5-AAAA"}])
    )

    assert [(c.outcome, c.code) for c in checks] == [(Outcome.SKIPPED, "malformed")] * 2


def test_one_credential_makes_only_a_few_requests() -> None:
    # One verification request must not turn the verifier into a fan-out of GETs.
    urls = [f"https://host{i}.example/r" for i in range(4)]
    fetcher = Fetcher(dict.fromkeys(urls, CONTENT))
    credential = with_related(*({"id": url, "digestSRI": sri(CONTENT)} for url in urls))

    checks = RelatedResourceChecker(fetcher=fetcher, max_fetches=2).check(credential)

    assert [c.code for c in checks] == ["ok", "ok", "too_many_resources", "too_many_resources"]
    assert checks[2].outcome is Outcome.FAILED
    assert len(fetcher.requests) == 2


def test_no_related_resource_no_check() -> None:
    assert RelatedResourceChecker().check(f.credential()) == []


# --- the cache: URL, media type and digests decide -------------------------------------------


def test_a_comparison_is_remembered_for_the_same_url_and_digest() -> None:
    fetcher = Fetcher({RESOURCE: CONTENT})
    checker = RelatedResourceChecker(fetcher=fetcher)
    credential = with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)})

    assert only(checker, credential).outcome is Outcome.PASSED
    assert only(checker, credential).outcome is Outcome.PASSED
    assert len(fetcher.requests) == 1


def test_a_wrong_digest_does_not_poison_the_right_one() -> None:
    # An attacker's credential names the genuine URL with a wrong digest first.
    fetcher = Fetcher({RESOURCE: CONTENT})
    checker = RelatedResourceChecker(fetcher=fetcher)
    forged = with_related({"id": RESOURCE, "digestSRI": sri(b"something else")})
    genuine = with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)})

    assert only(checker, forged).code == "digest_mismatch"
    assert only(checker, genuine).outcome is Outcome.PASSED
    # Another media type is another request (the server may answer it differently).
    typed = with_related({"id": RESOURCE, "digestSRI": sri(CONTENT), "mediaType": "text/plain"})
    assert only(checker, typed).outcome is Outcome.PASSED
    assert len(fetcher.requests) == 3


def test_a_failure_to_retrieve_is_not_remembered() -> None:
    fetcher = Fetcher()
    checker = RelatedResourceChecker(fetcher=fetcher)
    credential = with_related({"id": RESOURCE, "digestSRI": sri(CONTENT)})

    assert only(checker, credential).code == "resource_unavailable"
    fetcher.resources[RESOURCE] = CONTENT
    assert only(checker, credential).outcome is Outcome.PASSED


# --- issuance: what may not be signed ---------------------------------------------------------


def test_issuance_problems_name_the_field_and_refuse_what_was_not_compared() -> None:
    credential = with_related(
        {"id": V2, "digestMultibase": SUITE_WRONG_MULTIBASE},
        {"id": RESOURCE, "digestSRI": sri(CONTENT)},
        {"id": V2.replace("v2", "v1"), "digestSRI": SUITE_SRI},  # not bundled: retrieved
    )

    problems = RelatedResourceChecker().problems(credential)

    assert [p.field for p in problems] == [
        "relatedResource[0].digestMultibase",
        "relatedResource[1]",
        "relatedResource[2]",
    ]
    assert RelatedResourceChecker().problems(with_related({"id": V2, "digestSRI": SUITE_SRI})) == []


# --- in the verification ----------------------------------------------------------------------


def test_verification_fails_on_a_signed_credential_with_a_wrong_digest() -> None:
    fetcher = Fetcher({RESOURCE: CONTENT})
    good = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        clock=lambda: f.NOW,
        resource_fetcher=fetcher,
    )
    unchanged = f.signed(
        with_related(
            {"id": V2, "digestSRI": SUITE_SRI}, {"id": RESOURCE, "digestSRI": sri(CONTENT)}
        )
    )
    swapped = f.signed(with_related({"id": RESOURCE, "digestSRI": sri(b"the original report")}))

    passed = good.verify(unchanged)
    failed = good.verify(swapped)

    assert [c.outcome for c in passed.checks_named("relatedResource")] == [Outcome.PASSED] * 2
    assert passed.checks[-2:] == passed.checks_named("relatedResource")  # after status
    assert not failed.verified
    assert failed.verdict is Verdict.INVALID
    assert [c.code for c in failed.failures] == ["digest_mismatch"]
