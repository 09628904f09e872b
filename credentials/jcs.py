"""RFC 8785 JSON Canonicalization Scheme, with a fast path.

``rfc8785`` is the reference here (it passes the RFC's vectors and refuses
numbers outside IEEE 754 double range), but it is pure Python and costs about
as much as the Ed25519 verification itself. For the documents credentials
actually are, the standard library's C encoder produces the same bytes:

- with ``sort_keys``, keys sort by code point, which equals RFC 8785's UTF-16
  code-unit order as long as no character lies outside the BMP;
- with ``ensure_ascii=False`` it escapes exactly ``"`` ``\\`` and U+0000–U+001F,
  using the short forms for \\b \\t \\n \\f \\r and lowercase ``\\u00xx`` for the
  rest, as ECMAScript's JSON.stringify does;
- integers print identically while they are exact doubles (|n| ≤ 2^53).

So the fast path is taken only when there is no float, every integer is within
±2^53, no character is outside the BMP and the text is valid UTF-8 (no lone
surrogates). Everything else goes to ``rfc8785``. tests/credentials/test_jcs.py
checks the two agree on generated documents.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

import rfc8785

from credentials.errors import CanonicalizationError
from credentials.jsontext import check_text

# Number.MAX_SAFE_INTEGER: rfc8785 refuses anything larger in magnitude.
_MAX_SAFE_INTEGER = 2**53 - 1


class _NotFastError(Exception):
    """Internal signal: this document needs the reference implementation."""


def _refuse_float(_: str) -> Any:
    raise _NotFastError


def _check_int(text: str) -> int:
    value = int(text)
    if abs(value) > _MAX_SAFE_INTEGER:
        raise _NotFastError
    return value


# UTF-8 lead bytes of 4-byte sequences: characters outside the BMP.
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]")


def _fast(document: object) -> bytes | None:
    try:
        text = json.dumps(
            document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
        encoded = text.encode("utf-8")
    except (TypeError, ValueError):  # UnicodeEncodeError (a lone surrogate) is a ValueError
        return None
    if _BEYOND_BMP.search(encoded):
        return None
    try:
        # Re-reading the text is a C-speed way to see every number literal.
        json.loads(text, parse_float=_refuse_float, parse_int=_check_int)
    except _NotFastError:
        return None
    return encoded


def canonicalize(document: object) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    fast = _fast(document)
    if fast is not None:
        return fast
    return reference_canonicalize(document)


def reference_canonicalize(document: object) -> bytes:
    """RFC 8785 through the ``rfc8785`` library only (for tests and odd documents)."""
    check_text(document)
    try:
        return rfc8785.dumps(document)  # type: ignore[arg-type]  # any JSON value is accepted
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        located = _unsigned_number(document)
        if located is not None:
            raise _number_error(*located) from None
        raise CanonicalizationError(f"cannot canonicalise with RFC 8785: {exc}") from None


def _unsigned_number(value: object, path: str = "") -> tuple[str, object] | None:
    """The first number RFC 8785 cannot write exactly (an integer beyond ±(2^53-1), NaN, ±inf)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (path, value) if abs(value) > _MAX_SAFE_INTEGER else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value)
    items: Iterable[tuple[str, object]] = ()
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else str(k), v) for k, v in value.items())
    elif isinstance(value, list | tuple):
        items = ((f"{path}[{i}]", v) for i, v in enumerate(value))
    for where, item in items:
        found = _unsigned_number(item, where)
        if found is not None:
            return found
    return None


def _number_error(field: str, value: object) -> CanonicalizationError:
    if isinstance(value, int):
        # JSON.parse (every JavaScript verifier) reads it as the nearest double: other bytes.
        message = (
            f"{field or 'the document'}: the integer {value} is beyond ±(2^53-1), so "
            f"JavaScript reads it as {float(value):.17g} and RFC 8785 (eddsa-jcs-2022) has no "
            "exact form for it; write it as a string"
        )
    else:
        message = f"{field or 'the document'}: {value} is not a JSON number"
    return CanonicalizationError(message, field=field or None, details={"value": str(value)})
