"""Offline, strict and memoised JSON-LD → RDFC-1.0."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from credentials import canonical, jsonld
from credentials.errors import JsonLdProcessingError, UndefinedTermError, UnknownContextError
from credentials.statuslist import Bitstring, build_status_list_credential
from tests.credentials import factories as f
from tests.credentials import vectors as v

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"


def test_every_bundled_context_loads_offline() -> None:
    for url in jsonld.CONTEXT_URLS:
        remote = jsonld.document_loader(url)
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]


@pytest.mark.parametrize(
    "url",
    [
        # what real credentials use (OB 3.0.0-3.0.3, VC 1.1 status lists, the DCC's
        # context) and what the W3C VC 2.0 test suite uses (the examples context)
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/dcc/v1",
        "https://www.w3.org/ns/credentials/examples/v2",
        "https://www.w3.org/2018/credentials/v1",
    ],
)
def test_contexts_real_credentials_use_are_bundled(url: str) -> None:
    assert url in jsonld.CONTEXT_URLS


@pytest.mark.parametrize(
    ("base", "version"),
    [
        # OB 3.0.0 and 3.0.1 were published for VC 1.1 (they redefine terms that the
        # VC 2.0 context protects); 3.0.2 works with both.
        (V1, "context"),
        (V1, "context-3.0.1"),
        (V1, "context-3.0.2"),
        (V2, "context-3.0.2"),
    ],
)
def test_earlier_open_badges_contexts_canonicalise_a_badge(base: str, version: str) -> None:
    doc = f.credential()
    doc["@context"] = [base, f"https://purl.imsglobal.org/spec/ob/v3p0/{version}.json"]
    if base == V1:
        # VC 1.1 dates, and status entries of the 2021 status list (its own context)
        doc["@context"].append("https://w3id.org/vc/status-list/2021/v1")
        doc["issuanceDate"] = doc.pop("validFrom")
        doc["expirationDate"] = doc.pop("validUntil")
        for entry in doc["credentialStatus"]:
            entry["type"] = "StatusList2021Entry"
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement>" in (
        canonical.canonical_nquads(doc)
    )


def test_examples_context_maps_its_terms_into_the_examples_vocabulary() -> None:
    # It defines every term through @vocab, so nothing is dropped: the claim is signed.
    doc = {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "degree": "BSc"},
    }
    nquads = canonical.canonical_nquads(doc)
    assert '<https://www.w3.org/ns/credentials/examples#degree> "BSc"' in nquads
    assert "<https://www.w3.org/ns/credentials/examples#ExampleDegreeCredential>" in nquads


def test_unknown_context_url_is_refused_by_name() -> None:
    with pytest.raises(UnknownContextError) as caught:
        jsonld.document_loader("https://example.com/my-context.jsonld")
    assert caught.value.url == "https://example.com/my-context.jsonld"
    assert "https://example.com/my-context.jsonld" in caught.value.message


def test_document_with_unknown_context_is_refused() -> None:
    doc = f.credential()
    doc["@context"] = [V2, "https://w3id.org/citizenship/v4rc1"]
    with pytest.raises(UnknownContextError, match="citizenship"):
        canonical.canonical_nquads(doc)


def test_bundled_contexts_cannot_be_replaced_or_removed() -> None:
    with pytest.raises(JsonLdProcessingError, match="cannot be replaced"):
        jsonld.register_context(V2, {"@context": {"@vocab": "https://evil.example/#"}})
    with pytest.raises(JsonLdProcessingError, match="cannot be removed"):
        jsonld.unregister_context(V2)
    with pytest.raises(JsonLdProcessingError, match="@context"):
        jsonld.register_context("https://example.com/x", {"no": "context"})


# --- strictness: nothing unsigned slips through --------------------------------------------


@pytest.mark.parametrize(
    ("change", "term"),
    [
        (lambda d: d.__setitem__("favouriteColour", "blue"), "favouriteColour"),
        (lambda d: d["credentialSubject"].__setitem__("score", 99), "score"),
        (lambda d: d["evidence"][0].__setitem__("hoursWorked", 12), "hoursWorked"),
        (lambda d: d["type"].append("GoldCredential"), "GoldCredential"),
        (lambda d: d["issuer"]["type"].append("TrustedIssuer"), "TrustedIssuer"),
        (lambda d: d.__setitem__("id", "credential-42"), "credential-42"),
    ],
    ids=["property", "nested property", "evidence property", "type", "nested type", "relative id"],
)
def test_undefined_terms_are_errors_that_name_the_term(change: Any, term: str) -> None:
    doc = f.credential()
    change(doc)
    with pytest.raises(UndefinedTermError) as caught:
        canonical.canonical_nquads(doc)
    assert caught.value.term == term
    assert term in caught.value.message


def test_undefined_datatype_is_an_error() -> None:
    doc = f.credential(validFrom={"@value": "2026-01-01T00:00:00Z", "@type": "myDate"})
    with pytest.raises(UndefinedTermError, match="myDate"):
        canonical.canonical_nquads(doc)


def test_invalid_jsonld_is_a_processing_error() -> None:
    doc = f.credential()
    doc["@context"] = [V2, {"@version": 2.0}]
    with pytest.raises(JsonLdProcessingError):
        canonical.canonical_nquads(doc)


def test_protected_term_redefinition_is_refused() -> None:
    doc = f.credential()
    doc["@context"] = [*doc["@context"], {"name": "https://evil.example/name"}]
    with pytest.raises(JsonLdProcessingError, match="protected"):
        canonical.canonical_nquads(doc)


# --- RDFC-1.0 output details -----------------------------------------------------------------


def test_literal_escapes_follow_rdfc() -> None:
    doc = f.credential(name='tab\there "quoted" back\\slash\nnew\u0001ctl\u007fdel é ✓')
    line = next(
        line
        for line in canonical.canonical_nquads(doc).splitlines()
        if line.startswith(f"<{doc['id']}> <https://schema.org/name>")
    )
    # RDFC-1.0 §4.3 canonical N-Quads: ECHAR for \t \n " \\, UCHAR (uppercase) for other controls.
    assert line.endswith('"tab\\there \\"quoted\\" back\\\\slash\\nnew\\u0001ctl\\u007Fdel é ✓" .')


def test_blank_node_labels_are_canonical() -> None:
    canon = canonical.canonical_nquads(f.credential())
    labels = {token for token in canon.split() if token.startswith("_:")}
    assert labels
    assert all(label.startswith("_:c14n") for label in labels)
    assert canon.splitlines() == sorted(canon.splitlines())


# --- the memoisation is sound ------------------------------------------------------------------

DOCUMENTS: list[dict[str, Any]] = [
    f.credential(),
    v.OB_CREDENTIAL,
    build_status_list_credential(
        url=f.STATUS_URL,
        issuer=f.ISSUER_DID,
        purpose="revocation",
        bitstring=Bitstring(),
        valid_from=f.NOW,
    ),
    f.credential(credentialSubject=[{"id": "did:example:1"}, {"id": "did:example:2"}]),
    f.credential(
        **{"@context": [*f.credential()["@context"], {"ex": "https://example.com/vocab#"}]}
    ),
]


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_memoised_result_equals_plain_pyld(doc: dict[str, Any]) -> None:
    expected = canonical.reference_nquads(doc)
    assert canonical.canonical_nquads(doc) == expected
    assert canonical.canonical_nquads(doc) == expected  # second run: served from the cache


def test_embedded_contexts_do_not_poison_each_other() -> None:
    base = [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]

    def with_term(iri: str) -> dict[str, Any]:
        doc = f.credential(**{"@context": [*base, {"gigPlatform": iri}]})
        doc["credentialSubject"]["gigPlatform"] = "Upwork"
        return doc

    one = canonical.canonical_nquads(with_term("https://a.example/platform"))
    two = canonical.canonical_nquads(with_term("https://b.example/platform"))
    assert "https://a.example/platform" in one
    assert "https://a.example/platform" not in two
    assert "https://b.example/platform" in two


def test_input_document_is_not_modified() -> None:
    doc = f.credential()
    before = copy.deepcopy(doc)
    canonical.canonical_nquads(doc)
    assert doc == before


def test_concurrent_use_gives_the_same_answers() -> None:
    expected = [canonical.reference_nquads(doc) for doc in DOCUMENTS]
    errors: list[str] = []

    def work() -> None:
        for _ in range(5):
            for doc, want in zip(DOCUMENTS, expected, strict=True):
                if canonical.canonical_nquads(doc) != want:
                    errors.append("mismatch")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
