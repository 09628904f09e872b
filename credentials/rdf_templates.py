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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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


def _shape(node: Any, slots: list[str], steering: bool = False) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out[key] = value if key == "@context" else _shape(value, slots, _steers(key))
        return out
    if isinstance(node, list):
        return [_shape(item, slots, steering) for item in node]
    if isinstance(node, str):
        if steering or node.startswith("@") or _NONCE in node:
            return "=" + node
        slots.append(node)
        return "#" + _slot_class(node)
    return node  # numbers, booleans, null: verbatim (JSON keeps 1, 1.0 and true apart)


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


@dataclass(frozen=True, slots=True)
class _Template:
    #: N-Quads text in pieces: fragments[0], slot, fragments[1], slot, ... fragments[-1].
    fragments: tuple[str, ...]
    holes: tuple[tuple[int, bool], ...]  # (slot, is_iri) between consecutive fragments
    iri_slots: frozenset[int]
    terms: frozenset[str]

    def fill(self, values: list[str]) -> str | None:
        for slot in self.iri_slots:
            value = values[slot]
            if value in self.terms or not jsonld.is_kept_iri(value):
                return None
        parts = [self.fragments[0]]
        for (slot, is_iri), fragment in zip(self.holes, self.fragments[1:], strict=True):
            parts.append(values[slot] if is_iri else _pyld_escape(values[slot]))
            parts.append(fragment)
        return "".join(parts)


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
    iri_slots = frozenset(slot for slot, is_iri in holes if is_iri)
    terms = frozenset(_document_terms(document, set())) if iri_slots else frozenset()
    return _Template(tuple(fragments), tuple(holes), iri_slots, terms)


_Key = tuple[str, tuple[str | None, ...]]


def _key_values(values: list[str], verbatim: frozenset[int]) -> tuple[str | None, ...]:
    # None (not "") marks a slot that is not verbatim, so a key can never match a template
    # that was built with a different set of verbatim slots.
    return tuple(values[i] if i in verbatim else None for i in range(len(values)))


class TemplateCache:
    """Shapes → slots that must be verbatim; (shape, verbatim values) → template. Bounded LRU."""

    def __init__(self) -> None:
        self._verbatim: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._templates: OrderedDict[_Key, _Template | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def nquads(self, document: Mapping[str, Any]) -> str | None:
        """pyld's N-Quads for ``document`` from a template, or None to use plain pyld."""
        values: list[str] = []
        shape_key = json.dumps(_shape(document, values), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            verbatim = self._verbatim.get(shape_key, frozenset())
        key = (shape_key, _key_values(values, verbatim))
        with self._lock:
            template = self._templates.get(key, _MISSING)
            if template is not _MISSING:
                self._templates.move_to_end(key)
                self.hits += 1
        if template is _MISSING:
            self.misses += 1
            template, key = self._learn(document, values, shape_key, set(verbatim))
        if template is None:
            return None
        return cast(_Template, template).fill(values)

    def _learn(
        self, document: Mapping[str, Any], values: list[str], shape_key: str, verbatim: set[int]
    ) -> tuple[_Template | None, _Key]:
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
        frozen = frozenset(verbatim)
        key = (shape_key, _key_values(values, frozen))
        with self._lock:
            self._verbatim[shape_key] = frozen | self._verbatim.get(shape_key, frozenset())
            self._verbatim.move_to_end(shape_key)
            while len(self._verbatim) > _MAX_SHAPES:
                self._verbatim.popitem(last=False)
            self._templates[key] = template
            while len(self._templates) > _MAX_TEMPLATES:
                self._templates.popitem(last=False)
        return template, key

    def clear(self) -> None:
        with self._lock:
            self._verbatim.clear()
            self._templates.clear()


_MISSING: Any = object()
