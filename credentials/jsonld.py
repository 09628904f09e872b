"""JSON-LD → RDF → RDFC-1.0 canonical N-Quads, offline and strict.

Three things make this module differ from calling ``pyld.jsonld.normalize``:

1. **Offline.** Contexts come only from the bundle (``credentials.jsonld_contexts``,
   re-exported here): any other URL is refused with ``UnknownContextError`` naming it.
2. **Strict.** What pyld would silently drop (undefined terms, relative IRIs) raises
   ``UndefinedTermError`` (``credentials.jsonld_checks``).
3. **Fast.** Expanding a credential re-processes the same bundled contexts on
   every node (type-scoped contexts are reverted and re-applied at each level).
   The result of processing a given local context on top of a given active
   context is a pure function of the two, so it is memoised (``credentials.caching``).
   pyld then writes N-Quads and pyoxigraph runs RDFC-1.0 on them (pyld's own
   URDNA2015 is ~40x slower and writes control characters in literals raw,
   which RDFC-1.0 does not); credentials.rdfc has the details and the two
   corners where the reference libraries differ from the Recommendation.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, cast

from pyld import jsonld as _pyld

from credentials import rdfc
from credentials.caching import Cache
from credentials.errors import (
    JsonLdProcessingError,
    MicrocredError,
    UndefinedTermError,
    UnknownContextError,
)
from credentials.jsonld_checks import PYLD_PLACEHOLDER_BASE, check_expanded, is_kept_iri
from credentials.jsonld_contexts import (
    CONTEXT_URLS,
    VC_V2_CONTEXT,
    document_loader,
    get_context,
    on_contexts_changed,
    register_context,
    unregister_context,
)

__all__ = [
    "CONTEXT_URLS",
    "VC_V2_CONTEXT",
    "document_loader",
    "get_context",
    "is_kept_iri",
    "on_contexts_changed",
    "register_context",
    "to_nquads",
    "unregister_context",
]

# --- a strict, memoising pyld processor -----------------------------------------------------

_CACHE_SIZE = 1024
# pyld keeps module-level cachetools caches that are not thread-safe; JSON-LD work is
# CPU-bound under the GIL anyway, so serialising it costs nothing and keeps them sound.
_pyld_lock = threading.RLock()
# (active context id, local context, flags) -> the processed context.
_context_cache: Cache[tuple[Any, ...], dict[str, Any]] = Cache(_CACHE_SIZE, name="jsonld.contexts")


def _clear_caches() -> None:
    _context_cache.clear()
    _pyld._resolved_context_cache.clear()


on_contexts_changed(_clear_caches)


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
        hit = _context_cache.get(key)
        if hit is not None:
            return hit
        result = compute()
        # A stable identity makes the *next* level of nesting cacheable too, and lets pyld's
        # own per-context caches (inverse contexts, resolved scoped contexts) hit.
        result.setdefault("_uuid", str(uuid.uuid4()))
        _context_cache.put(key, result)
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
            and expanded == _pyld.resolve(value, PYLD_PLACEHOLDER_BASE)
        ):
            raise UndefinedTermError(
                value, reason="'//host' is a relative reference; an identifier needs a scheme"
            )
        return expanded

    def expand(self, input_: Any, options: dict[str, Any]) -> Any:
        expanded = super().expand(input_, options)
        check_expanded(expanded)
        return expanded


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
