"""Text that can be signed: every string in a JSON value must be Unicode scalar values.

Python's ``json`` module (like JavaScript's ``JSON.parse``) turns an escaped lone
surrogate such as ``"\\ud800"`` into a string that has no UTF-8 form. No
canonical form exists for it: RDFC-1.0 and RFC 8785 hash UTF-8, and the
reference libraries replace it with U+FFFD while hashing, so a signature over
it could never be checked the same way twice. Such input is refused, naming
the field, before anything is signed, stored or verified.
"""

from __future__ import annotations

import re
from typing import Any

from credentials.errors import InvalidTextError, NoncharacterError

__all__ = ["check_json_text", "check_noncharacters", "check_text", "may_hold_surrogates"]

# A \\u escape of a surrogate (a valid pair matches too; then the parsed value is walked).
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _field(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_string(text: str, path: str) -> None:
    if text.isascii():
        return
    match = _SURROGATE.search(text)
    if match is not None:
        raise InvalidTextError(path, character=f"U+{ord(match.group()):04X}")


def check_text(value: Any, path: str = "") -> None:
    """Raise ``InvalidTextError`` naming the first string (value or key) that is not UTF-8-able."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            _check_string(node, where)
        elif isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str):
                    _check_string(key, _field(where, key))
                    stack.append((item, _field(where, key)))
        elif isinstance(node, list | tuple):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))


_NONCHARACTER = re.compile("[\ufffe\uffff]")


def check_noncharacters(value: Any, path: str = "") -> None:
    """Refuse U+FFFE and U+FFFF anywhere in ``value`` before signing with eddsa-rdfc-2022.

    RDFC-1.0's canonical N-Quads escape them (``\\uFFFE``); rdf-canonize 5, under
    jsonld.js and most verifiers, writes them raw. No signature over them verifies in both,
    and no person types them (they are Unicode noncharacters), so issuing refuses them,
    naming the field. Verification still accepts either form (credentials.rdfc).
    """
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, str):
            if not node.isascii() and (match := _NONCHARACTER.search(node)) is not None:
                raise NoncharacterError(where, character=f"U+{ord(match.group()):04X}")
        elif isinstance(node, dict):
            for key, item in node.items():
                if isinstance(key, str):
                    stack.append((key, _field(where, key)))
                    stack.append((item, _field(where, key)))
        elif isinstance(node, list | tuple):
            stack.extend((item, f"{where}[{i}]") for i, item in enumerate(node))


def may_hold_surrogates(raw: bytes) -> bool:
    """False when JSON text ``raw`` (UTF-8) cannot parse to a string with a lone surrogate."""
    return _ESCAPED_SURROGATE.search(raw) is not None


def check_json_text(raw: bytes | str, parsed: Any) -> None:
    """``check_text`` for a value parsed from ``raw`` JSON, skipped when ``raw`` cannot hold one.

    Lone surrogates reach Python only through ``\\uD8xx``-``\\uDFxx`` escapes (raw UTF-8 cannot
    encode them), so one scan of the bytes clears almost every body without walking it.
    """
    if isinstance(raw, str):
        try:
            raw = raw.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate in the text itself
            check_text(parsed)
            return
    if _ESCAPED_SURROGATE.search(raw) is not None:
        check_text(parsed)
