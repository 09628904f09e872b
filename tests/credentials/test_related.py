"""relatedResource (VC Data Model 2.0 §5.3): shape, uniqueness, digest formats, and the
comparison of a resource's bytes with its digests. Values from the W3C VC 2.0 test suite
(tests/fixtures.js relatedResource, 5-advanced-concepts.js)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from credentials.related import claimed_digests, digest_problem, digests_match
from credentials.validation import validate_credential
from tests.credentials import factories as f

URL = "https://www.w3.org/ns/credentials/v2"
SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"
MULTIBASE = "uJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"
WRONG_SRI = "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"


def fields(related: Any) -> list[str]:
    return [p.field for p in validate_credential(f.credential(relatedResource=related))]


@pytest.mark.parametrize(
    "related",
    [
        {"id": URL, "digestSRI": SRI},
        {"id": URL, "digestMultibase": MULTIBASE},
        [{"id": URL, "mediaType": "application/ld+json", "digestSRI": SRI}],
    ],
)
def test_well_formed_related_resources_pass(related: Any) -> None:
    assert fields(related) == []


@pytest.mark.parametrize(
    ("related", "field"),
    [
        ([URL], "relatedResource[0]"),
        ([{"digestMultibase": MULTIBASE}], "relatedResource[0].id"),
        (
            [{"id": URL, "digestSRI": SRI}, {"id": URL, "digestMultibase": MULTIBASE}],
            "relatedResource[1].id",
        ),
        ([{"id": URL}], "relatedResource[0]"),
        # base64url characters in an SRI expression (suite's "wrong digestSRI")
        (
            [
                {
                    "id": URL,
                    "digestSRI": WRONG_SRI,
                }
            ],
            "relatedResource[0].digestSRI",
        ),
        (
            [{"id": URL, "digestSRI": "md5-1B2M2Y8AsgTpgAmY7PhCfg=="}],
            "relatedResource[0].digestSRI",
        ),
        ([{"id": URL, "digestMultibase": "uAAAA"}], "relatedResource[0].digestMultibase"),
        (
            [{"id": URL, "digestMultibase": "mJKGMkOmFbVJhEfKTduMC2XCyvRAYLjOVmZWwIH1wQ7k"}],
            "relatedResource[0].digestMultibase",
        ),
    ],
)
def test_malformed_related_resources_are_named(related: Any, field: str) -> None:
    assert field in fields(related)


def test_digests_are_compared_with_the_resource_bytes() -> None:
    content = b'{"@context": {}}\n'
    sha256 = hashlib.sha256(content).digest()
    sri = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
    bare = "u" + base64.urlsafe_b64encode(sha256).decode().rstrip("=")
    multihash = "u" + base64.urlsafe_b64encode(b"\x12\x20" + sha256).decode().rstrip("=")
    for entry in ({"digestSRI": sri}, {"digestMultibase": bare}, {"digestMultibase": multihash}):
        assert digest_problem({"id": URL, **entry}) is None
        assert digests_match(entry, content)
        assert not digests_match(entry, content + b" ")
    # every digest given must match, not just one of them
    assert not digests_match({"digestSRI": sri, "digestMultibase": MULTIBASE}, content)


def test_digest_multibase_may_be_a_list_and_each_is_compared() -> None:
    # VC Data Integrity §2.6: "a single string value, or a list of string values".
    content = b"resource"
    sha256 = hashlib.sha256(content).digest()
    sha384 = hashlib.sha384(content).digest()
    good = [
        "u" + base64.urlsafe_b64encode(b"\x12\x20" + sha256).decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(b"\x20\x30" + sha384).decode().rstrip("="),
    ]
    entry = {"id": URL, "digestMultibase": good}
    assert digest_problem(entry) is None
    assert [(d.field, d.algorithm) for d in claimed_digests(entry)] == [
        ("digestMultibase[0]", "sha256"),
        ("digestMultibase[1]", "sha384"),
    ]
    assert digests_match(entry, content)
    assert not digests_match({"digestMultibase": [good[0], MULTIBASE]}, content)


@pytest.mark.parametrize("value", [[], [MULTIBASE, "uAAAA"], [MULTIBASE, 7]])
def test_a_digest_multibase_list_with_a_bad_member_is_named(value: Any) -> None:
    assert "relatedResource[0].digestMultibase" in fields([{"id": URL, "digestMultibase": value}])


@pytest.mark.parametrize(
    ("media_type", "ok"),
    [
        ("application/ld+json", True),
        ("text/html; charset=utf-8", True),
        ("image/png\r\nX-Injected: 1", False),  # it becomes an Accept header when fetched
        ("image/png\n", False),
        ("png", False),
        (7, False),
    ],
)
def test_media_type_must_be_a_media_type(media_type: Any, ok: bool) -> None:
    problems = fields([{"id": URL, "digestSRI": SRI, "mediaType": media_type}])
    assert ("relatedResource[0].mediaType" not in problems) is ok
