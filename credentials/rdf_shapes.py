"""The *shape* of a JSON-LD document: what steers JSON-LD processing, apart from its strings.

``credentials.rdf_templates`` keys its templates by shape (its docstring says why that is
sound). A shape key is a flat tuple of the document's keys, numbers, steering strings
(``type``, ``@…`` values, contexts) and, for every other string, its *slot class*; the
strings themselves are the slot values. Placeholders carry a per-process nonce, so no
real document can contain one by accident (a string that does is taken verbatim).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from credentials import jsonld

__all__ = ["TOKEN", "document_terms", "placeholder", "rebuild", "shape_of", "slot_class"]

_NONCE = secrets.token_hex(6)
TOKEN = re.compile(rf"mcph{_NONCE}x(\d+)z")


def _token(slot: int) -> str:
    return f"mcph{_NONCE}x{slot}z"


def slot_class(value: str) -> str:
    colon = value.find(":")
    if colon <= 0:
        return "r"
    prefix = value[:colon]
    return ("a:" if value.startswith("//", colon + 1) else "p:") + prefix


def placeholder(slot: int, klass: str) -> str:
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
        tokens.append(slot_class(node))
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


def rebuild(node: Any, values: Iterator[str], steering: bool = False) -> Any:
    """``node`` with its slots (in ``_shape`` order) replaced by ``values``."""
    if isinstance(node, dict):
        return {
            key: value if key == "@context" else rebuild(value, values, _steers(key))
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [rebuild(item, values, steering) for item in node]
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


def document_terms(node: Any, seen: set[str]) -> set[str]:
    terms: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                terms |= _context_terms(value, seen)
            else:
                terms |= document_terms(value, seen)
    elif isinstance(node, list):
        for item in node:
            terms |= document_terms(item, seen)
    return terms
