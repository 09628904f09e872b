"""The DCC verifier-core fixtures (tests/fixtures/dcc-verifier-core) and the web they need:
their did:web documents and status lists, served at their real URLs by a FixtureWeb."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.verifier.servers import FixtureWeb, fixture_web

FIXTURES = Path(__file__).parents[1] / "fixtures"
DCC = FIXTURES / "dcc-verifier-core"
HOSTS = ["raw.githubusercontent.com", "digitalcredentials.github.io"]
STATUS_URL = (
    "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/"
    "src/test-fixtures/status/e5WK8CbZ1GjycuPombrj"
)
DID_WEB = {
    "https://digitalcredentials.github.io/dcc-did-web/did.json": "dcc-did-web.did.json",
    "https://digitalcredentials.github.io/dcc-did-web/multikey/did.json": (
        "dcc-did-web-multikey.did.json"
    ),
}
#: The DCC's status lists hold 100,000 entries (below Bitstring Status List's 131,072).
DCC_MIN_ENTRIES = 100_000

W_SUBJECT = "ob3.subject_without_identifier"
REVOKED = "status.revoked"
EXPIRED = "validity.expired"

#: fixture -> (verdict, error finding codes, warning codes), with the floor at 100,000.
EXPECTED: dict[str, tuple[str, set[str], set[str]]] = {
    "v1NoStatus": ("valid", set(), {W_SUBJECT}),
    "v1SimpleIssuerId": ("valid", set(), {W_SUBJECT}),
    "v1WithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v1OBv3SpecExample": ("valid", set(), set()),
    "v2NoStatus": ("valid", set(), set()),
    "v2SimpleIssuerId": ("valid", set(), set()),
    "v2OBv3SpecExample": ("valid", set(), set()),
    "v2WithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v2EddsaWithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v2DoubleSigWithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v2didWebWithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v2didWebMultikeyWithValidStatus": ("valid", set(), {W_SUBJECT}),
    "v1Expired": ("expired", {EXPIRED}, {W_SUBJECT}),
    "v1ExpiredWithValidStatus": ("expired", {EXPIRED}, {W_SUBJECT}),
    "v2Expired": ("expired", {EXPIRED}, set()),
    "v2ExpiredWithValidStatus": ("expired", {EXPIRED}, {W_SUBJECT}),
    "v1Revoked": ("revoked", {REVOKED}, {W_SUBJECT}),
    "v2Revoked": ("revoked", {REVOKED}, {W_SUBJECT}),
    "v1RevokedAndExpired": ("revoked", {REVOKED, EXPIRED}, {W_SUBJECT}),
    "v2RevokedAndExpired": ("revoked", {REVOKED, EXPIRED}, {W_SUBJECT}),
    "v2WithBadDidWeb": ("invalid", {"signature.resolution_failed"}, {W_SUBJECT}),
    "v2DoubleSigWithBadStatusUrl": ("invalid", {"status.status_unverifiable"}, {W_SUBJECT}),
    "safeModeBreaker": (
        "invalid",
        {"signature.malformed_proof", "status.malformed_status"},
        set(),
    ),
}
VALID = sorted(name for name, (verdict, _, _) in EXPECTED.items() if verdict == "valid")


def credential(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DCC / "credentials" / f"{name}.json").read_text())
    return document


def tampered(name: str) -> dict[str, Any]:
    """As their own tests tamper (``getVCv1Tampered``): a changed ``name``."""
    document = credential(name)
    document["name"] = "Introduction to Tampering"
    return document


def publish(web: FixtureWeb) -> None:
    web.serve(STATUS_URL, json.loads((DCC / "status/e5WK8CbZ1GjycuPombrj.json").read_text()))
    for url, file in DID_WEB.items():
        web.serve(url, json.loads((DCC / "did-web" / file).read_text()))


@contextmanager
def dcc_web(directory: Path) -> Iterator[FixtureWeb]:
    with fixture_web(directory, HOSTS) as web:
        publish(web)
        yield web
