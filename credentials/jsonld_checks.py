"""What pyld lets through but must not pass: undefined terms, relative or unsafe IRIs.

pyld silently drops properties that no context defines, and resolves an undefined
``type`` value against the base IRI. Either would let an attacker add claims that the
signature does not cover, so ``check_expanded`` refuses both after expansion (the VC 2.0
context has no catch-all ``@vocab``), along with IRIs and language tags pyld would write
into N-Quads unescaped.
"""

from __future__ import annotations

import re
from typing import Any

from pyld import jsonld as _pyld

from credentials.errors import JsonLdProcessingError, UndefinedTermError

__all__ = ["PYLD_PLACEHOLDER_BASE", "check_expanded", "is_kept_iri"]

# pyld 3.3 resolves relative IRIs against this placeholder when a document has no base
# (jsonld.js leaves them relative and drops them). Either way the value was never defined.
PYLD_PLACEHOLDER_BASE: str = _pyld.DEFAULT_BASE_IRI


# Characters RFC 3987 does not allow anywhere in an IRI. pyld writes IRIs into N-Quads
# without escaping, so one of these (">" above all) could forge quad structure.
_FORBIDDEN_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
# jsonld.js takes an IRI as absolute only when it matches /^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$/
# (JavaScript's \s, which includes U+FEFF); pyld's test is the same with Python's \s, which
# adds U+001C-U+001F and U+0085. An IRI either one takes as relative is refused: the
# reference libraries would drop it (and refuse the document in safe mode).
_ABSOLUTE_IRI = re.compile(r"([A-Za-z][A-Za-z0-9+-.]*|_):[^\s\ufeff]*")
# BCP 47 shape; pyld writes language tags unescaped too.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def is_kept_iri(value: object) -> bool:
    """True when ``value`` is an IRI or blank node that both pyld and jsonld.js keep, safely.

    Characters RFC 3987 allows beyond ASCII (``ucschar``: accented letters, CJK, emoji…)
    are kept; whitespace of any script is not, as neither library takes it as absolute.
    """
    if not isinstance(value, str) or value.startswith(PYLD_PLACEHOLDER_BASE):
        return False
    return _ABSOLUTE_IRI.fullmatch(value) is not None and _FORBIDDEN_IN_IRI.search(value) is None


def _term(value: object) -> str:
    """The term as the author wrote it, without pyld's placeholder base."""
    text = str(value)
    return text.removeprefix(PYLD_PLACEHOLDER_BASE)


def check_expanded(node: Any) -> None:
    """Refuse what pyld would drop or write unsafely, after expansion.

    pyld resolves an undefined type name such as ``"FooCredential"`` against the
    (empty) base and later drops the triple as relative; the same happens to a
    relative ``id``. Both would leave an unsigned, silently ignored claim.
    """
    if isinstance(node, list):
        for item in node:
            check_expanded(item)
    elif isinstance(node, dict):
        if "@value" in node:
            _check_value_object(node)
            return
        _check_node_identity(node)
        for key, value in node.items():
            if key in ("@id", "@type", "@context"):
                continue
            if not key.startswith("@") and not is_kept_iri(key):
                raise UndefinedTermError(
                    _term(key), reason="the property does not map to a valid IRI"
                )
            check_expanded(value)


def _check_value_object(node: dict[str, Any]) -> None:
    datatype = node.get("@type")
    if datatype is not None and datatype != "@json" and not is_kept_iri(datatype):
        raise UndefinedTermError(_term(datatype), reason="datatype is not an absolute IRI")
    language = node.get("@language")
    if language is not None and not _LANGUAGE_TAG.match(str(language)):
        raise JsonLdProcessingError(
            f"language tag {language!r} is not a well-formed BCP 47 tag", field="@language"
        )


def _check_node_identity(node: dict[str, Any]) -> None:
    if "@id" in node and node["@id"] is None:
        # JSON-LD expands keyword-like values such as "@Profile" to null and drops them.
        raise JsonLdProcessingError(
            "an id looks like a JSON-LD keyword (it starts with '@') and would be ignored",
            field="id",
        )
    node_id = node.get("@id")
    if node_id is not None and not is_kept_iri(node_id):
        raise UndefinedTermError(
            _term(node_id),
            reason='an identifier must be an absolute IRI without spaces or <>"{}|^`\\ characters',
        )
    for type_ in node.get("@type", ()):
        if not is_kept_iri(type_):
            raise UndefinedTermError(_term(type_), reason="no @context defines this type")
