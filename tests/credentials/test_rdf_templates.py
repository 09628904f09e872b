"""RDF templates give exactly plain pyld's answer, or step aside. Compared on hostile input."""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials import canonical
from credentials.errors import MicrocredError
from credentials.rdf_templates import TemplateCache, shape_of
from tests.credentials import factories as f

OB = f.credential()["@context"]


@pytest.fixture(autouse=True)
def fresh_templates() -> Iterator[None]:
    canonical.use_templates(True)
    yield
    canonical.use_templates(True)


def outcome(compute: Callable[[dict[str, Any]], str], doc: dict[str, Any]) -> tuple[str, str]:
    try:
        return ("ok", compute(doc))
    except MicrocredError as exc:
        return ("error", type(exc).__name__)


def assert_same(doc: dict[str, Any]) -> None:
    assert outcome(canonical.canonical_nquads, doc) == outcome(canonical.reference_nquads, doc)


def test_templates_are_used_for_a_repeated_shape() -> None:
    cache = TemplateCache()
    docs = [
        f.credential(id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}", name=f"Badge {i}")
        for i in range(5)
    ]
    for doc in docs:
        text = cache.nquads(doc)
        assert text is not None
        assert canonical.canonicalize_nquads(text) == canonical.reference_nquads(doc)
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
    "line\u2028paragraph\u2029next\x85line",
    "nonchar \ufffe \uffff and \U0001f600 against \uff01",
    "lone \ud800 surrogate",
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


# --- the shape key: one pass, a tuple, never a false match -------------------------------

SCORED = [*OB, {"score": "https://ex.example/score", "tag": "https://ex.example/tag"}]


@pytest.mark.parametrize(
    "values",
    [
        (1, 1.0, True, 1, 1.0, True),  # equal in Python (and as tuple members), not in JSON-LD
        (0, 0.0, -0.0, False, None, 0, -0.0),
        (2**53 + 1, float(2**53), 1e21, 10**21),
        ("1", 1, "true", True),
    ],
)
def test_numbers_and_booleans_never_share_a_template(values: tuple[Any, ...]) -> None:
    for value in values:
        doc = f.credential(**{"@context": SCORED})
        doc["credentialSubject"]["score"] = value
        assert_same(doc)


def test_literals_with_the_separator_and_escapes() -> None:
    assert_same(f.credential())
    for name, description in (
        ("a\x1fb", 'quote " and \n newline'),
        ('tab \t and " quote', "\x1f"),
        ("\x1f\x1f", "\x1f\\\x1f"),
        ("plain", "also plain"),
    ):
        doc = f.credential(name=name)
        doc["credentialSubject"]["achievement"]["description"] = description
        assert_same(doc)


class Kind(enum.StrEnum):
    BADGE = "Badge"


class Score(enum.IntEnum):
    HIGH = 5


def test_string_subclasses_are_read_as_their_characters() -> None:
    assert_same(f.credential(name="Badge"))
    assert_same(f.credential(name=Kind.BADGE))
    assert canonical.canonical_nquads(f.credential(name=Kind.BADGE)) == canonical.canonical_nquads(
        f.credential(name="Badge")
    )


@pytest.mark.parametrize(
    "odd",
    [
        {1: "integer key"},
        {"nested": ("a", "tuple")},
        Score.HIGH,
        {"set": {"x"}},
    ],
)
def test_values_a_template_cannot_stand_for_go_to_pyld(odd: Any) -> None:
    cache = TemplateCache()
    doc = f.credential(**{"@context": SCORED})
    doc["credentialSubject"]["score"] = odd
    assert shape_of(doc) is None
    assert cache.nquads(doc) is None
    assert (cache.hits, cache.misses) == (0, 0)
    assert_same(doc)


def test_deeply_nested_document_goes_to_pyld() -> None:
    doc = f.credential(**{"@context": SCORED})
    node: Any = "leaf"
    for _ in range(5000):
        node = [node]
    doc["credentialSubject"]["score"] = node
    assert shape_of(doc) is None
    assert_same(doc)


def _json_shape(node: Any, steering: bool = False) -> Any:
    """The shape as the module docs define it, written out as JSON (the reference key)."""
    if isinstance(node, dict):
        return {
            k: ["context", v] if k == "@context" else _json_shape(v, k == "type" or _steers(k))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_json_shape(item, steering) for item in node]
    if isinstance(node, str):
        if steering or node.startswith("@"):
            return "=" + node
        colon = node.find(":")
        if colon <= 0:
            return "#r"
        return ("#a:" if node[colon + 1 : colon + 3] == "//" else "#p:") + node[:colon]
    return node


def _steers(key: str) -> bool:
    return key.startswith("@") and key not in ("@id", "@value")


def _slots(node: Any, steering: bool = False) -> list[str]:
    if isinstance(node, dict):
        return [
            s
            for k, v in node.items()
            if k != "@context"
            for s in _slots(v, k == "type" or _steers(k))
        ]
    if isinstance(node, list):
        return [s for item in node for s in _slots(item, steering)]
    if isinstance(node, str) and not (steering or node.startswith("@")):
        return [node]
    return []


KEYS = st.sampled_from(["a", "b", "type", "@id", "@type", "@value", "@context", "]", "{", "=a", ""])
SCALARS = st.sampled_from(
    ["x", "y", "@x", "a:b", "a:c", "a://b", "b:x", "", "=x", "#r", "r", "n1", "]", "{"]
) | st.sampled_from([1, 1.0, True, False, 0, -0.0, 0.0, None, "1", "true", "null"])
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


def _reference_key(doc: Any) -> str:
    return json.dumps(_json_shape(doc), separators=(",", ":"))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, DOCS, max_size=4), st.dictionaries(KEYS, DOCS, max_size=4))
def test_shape_keys_match_exactly_when_json_shapes_do(first: Any, second: Any) -> None:
    first_shape, second_shape = shape_of(first), shape_of(second)
    assert first_shape is not None
    assert second_shape is not None
    assert first_shape[1] == _slots(first)
    assert (first_shape[0] == second_shape[0]) == (_reference_key(first) == _reference_key(second))
    # Hash and equality agree, so a dict lookup finds the same entry.
    assert shape_of(copy.deepcopy(first)) == first_shape


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
        # text that canonicalisers split, escape or sort differently (credentials.rdfc)
        "\u2028",
        "\u2029",
        "\x85",
        "\x1c",
        "\ufffe",
        "\uffff",
        "\uff01",
        "\U0001f600",
        "\ufeff",
        "\u202e",
        "\x00",
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
