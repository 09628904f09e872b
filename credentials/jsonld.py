"""JSON-LD → RDF → RDFC-1.0 canonical N-Quads, offline and strict.

Three things make this module differ from calling ``pyld.jsonld.normalize``:

1. **Offline.** Contexts come only from the bundle in ``credentials/contexts/``
   (plus contexts an operator registers explicitly). Any other URL is refused
   with ``UnknownContextError`` naming it: a context fetched at verification
   time would let a remote party change what a signed document means.
2. **Strict.** pyld silently drops properties that no context defines, and
   resolves an undefined ``type`` value against the base IRI. Either would let
   an attacker add claims that the signature does not cover, so both raise
   ``UndefinedTermError`` (the VC 2.0 context has no catch-all ``@vocab``).
3. **Fast.** Expanding a credential re-processes the same bundled contexts on
   every node (type-scoped contexts are reverted and re-applied at each level).
   The result of processing a given local context on top of a given active
   context is a pure function of the two, so it is memoised (bounded LRU).
   pyld then writes N-Quads and pyoxigraph runs RDFC-1.0 on them (pyld's own
   URDNA2015 is ~40x slower and writes control characters in literals raw,
   which RDFC-1.0 does not); credentials.rdfc has the details and the two
   corners where the reference libraries differ from the Recommendation.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from typing import Any, cast

from pyld import jsonld as _pyld

from credentials import rdfc
from credentials.errors import (
    JsonLdProcessingError,
    MicrocredError,
    UndefinedTermError,
    UnknownContextError,
)

__all__ = [
    "CONTEXT_URLS",
    "VC_V2_CONTEXT",
    "document_loader",
    "get_context",
    "register_context",
    "to_nquads",
    "unregister_context",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"

# --- the bundled contexts -------------------------------------------------------------------


def _load_bundle() -> dict[str, Any]:
    folder = resources.files("credentials") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    return {
        url: json.loads((folder / entry["file"]).read_text("utf-8"))
        for url, entry in manifest.items()
    }


_CONTEXTS: dict[str, Any] = _load_bundle()
_CONTEXTS_LOCK = threading.Lock()

#: URLs of the contexts bundled with the package (registered extras are not listed here).
CONTEXT_URLS: frozenset[str] = frozenset(_CONTEXTS)


def get_context(url: str) -> Any:
    """The parsed context document for ``url``; ``UnknownContextError`` if not available."""
    try:
        return _CONTEXTS[url]
    except KeyError:
        raise UnknownContextError(url) from None


def register_context(url: str, document: Mapping[str, Any]) -> None:
    """Make one more context available to the offline loader (operator configuration, tests).

    Registering is explicit and local: nothing is ever fetched. A URL that is
    already bundled cannot be replaced, so a bundled meaning cannot be changed.
    """
    if not isinstance(document, Mapping) or "@context" not in document:
        raise JsonLdProcessingError(
            f"context document for {url!r} must be a JSON object with an '@context' entry",
            field="@context",
        )
    with _CONTEXTS_LOCK:
        existing = _CONTEXTS.get(url)
        if existing is not None and existing != document:
            raise JsonLdProcessingError(
                f"context {url!r} is already defined and cannot be replaced", field="@context"
            )
        _CONTEXTS[url] = json.loads(json.dumps(document))
    _clear_caches()


def unregister_context(url: str) -> None:
    """Remove a context added with ``register_context`` (bundled contexts stay)."""
    if url in CONTEXT_URLS:
        raise JsonLdProcessingError(f"bundled context {url!r} cannot be removed", field="@context")
    with _CONTEXTS_LOCK:
        _CONTEXTS.pop(url, None)
    _clear_caches()


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that only ever answers from the bundle."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": get_context(url),
        # "static" lets pyld keep the resolved context across calls.
        "tag": "static",
    }


# --- a strict, memoising pyld processor -----------------------------------------------------

_CACHE_SIZE = 1024
# pyld keeps module-level cachetools caches that are not thread-safe; JSON-LD work is
# CPU-bound under the GIL anyway, so serialising it costs nothing and keeps them sound.
_pyld_lock = threading.RLock()
_context_cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()
_context_listeners: list[Callable[[], None]] = []


def _clear_caches() -> None:
    with _cache_lock:
        _context_cache.clear()
    _pyld._resolved_context_cache.clear()
    for listener in _context_listeners:
        listener()


def on_contexts_changed(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever a context is registered or removed: caches built above
    this module (credentials.canonical's RDF templates) depend on what the contexts say."""
    _context_listeners.append(listener)


def _local_context_key(local_ctx: Any) -> Any:
    if isinstance(local_ctx, str):
        return local_ctx
    # Embedded contexts are keyed by their content: two equal contexts mean the same.
    return json.dumps(local_ctx, sort_keys=True, separators=(",", ":"))


def _raise_dropped(expanded_property: str | None) -> None:
    raise UndefinedTermError(str(expanded_property))


class _StrictProcessor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with dropped terms as errors and memoised context processing."""

    def __init__(self, *, memoise: bool = True) -> None:
        super().__init__(on_property_dropped=_raise_dropped)
        self._memoise = memoise

    def _process_context(  # noqa: PLR0917 - pyld's own signature
        self,
        active_ctx: dict[str, Any],
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            return cast(
                dict[str, Any],
                super(_StrictProcessor, self)._process_context(
                    active_ctx,
                    local_ctx,
                    options,
                    override_protected,
                    propagate,
                    validate_scoped,
                    cycles,
                ),
            )

        active_id = active_ctx.get("_uuid")
        if active_id is None or not self._memoise:
            return compute()
        key = (
            active_id,
            _local_context_key(local_ctx),
            override_protected,
            propagate,
            validate_scoped,
        )
        with _cache_lock:
            hit = _context_cache.get(key)
            if hit is not None:
                _context_cache.move_to_end(key)
                return hit
        result = compute()
        # A stable identity makes the *next* level of nesting cacheable too, and lets pyld's
        # own per-context caches (inverse contexts, resolved scoped contexts) hit.
        result.setdefault("_uuid", str(uuid.uuid4()))
        with _cache_lock:
            _context_cache[key] = result
            if len(_context_cache) > _CACHE_SIZE:
                _context_cache.popitem(last=False)
        return result

    def _expand_iri(  # noqa: PLR0917 - pyld's own signature
        self,
        active_ctx: dict[str, Any],
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        expanded = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        # A network-path reference ("//host/x") is relative. With no base pyld resolves it
        # against its placeholder base and keeps the scheme ("http://host/x"); jsonld.js
        # (base null, as eddsa-rdfc-2022 runs it) leaves it relative and refuses it.
        if (
            isinstance(value, str)
            and value.startswith("//")
            and isinstance(expanded, str)
            and expanded == _pyld.resolve(value, _PYLD_PLACEHOLDER_BASE)
        ):
            raise UndefinedTermError(
                value, reason="'//host' is a relative reference; an identifier needs a scheme"
            )
        return expanded

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded)
        return expanded


# --- what pyld lets through but must not pass ------------------------------------------------

# pyld 3.3 resolves relative IRIs against this placeholder when a document has no base
# (jsonld.js leaves them relative and drops them). Either way the value was never defined.
_PYLD_PLACEHOLDER_BASE: str = _pyld.DEFAULT_BASE_IRI


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
    if not isinstance(value, str) or value.startswith(_PYLD_PLACEHOLDER_BASE):
        return False
    return _ABSOLUTE_IRI.fullmatch(value) is not None and _FORBIDDEN_IN_IRI.search(value) is None


def _term(value: object) -> str:
    """The term as the author wrote it, without pyld's placeholder base."""
    text = str(value)
    return text.removeprefix(_PYLD_PLACEHOLDER_BASE)


def _check_expanded(node: Any) -> None:
    """Refuse what pyld would drop or write unsafely, after expansion.

    pyld resolves an undefined type name such as ``"FooCredential"`` against the
    (empty) base and later drops the triple as relative; the same happens to a
    relative ``id``. Both would leave an unsigned, silently ignored claim.
    """
    if isinstance(node, list):
        for item in node:
            _check_expanded(item)
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
            _check_expanded(value)


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


# --- public entry points ---------------------------------------------------------------------


def _options() -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "format": "application/n-quads",
        "base": "",
        "processingMode": "json-ld-1.1",
        "safe": True,
        # As eddsa-rdfc-2022's reference implementation: "@direction" becomes part of the
        # literal's datatype (https://www.w3.org/ns/i18n#ar_rtl) instead of being dropped.
        "rdfDirection": "i18n-datatype",
    }


def _pyld_errors(exc: _pyld.JsonLdError) -> Iterable[BaseException]:
    cause: BaseException | None = exc
    while cause is not None:
        yield cause
        cause = cause.__cause__ or cause.__context__


def to_nquads(document: Mapping[str, Any]) -> str:
    """Deserialise a JSON-LD document to (non-canonical) N-Quads, strictly and offline."""
    return _run_pyld(_StrictProcessor(), document)


def _run_pyld(processor: _StrictProcessor, document: Mapping[str, Any]) -> str:
    try:
        with _pyld_lock:
            return cast(str, processor.to_rdf(document, _options()))
    except _pyld.JsonLdError as exc:
        # pyld wraps our own errors (raised from the loader) in its error type; unwrap them.
        for cause in _pyld_errors(exc):
            if isinstance(cause, UnknownContextError | UndefinedTermError):
                raise cause from None
        raise JsonLdProcessingError(
            f"JSON-LD processing failed: {_describe(exc)}",
            details={"jsonld_code": getattr(exc, "code", None)},
        ) from None
    except RecursionError:
        raise JsonLdProcessingError("document is nested too deeply") from None
    except (MicrocredError, MemoryError):
        raise
    except Exception as exc:
        # pyld has crashes of its own on odd input (TypeError, KeyError...): still bad input.
        raise JsonLdProcessingError(
            f"JSON-LD processing failed on this document ({type(exc).__name__})"
        ) from None


def _describe(exc: _pyld.JsonLdError) -> str:
    innermost: BaseException = exc
    for cause in _pyld_errors(exc):
        innermost = cause
    code = getattr(innermost, "code", None) or getattr(exc, "code", None)
    message = getattr(innermost, "message", None) or str(innermost).split("\n", 1)[0]
    return f"{message} ({code})" if code else str(message)


def canonicalize_nquads(nquads: str) -> str:
    """RDFC-1.0 over an N-Quads dataset, byte for byte as the reference libraries write it."""
    return rdfc.canonicalize(nquads)


def reference_nquads(document: Mapping[str, Any]) -> str:
    """The same answer computed the slow way: no memoised contexts, no templates; for tests."""
    return canonicalize_nquads(_run_pyld(_StrictProcessor(memoise=False), document))
