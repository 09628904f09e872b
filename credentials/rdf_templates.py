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

import json
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, cast

from pyld.nquads import escape as _pyld_escape

from credentials import jsonld
from credentials.errors import MicrocredError, UndefinedTermError

_NONCE = secrets.token_hex(6)
_TOKEN = re.compile(rf"mcph{_NONCE}x(\d+)z")
_MAX_TEMPLATES = 512
_MAX_SHAPES = 256


def _token(slot: int) -> str:
    return f"mcph{_NONCE}x{slot}z"


def _slot_class(value: str) -> str:
    colon = value.find(":")
    if colon <= 0:
        return "r"
    prefix = value[:colon]
    return ("a:" if value.startswith("//", colon + 1) else "p:") + prefix


def _placeholder(slot: int, klass: str) -> str:
    if klass == "r":
        return _token(slot)
    prefix = klass[2:]
    return f"{prefix}://{_token(slot)}" if klass[0] == "a" else f"{prefix}:{_token(slot)}"


def _steers(key: str) -> bool:
    """Strings under these keys steer expansion, so they are never slots."""
    return key == "type" or (key.startswith("@") and key not in ("@id", "@value"))


# --- the shape of a document --------------------------------------------------------------


class _Mark:
    """A structural token of a shape key: equal only to itself, never to a key or a value."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


# A shape key is a flat tuple read like a grammar: a dict is _DICT (key value)* _END, a list
# _LIST value* _END, a scalar one string token ("=" verbatim, "n" number/boolean/null, or a
# slot class, which never starts with "=" or "n"). Keys are always strings and tokens never
# marks, so two shapes give equal tuples only if they are equal: no json.dumps needed.
_DICT = _Mark("{")
_LIST = _Mark("[")
_END = _Mark("]")
_JSON = _Mark("json")
# Exact types only: True == 1 == 1.0 in a tuple, so numbers are keyed by their repr, and a
# subclass (IntEnum...) might print differently from what pyld writes. Those go to pyld.
_NUMBERS = (bool, int, float)


class _UnsupportedError(Exception):
    """A value a template cannot stand for (non-string key, non-JSON type): plain pyld."""


def _context_token(context: Any) -> object:
    if isinstance(context, str):
        return context
    if isinstance(context, list) and all(isinstance(item, str) for item in context):
        return tuple(context)
    # Embedded contexts (rare) keep their key order: pyld processes terms in that order.
    return (_JSON, json.dumps(context, ensure_ascii=False, separators=(",", ":")))


def _shape(node: Any, tokens: list[object], slots: list[str], steering: bool = False) -> None:
    """Append ``node``'s shape to ``tokens`` and its slot values to ``slots``, in one pass."""
    if isinstance(node, str):
        if steering or node[:1] == "@" or _NONCE in node:
            tokens.append("=" + node)
            return
        if type(node) is not str:
            node = str.__str__(node)  # the characters pyld sees, not a subclass's __format__
        slots.append(node)
        tokens.append(_slot_class(node))
    elif isinstance(node, dict):
        tokens.append(_DICT)
        for key, value in node.items():
            if type(key) is not str:
                raise _UnsupportedError
            tokens.append(key)
            if key == "@context":
                tokens.append(_context_token(value))
            else:
                _shape(value, tokens, slots, _steers(key))
        tokens.append(_END)
    elif isinstance(node, list):
        tokens.append(_LIST)
        for item in node:
            _shape(item, tokens, slots, steering)
        tokens.append(_END)
    elif node is None or type(node) in _NUMBERS:
        tokens.append("n" + repr(node))
    else:
        raise _UnsupportedError


def shape_of(document: Mapping[str, Any]) -> tuple[tuple[object, ...], list[str]] | None:
    """The shape key of ``document`` and its slot values; None when no template can serve it."""
    tokens: list[object] = []
    slots: list[str] = []
    try:
        _shape(document, tokens, slots)
    except (_UnsupportedError, TypeError, ValueError, RecursionError):
        return None  # TypeError/ValueError: json.dumps or repr refusing an odd value
    return tuple(tokens), slots


def _rebuild(node: Any, values: Iterator[str], steering: bool = False) -> Any:
    """``node`` with its slots (in ``_shape`` order) replaced by ``values``."""
    if isinstance(node, dict):
        return {
            key: value if key == "@context" else _rebuild(value, values, _steers(key))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebuild(item, values, steering) for item in node]
    if isinstance(node, str) and not (steering or node.startswith("@") or _NONCE in node):
        return next(values)
    return node


# --- the terms a document's contexts define ---------------------------------------------


def _context_terms(context: Any, seen: set[str]) -> set[str]:
    terms: set[str] = set()
    if isinstance(context, str):
        if context not in seen:
            seen.add(context)
            terms |= _context_terms(jsonld.get_context(context), seen)
    elif isinstance(context, list):
        for item in context:
            terms |= _context_terms(item, seen)
    elif isinstance(context, dict):
        for key, value in context.items():
            terms.add(key)
            if isinstance(value, dict | list) or (key in ("@context", "@import") and value):
                terms |= _context_terms(value, seen)
    return terms


def _document_terms(node: Any, seen: set[str]) -> set[str]:
    terms: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                terms |= _context_terms(value, seen)
            else:
                terms |= _document_terms(value, seen)
    elif isinstance(node, list):
        for item in node:
            terms |= _document_terms(item, seen)
    return terms


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
    for match in _TOKEN.finditer(nquads):
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
    classes = [_slot_class(v) for v in values]
    placeholders = {i: _placeholder(i, classes[i]) for i in range(len(values)) if i not in verbatim}
    filled = [v if i in verbatim else placeholders[i] for i, v in enumerate(values)]
    synthetic = _rebuild(document, iter(filled))
    try:
        nquads = jsonld.to_nquads(synthetic)
    except UndefinedTermError as exc:
        culprit = _TOKEN.search(exc.term)
        if culprit is None:
            return None  # a genuine error: let plain pyld report it on the real document
        raise _NeedsVerbatim({int(culprit.group(1))}) from None
    except MicrocredError:
        return None
    fragments, holes = _analyse(nquads, placeholders, len(values))
    has_iri = any(is_iri for _, is_iri in holes)
    terms = frozenset(_document_terms(document, set())) if has_iri else frozenset()
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
        self._shapes: OrderedDict[tuple[object, ...], _Shape] = OrderedDict()
        self._templates: OrderedDict[_Key, _Template | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def nquads(self, document: Mapping[str, Any]) -> str | None:
        """pyld's N-Quads for ``document`` from a template, or None to use plain pyld."""
        shaped = shape_of(document)
        if shaped is None:
            return None
        shape_key, values = shaped
        template: _Template | None = _MISSING
        verbatim: tuple[int, ...] = ()
        with self._lock:
            # Shapes are not moved to the end on a hit (that would hash the long key again):
            # a hot shape evicted by _MAX_SHAPES newer ones is simply learned once more.
            shape = self._shapes.get(shape_key)
            if shape is not None:
                verbatim = shape.verbatim
                key = (shape, verbatim, tuple([values[i] for i in verbatim]))
                template = self._templates.get(key, _MISSING)
            if template is _MISSING:
                self.misses += 1
            else:
                self._templates.move_to_end(key)
                self.hits += 1
        if template is _MISSING:
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
        with self._lock:
            shape = self._shapes.get(shape_key)
            if shape is None:
                shape = self._shapes[shape_key] = _Shape()
            self._shapes.move_to_end(shape_key)
            shape.verbatim = tuple(sorted(verbatim.union(shape.verbatim)))
            while len(self._shapes) > _MAX_SHAPES:
                self._shapes.popitem(last=False)
            self._templates[(shape, learned, tuple([values[i] for i in learned]))] = template
            while len(self._templates) > _MAX_TEMPLATES:
                self._templates.popitem(last=False)
        return template

    def clear(self) -> None:
        with self._lock:
            self._shapes.clear()
            self._templates.clear()


_MISSING: Any = object()
