"""RDF templates give exactly plain pyld's answer, or step aside. Compared on hostile input."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials import jsonld
from credentials.errors import MicrocredError
from credentials.rdf_templates import TemplateCache
from tests.credentials import factories as f

OB = f.credential()["@context"]


@pytest.fixture(autouse=True)
def fresh_templates() -> Iterator[None]:
    jsonld.use_templates(True)
    yield
    jsonld.use_templates(True)


def outcome(compute: Callable[[dict[str, Any]], str], doc: dict[str, Any]) -> tuple[str, str]:
    try:
        return ("ok", compute(doc))
    except MicrocredError as exc:
        return ("error", type(exc).__name__)


def assert_same(doc: dict[str, Any]) -> None:
    assert outcome(jsonld.canonical_nquads, doc) == outcome(jsonld.reference_nquads, doc)


def test_templates_are_used_for_a_repeated_shape() -> None:
    cache = TemplateCache()
    docs = [
        f.credential(id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}", name=f"Badge {i}")
        for i in range(5)
    ]
    for doc in docs:
        text = cache.nquads(doc)
        assert text is not None
        assert jsonld.canonicalize_nquads(text) == jsonld.reference_nquads(doc)
    assert (cache.hits, cache.misses) == (4, 1)


def test_vocab_valued_slot_is_learned_as_verbatim() -> None:
    config = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-01-01T00:00:00Z",
        "verificationMethod": f.ISSUER_VM,
        "proofPurpose": "assertionMethod",
        "@context": OB,
    }
    for purpose in ("assertionMethod", "authentication", "capabilityInvocation", "assertionMethod"):
        assert_same(dict(config, proofPurpose=purpose))
    assert_same(dict(config, proofPurpose="urn:example:purpose"))


# --- same shape, values chosen to behave differently -------------------------------------

HOSTILE_IDS = [
    "https://www.upwork.com/a b",  # whitespace: pyld would drop it silently
    "http://a><http://evil.example/><http://x",  # N-Quads injection attempt
    'https://x.example/"quoted"',
    "http://example.org/base/relative",  # pyld's own placeholder base
    "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "https://www.upwork.com/freelancers/~01abc/portfolio/1",  # the same as the first evidence
    "did:key:" + "z" * 10,
    "mailto:ada@example.com",
]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_hostile_iri_values_in_a_cached_shape(value: str) -> None:
    assert_same(f.credential())  # warm the template for the shape
    doc = f.credential()
    doc["evidence"][0]["id"] = value
    assert_same(doc)


HOSTILE_TEXT = [
    'quote " backslash \\ newline \n tab \t cr \r',
    "\u0000\u0001\u001f\u007f\u2028 controls",
    "<http://evil.example/> <http://x/> .",
    "🎉 Ada Ọkafọr — עברית العربية",
    "",
    "@context",
    "_:b0",
    "name",
]


@pytest.mark.parametrize("value", HOSTILE_TEXT)
def test_hostile_literals_in_a_cached_shape(value: str) -> None:
    assert_same(f.credential())
    doc = f.credential(name=value)
    doc["credentialSubject"]["achievement"]["description"] = value
    assert_same(doc)


def test_prefix_defined_in_one_document_only() -> None:
    def doc_with(prefix_ctx: dict[str, Any], value: str) -> dict[str, Any]:
        doc = f.credential(**{"@context": [*OB, prefix_ctx]})
        doc["evidence"][0]["id"] = value
        return doc

    for ctx in (
        {},
        {"ex": "https://ex.example/vocab#"},
        {"ex": {"@id": "https://ex.example/", "@prefix": True}},
    ):
        for value in ("ex:project-1", "ex://project-1", "urn:project-1"):
            assert_same(doc_with(ctx, value))


def test_iri_value_that_is_a_term_name() -> None:
    ctx = {
        "ex": "https://ex.example/",
        "ex:special": "https://ex.example/special",
        "kind": {"@id": "https://ex.example/kind", "@type": "@vocab"},
    }
    for value in ("ex:plain", "ex:special", "https://ex.example/special", "ex:other"):
        doc = f.credential(**{"@context": [*OB, ctx]})
        doc["credentialSubject"]["kind"] = value
        assert_same(doc)


def test_type_alias_steers_scoped_contexts() -> None:
    ctx = {"kind": "@type"}
    for kind in ("Achievement", "Profile", "Evidence", "Achievement"):
        doc = f.credential(**{"@context": [*OB, ctx]})
        node = doc["credentialSubject"]["achievement"]
        del node["type"]
        node["kind"] = kind
        assert_same(doc)


def test_json_literal_and_value_objects() -> None:
    ctx = {"payload": {"@id": "https://ex.example/payload", "@type": "@json"}}
    for payload in ("a", 'b"c', {"nested": "x"}):
        doc = f.credential(**{"@context": [*OB, ctx]})
        doc["credentialSubject"]["payload"] = payload
        assert_same(doc)
    for language in ("en", "fr-CA", "en .\n<a:b> <c:d> <e:f>"):
        assert_same(f.credential(name={"@value": "Badge", "@language": language}))


def test_blank_node_ids_and_equal_values() -> None:
    for first, second in (
        ("_:a", "_:b"),
        ("_:a", "_:a"),
        ("urn:x:1", "urn:x:1"),
        ("urn:x:1", "urn:x:2"),
    ):
        doc = f.credential()
        doc["evidence"][0]["id"] = first
        doc["evidence"][1]["id"] = second
        assert_same(doc)


def test_relative_then_absolute_ids() -> None:
    for value in ("relative-1", "urn:ok:1", "relative-2", "urn:ok:2"):
        assert_same(f.credential(id=value))


# --- property: random strings anywhere in a credential -------------------------------------

TRICKY = st.sampled_from(
    [
        "",
        ":",
        "//",
        "@",
        "_:",
        " ",
        "<",
        ">",
        '"',
        "\\",
        "\n",
        "é",
        "🎉",
        "did:",
        "urn:",
        "https://",
        "http://example.org/base/",
        "Profile",
        "name",
        "ex:",
        "#",
        "?",
        "%3A",
    ]
)
strings = st.lists(TRICKY | st.text(max_size=4), min_size=1, max_size=4).map("".join)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [
            p
            for k, v in node.items()
            if k not in ("@context", "type")
            for p in _leaves(v, (*path, k))
        ]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path] if isinstance(node, str) else []


LEAVES = _leaves(f.credential())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LEAVES), strings), min_size=1, max_size=6))
def test_random_values_match_plain_pyld(changes: list[tuple[tuple[Any, ...], str]]) -> None:
    doc = copy.deepcopy(f.credential())
    for path, value in changes:
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
    assert_same(doc)
