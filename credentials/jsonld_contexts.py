"""The JSON-LD contexts the offline loader knows: the bundle, plus what an operator registers.

Contexts come only from ``credentials/contexts/`` (plus contexts registered explicitly);
any other URL is refused with ``UnknownContextError`` naming it: a context fetched at
verification time would let a remote party change what a signed document means.
Caches built on what the contexts say (processed contexts, RDF templates) subscribe
with ``on_contexts_changed`` and are emptied whenever the set changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from credentials.errors import JsonLdProcessingError, UnknownContextError

__all__ = [
    "CONTEXT_URLS",
    "VC_V2_CONTEXT",
    "document_loader",
    "get_context",
    "on_contexts_changed",
    "register_context",
    "unregister_context",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def _load_bundle() -> dict[str, Any]:
    folder = resources.files("credentials") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    return {
        url: json.loads((folder / entry["file"]).read_text("utf-8"))
        for url, entry in manifest.items()
    }


_CONTEXTS: dict[str, Any] = _load_bundle()
_CONTEXTS_LOCK = threading.Lock()
_listeners: list[Callable[[], None]] = []

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
    _changed()


def unregister_context(url: str) -> None:
    """Remove a context added with ``register_context`` (bundled contexts stay)."""
    if url in CONTEXT_URLS:
        raise JsonLdProcessingError(f"bundled context {url!r} cannot be removed", field="@context")
    with _CONTEXTS_LOCK:
        _CONTEXTS.pop(url, None)
    _changed()


def on_contexts_changed(listener: Callable[[], None]) -> None:
    """Call ``listener`` whenever a context is registered or removed: caches built on
    what the contexts say (processed contexts, RDF templates) must forget it then."""
    _listeners.append(listener)


def _changed() -> None:
    for listener in _listeners:
        listener()


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
