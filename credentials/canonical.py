"""RDFC-1.0 canonical N-Quads of a JSON-LD document: what ``eddsa-rdfc-2022`` hashes.

The entry point over the two ways of getting there: ``credentials.rdf_templates`` (pyld's
output for a document shape already seen, filled with this document's strings) and
``credentials.jsonld`` (pyld itself, strict and offline), which stays the reference.
Both of those sit below this module, so neither has to import the other's user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from credentials import rdfc
from credentials.errors import InvalidTextError, JsonLdProcessingError
from credentials.jsonld import (
    canonicalize_nquads,
    on_contexts_changed,
    reference_nquads,
    to_nquads,
)
from credentials.jsontext import check_text
from credentials.rdf_templates import TemplateCache

__all__ = [
    "canonical_forms",
    "canonical_nquads",
    "canonicalize_nquads",
    "reference_nquads",
    "use_templates",
]


class _TemplateSwitch:
    """Holds the template cache (created on first use, so that importing costs nothing)."""

    enabled = True
    cache: TemplateCache | None = None


_TEMPLATES = _TemplateSwitch()


def _clear_templates() -> None:
    if _TEMPLATES.cache is not None:
        _TEMPLATES.cache.clear()


on_contexts_changed(_clear_templates)


def use_templates(enabled: bool) -> None:
    """Turn the per-shape RDF templates on or off (benchmarks compare both; on by default)."""
    _TEMPLATES.enabled = enabled
    if _TEMPLATES.cache is not None:
        _TEMPLATES.cache.clear()


def canonical_nquads(document: Mapping[str, Any]) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document (what eddsa-rdfc-2022 hashes).

    Documents of a shape already seen are filled into pyld's output for that shape
    (credentials.rdf_templates); anything else goes through pyld itself.
    """
    return canonical_forms(document)[0]


def canonical_forms(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The reference libraries' canonical form, then RDFC-1.0's literal one if it differs.

    They differ only for rare text (see credentials.rdfc); a verifier accepts a
    signature over either, since both are canonical forms of the same RDF dataset.
    """
    try:
        return _canonical_forms(document)
    except InvalidTextError:
        check_text(dict(document))  # names the field
        raise


def _canonical_forms(document: Mapping[str, Any]) -> tuple[str, ...]:
    if _TEMPLATES.enabled:
        if _TEMPLATES.cache is None:
            _TEMPLATES.cache = TemplateCache()
        nquads = _TEMPLATES.cache.nquads(document)
        if nquads is not None:
            try:
                return rdfc.canonical_forms(nquads)
            except JsonLdProcessingError:
                pass  # plain pyld decides, and names the problem
    return rdfc.canonical_forms(to_nquads(document))
