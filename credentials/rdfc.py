"""RDFC-1.0 canonical N-Quads, byte for byte as the reference JavaScript libraries write them.

pyoxigraph implements RDFC-1.0 as the W3C Recommendation words it, and for
almost all text that is also exactly what Digital Bazaar's ``rdf-canonize``
(under jsonld.js and the eddsa-rdfc-2022 cryptosuite, which nearly every
verifier runs) produces. The two differ in two corners:

1. **U+FFFE and U+FFFF** in a literal. RDFC-1.0 §4.4 (canonical N-Quads) says
   characters outside XML 1.1 ``Char`` are written as ``\\uFFFE``;
   rdf-canonize 5 writes them raw.
2. **Sort order.** RDFC-1.0 sorts N-Quads (and the quads hashed for each
   blank node) in code point order; rdf-canonize uses JavaScript's default
   sort, UTF-16 code unit order (digitalbazaar/rdf-canonize#52). The two orders
   differ only between a character beyond the BMP and one in U+E000–U+FFFF.

Text without those characters takes the fast path (pyoxigraph). Text with them
is canonicalised here the way rdf-canonize does it, with pyld's RDFC-1.0
(URDNA2015) implementation, its sorts and its N-Quads escape swapped for
rdf-canonize's; ``spec_form`` still gives the pyoxigraph answer so that a
verifier can accept a signature from an implementation that follows the text.
tests/credentials/test_reference_vectors.py checks both paths against the
JavaScript libraries.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph
from pyld.canon import URDNA2015

from credentials.errors import InvalidTextError, JsonLdProcessingError

__all__ = ["canonical_forms", "canonicalize", "diverges", "spec_form"]

_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# UTF-8 lead bytes: U+E000-U+FFFF start with EE or EF, characters beyond the BMP with F0-F4
# (``in`` on one byte is a memchr: far cheaper than a regular expression over the text).
_LEADS_HIGH_BMP = (b"\xee", b"\xef")
_LEADS_BEYOND_BMP = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")  # U+FFFE, U+FFFF


def diverges(text: str | bytes) -> bool:
    """True when pyoxigraph and rdf-canonize may write ``text``'s canonical form differently."""
    data = text if isinstance(text, bytes) else _encode(text)
    # Both corners need a character in U+E000-U+FFFF: that clears nearly all text.
    if not any(lead in data for lead in _LEADS_HIGH_BMP):
        return False
    if any(nonchar in data for nonchar in _NONCHARACTERS):
        return True
    return any(lead in data for lead in _LEADS_BEYOND_BMP)


def _encode(nquads: str) -> bytes:
    try:
        return nquads.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidTextError("", character=f"U+{ord(nquads[exc.start]):04X}") from None


def _parse(data: bytes) -> list[pyoxigraph.Quad]:
    try:
        # Lenient: IRIs are not re-validated (the expansion check refused unsafe ones), as
        # jsonld.js does not validate them either; it is also twice as fast.
        return list(pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_QUADS, lenient=True))
    except SyntaxError as exc:  # pyld produced something that is not valid RDF
        raise JsonLdProcessingError(f"document does not map to valid RDF: {exc}") from None


def _spec_form(quads: list[pyoxigraph.Quad]) -> str:
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    serialized = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    # RDFC-1.0 §4.4.2: one quad per line, sorted. Split at LF only: str.splitlines would also
    # split at U+2028, U+2029, U+0085 and others inside literals (the quads' bytes are UTF-8,
    # whose byte order is code point order).
    lines = serialized.split(b"\n")
    lines.pop()  # the empty string after the final EOL
    lines.sort()
    return (b"\n".join(lines) + b"\n").decode("utf-8") if lines else ""


def spec_form(nquads: str) -> str:
    """RDFC-1.0 as the Recommendation words it (pyoxigraph): code point order, U+FFFE escaped."""
    return _spec_form(_parse(_encode(nquads)))


def canonical_forms(nquads: str) -> tuple[str, ...]:
    """The reference libraries' canonical form, then the Recommendation's if it differs."""
    data = _encode(nquads)
    quads = _parse(data)
    if not diverges(data):
        return (_spec_form(quads),)
    # A dataset is a set: pyld writes a repeated value twice (["a", "a"]), jsonld.js once.
    reference = _ReferenceRdfc().canonical(list(dict.fromkeys(quads)))
    spec = _spec_form(quads)
    return (reference,) if spec == reference else (reference, spec)


def canonicalize(nquads: str) -> str:
    """The canonical N-Quads that the reference libraries produce for this dataset."""
    return canonical_forms(nquads)[0]


# --- rdf-canonize's canonical N-Quads, for the rare text where it differs ----------------------

_LITERAL_ESCAPES = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]}
_LITERAL_ESCAPES.update(
    {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
)
_IRI_ESCAPES = {code: f"\\u{code:04X}" for code in [*range(0x21), *map(ord, '<>"{}|^`\\')]}


def _utf16_order(line: str) -> bytes:
    """JavaScript's default sort key: UTF-16 code units (big-endian bytes compare the same)."""
    return line.encode("utf-16-be")


def _node(term: Any) -> str:
    if term["type"] == "IRI":
        return f"<{term['value'].translate(_IRI_ESCAPES)}>"
    return str(term["value"])  # a blank node, "_:" included


def _serialize(quad: dict[str, Any]) -> str:
    """rdf-canonize's NQuads.serializeQuadComponents."""
    obj = quad["object"]
    if obj["type"] == "literal":
        text = f'"{obj["value"].translate(_LITERAL_ESCAPES)}"'
        if obj["datatype"] == _RDF_LANGSTRING:
            text += f"@{obj['language']}" if obj.get("language") else ""
        elif obj["datatype"] != _XSD_STRING:
            text += f"^^<{obj['datatype'].translate(_IRI_ESCAPES)}>"
    else:
        text = _node(obj)
    graph = quad.get("name")
    tail = f" {_node(graph)} .\n" if graph is not None else " .\n"
    return f"{_node(quad['subject'])} {_node(quad['predicate'])} {text}{tail}"


def _pyld_term(term: Any) -> dict[str, Any]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    literal: dict[str, Any] = {
        "type": "literal",
        "value": term.value,
        "datatype": term.datatype.value,
    }
    if term.language:
        literal["language"] = term.language
    return literal


def _pyld_dataset(quads: list[pyoxigraph.Quad]) -> dict[str, list[dict[str, Any]]]:
    dataset: dict[str, list[dict[str, Any]]] = {}
    for quad in quads:
        graph = quad.graph_name
        name = "@default" if isinstance(graph, pyoxigraph.DefaultGraph) else _pyld_term(graph)
        key = name if isinstance(name, str) else name["value"]
        triple = {
            "subject": _pyld_term(quad.subject),
            "predicate": _pyld_term(quad.predicate),
            "object": _pyld_term(quad.object),
        }
        dataset.setdefault(key, []).append(triple)
    return dataset


class _ReferenceRdfc(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """pyld's RDFC-1.0 with rdf-canonize's escape and sort (UTF-16 code units)."""

    def hash_first_degree_quads(self, id_: str) -> str:
        # RDFC-1.0 §4.6, as pyld writes it, with the serialisation and sort swapped.
        info = self.blank_node_info[id_]
        if "hash" not in info:
            nquads = [
                _serialize(
                    {
                        key: component
                        if key == "predicate"
                        else self.modify_first_degree_component(id_, component, key)
                        for key, component in quad.items()
                    }
                )
                for quad in info["quads"]
            ]
            nquads.sort(key=_utf16_order)
            info["hash"] = self.hash_nquads(nquads)
        return str(info["hash"])

    def canonical(self, quads: list[pyoxigraph.Quad]) -> str:
        # main() relabels self.quads in place with the canonical identifiers (step 7.1);
        # its own serialisation (pyld's escape, code point order) is not used.
        self.main(_pyld_dataset(quads), {"format": "application/n-quads"})
        return "".join(sorted((_serialize(quad) for quad in self.quads), key=_utf16_order))
