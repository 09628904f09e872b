"""RDF templates: pyld's output for one document *shape*, reused for every document of that shape.

Credentials from one issuer differ in their strings (names, ids, dates) but share
their keys, types and contexts. JSON-LD turns most strings into RDF without
looking at them, so pyld's N-Quads for a document can be computed once with
placeholder strings and then filled with the real ones. This module does that,
and only where it is provably the same as running pyld on the real document.

Why it is sound (JSON-LD 1.1 API §5.2 IRI Expansion, §5.3.2 Value Expansion):

- Keys, numbers, booleans, ``@context`` values, ``type``/``@…`` values and strings
  that start with ``@`` are part of the cache key verbatim: they steer expansion.
- Every other string is a *slot*. Its class is part of the key: no colon; a
  ``prefix:`` with that exact prefix; or ``prefix://``. The placeholder for a
  slot has the same class, so IRI expansion (blank node, ``//`` absolute, prefix
  term or not, relative) takes the same branch for it as for the real value.
- A slot whose placeholder does not come out of pyld *whole* — as one literal's
  exact content or as one IRI exactly — is not trusted: it moves into the key
  verbatim and the template is rebuilt. The same happens when a placeholder
  makes processing fail (a relative IRI, a ``@vocab`` value that would be a term).
  With every slot verbatim the template is exact, so learning always ends.
- When filling an IRI slot, the real value must be one pyld keeps (absolute, no
  whitespace, not under pyld's placeholder base) and must not be the name of any
  term in the document's contexts (a term match would expand it differently).
  Literal slots are escaped exactly as pyld escapes them.
- Equal real values in slots whose placeholders differed can only merge nodes;
  RDF is a set, so the quads are the same.

Anything unexpected falls back to plain pyld, which stays the reference;
tests/credentials/test_rdf_templates.py compares the two on hostile documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from pyld.nquads import escape as _pyld_escape

from credentials import jsonld
from credentials.caching import Cache
from credentials.errors import MicrocredError, UndefinedTermError
from credentials.rdf_shapes import TOKEN, document_terms, placeholder, rebuild, shape_of, slot_class

__all__ = ["TemplateCache", "shape_of"]

_MAX_TEMPLATES = 512
_MAX_SHAPES = 256

# --- templates ------------------------------------------------------------------------------


# Joins a template's literals so that pyld's escape runs once per document: it rewrites
# single characters, so escaping the joined text and splitting it again is the same as
# escaping each literal, as long as no literal contains the separator (checked).
_SEPARATOR = "\x1f"

_Pick = Callable[[Sequence[str]], tuple[str, ...]]


def _picker(indices: Sequence[int]) -> _Pick:
    """``itemgetter`` that always returns a tuple (it returns a bare item for one index)."""
    if len(indices) > 1:
        return cast(_Pick, itemgetter(*indices))
    if indices:
        only = indices[0]
        return lambda items: (items[only],)
    return lambda items: ()


def _escaped(literals: tuple[str, ...]) -> Sequence[str]:
    """pyld's N-Quads escape of each literal."""
    if not literals:
        return literals
    joined = _SEPARATOR.join(literals)
    if joined.count(_SEPARATOR) != len(literals) - 1:  # a literal contains the separator
        return [_pyld_escape(value) for value in literals]
    escaped: str = _pyld_escape(joined)
    return escaped.split(_SEPARATOR)


@dataclass(frozen=True, slots=True)
class _Template:
    #: pyld's N-Quads with the holes left empty: fragments at even indices, holes at odd.
    parts: tuple[str, ...]
    #: Picks each hole's text from ``[*values, *escaped literals]``, in order.
    holes: _Pick
    iris: _Pick
    literals: _Pick
    terms: frozenset[str]

    @classmethod
    def of(
        cls, fragments: list[str], holes: list[tuple[int, bool]], slots: int, terms: frozenset[str]
    ) -> _Template:
        literal_slots = sorted({slot for slot, is_iri in holes if not is_iri})
        position = {slot: slots + i for i, slot in enumerate(literal_slots)}
        parts = [""] * (2 * len(fragments) - 1)
        parts[0::2] = fragments
        return cls(
            parts=tuple(parts),
            holes=_picker([slot if is_iri else position[slot] for slot, is_iri in holes]),
            iris=_picker(sorted({slot for slot, is_iri in holes if is_iri})),
            literals=_picker(literal_slots),
            terms=terms,
        )

    def fill(self, values: list[str]) -> str | None:
        for value in self.iris(values):
            if value in self.terms or not jsonld.is_kept_iri(value):
                return None
        text = list(self.parts)
        text[1::2] = self.holes([*values, *_escaped(self.literals(values))])
        return "".join(text)


class _NeedsVerbatim(Exception):  # noqa: N818 - control flow inside this module only
    def __init__(self, slots: set[int]) -> None:
        self.slots = slots


def _analyse(
    nquads: str, placeholders: Mapping[int, str], slots: int
) -> tuple[list[str], list[tuple[int, bool]]]:
    """Split pyld's output at whole placeholder occurrences; distrust any other occurrence."""
    fragments: list[str] = []
    holes: list[tuple[int, bool]] = []
    bad: set[int] = set()
    found: set[int] = set()
    position = 0
    for match in TOKEN.finditer(nquads):
        slot = int(match.group(1))
        placeholder = placeholders.get(slot)
        if placeholder is None or slot >= slots:
            raise _NeedsVerbatim(set())  # a token we did not place: give up on this shape
        end = match.end()
        start = end - len(placeholder)
        whole_iri = nquads[start - 1 : start] == "<" and nquads[end : end + 1] == ">"
        whole_literal = nquads[start - 1 : start] == '"' and nquads[end : end + 1] == '"'
        if start < position or nquads[start:end] != placeholder or not (whole_iri or whole_literal):
            bad.add(slot)
            continue
        fragments.append(nquads[position:start])
        holes.append((slot, whole_iri))
        found.add(slot)
        position = end
    fragments.append(nquads[position:])
    missing = set(placeholders) - found
    if bad or missing:
        raise _NeedsVerbatim(bad | missing)
    return fragments, holes


def _build(document: Mapping[str, Any], values: list[str], verbatim: set[int]) -> _Template | None:
    classes = [slot_class(v) for v in values]
    placeholders = {i: placeholder(i, classes[i]) for i in range(len(values)) if i not in verbatim}
    filled = [v if i in verbatim else placeholders[i] for i, v in enumerate(values)]
    synthetic = rebuild(document, iter(filled))
    try:
        nquads = jsonld.to_nquads(synthetic)
    except UndefinedTermError as exc:
        culprit = TOKEN.search(exc.term)
        if culprit is None:
            return None  # a genuine error: let plain pyld report it on the real document
        raise _NeedsVerbatim({int(culprit.group(1))}) from None
    except MicrocredError:
        return None
    fragments, holes = _analyse(nquads, placeholders, len(values))
    has_iri = any(is_iri for _, is_iri in holes)
    terms = frozenset(document_terms(document, set())) if has_iri else frozenset()
    return _Template.of(fragments, holes, len(values), terms)


class _Shape:
    """A learned shape: the slots that must be verbatim. Hashed by identity, so the template
    key that holds it is cheap to hash and compare (the shape tuple itself is hashed once)."""

    __slots__ = ("verbatim",)

    def __init__(self) -> None:
        self.verbatim: tuple[int, ...] = ()


# (shape, verbatim slot numbers, their values): a template is only found again by a document
# with the same verbatim slots and the same values in them.
_Key = tuple[_Shape, tuple[int, ...], tuple[str, ...]]


class TemplateCache:
    """Shapes → slots that must be verbatim; (shape, verbatim values) → template. Bounded LRU."""

    def __init__(self) -> None:
        # Shapes are read with ``peek``: no lock, and a hit does not refresh recency, which
        # would hash the long shape tuple twice more. A hot shape evicted by _MAX_SHAPES
        # newer ones is simply learned once more.
        self._shapes: Cache[tuple[object, ...], _Shape] = Cache(_MAX_SHAPES, name="rdf.shapes")
        self._templates: Cache[_Key, _Template | None] = Cache(_MAX_TEMPLATES, name="rdf.templates")

    @property
    def hits(self) -> int:
        """Documents served by a template (learned ones are misses)."""
        return self._templates.hits

    @property
    def misses(self) -> int:
        """Documents that needed a template learned: a new shape, or new verbatim values."""
        return self._shapes.misses + self._templates.misses

    def nquads(self, document: Mapping[str, Any]) -> str | None:
        """pyld's N-Quads for ``document`` from a template, or None to use plain pyld."""
        shaped = shape_of(document)
        if shaped is None:
            return None
        shape_key, values = shaped
        shape = self._shapes.peek(shape_key)
        if shape is None:
            template = self._learn(document, values, shape_key, set())
        else:
            verbatim = shape.verbatim
            found, template = self._templates.lookup(
                (shape, verbatim, tuple([values[i] for i in verbatim]))
            )
            if not found:
                template = self._learn(document, values, shape_key, set(verbatim))
        return None if template is None else template.fill(values)

    def _learn(
        self,
        document: Mapping[str, Any],
        values: list[str],
        shape_key: tuple[object, ...],
        verbatim: set[int],
    ) -> _Template | None:
        template: _Template | None = None
        for _ in range(len(values) + 1):
            try:
                template = _build(document, values, verbatim)
                break
            except _NeedsVerbatim as exc:
                if not exc.slots or exc.slots <= verbatim:
                    template = None
                    break
                verbatim |= exc.slots
        learned = tuple(sorted(verbatim))
        shape = self._shapes.setdefault(shape_key, _Shape())
        shape.verbatim = tuple(sorted(verbatim.union(shape.verbatim)))
        self._templates.put((shape, learned, tuple([values[i] for i in learned])), template)
        return template

    def clear(self) -> None:
        self._shapes.clear()
        self._templates.clear()
