"""The per-app sharing objects (cache, renderers, status) and the look-ups views share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from flask import current_app

from credentials.documents.render_pool import RenderBudget, RenderPool, shared_pool
from credentials.errors import ConfigurationError
from credentials.verify import Verifier
from microcred.platform.refusals import NotFoundError
from sharing.badges import BadgeImages
from sharing.cache import DocumentCache
from sharing.documents import DocumentService, TemplateFingerprint
from sharing.interfaces import SharingSources, StoredCredential
from sharing.links import CredentialLinks
from sharing.status import StatusService

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "EXTENSION_KEY",
    "Sharing",
    "build_sharing",
    "credential_links",
    "forget_documents",
    "load_issued",
    "sharing",
]

EXTENSION_KEY: Final = "microcred.sharing"
#: Where the verifier-web feature keeps the app-wide Verifier (verifier.web.service).
VERIFIER_KEY: Final = "microcred.verifier"


@dataclass(frozen=True, slots=True)
class Sharing:
    documents: DocumentService
    status: StatusService
    cache: DocumentCache
    #: What the issuing side lends (``sharing.interfaces``), filled in by the app factory.
    sources: SharingSources


def _number(config: Mapping[str, Any], name: str, kind: type[int] | type[float]) -> Any:
    """A positive number from the config (environment variables arrive as text)."""
    try:
        value = kind(config[name])
    except (TypeError, ValueError):
        value = -1
    if value < 0 or (kind is int and value == 0):
        raise ConfigurationError(
            f"{name} must be a positive {'integer' if kind is int else 'number'}, "
            f"not {config[name]!r}",
            field=name,
        )
    return value


def render_pool(config: Mapping[str, Any]) -> RenderPool:
    """The renderers for this budget (settings in microcred.platform.config), shared by
    every app of this process with the same settings."""
    default = RenderBudget()  # for an app built without the platform's config
    settings = {
        "MICROCRED_RENDER_SECONDS": default.seconds,
        "MICROCRED_RENDER_MEMORY_MB": default.memory_mb,
        "MICROCRED_RENDER_WORKERS": default.workers,
        "MICROCRED_RENDER_QUEUE_SECONDS": default.queue_seconds,
        "MICROCRED_RENDER_ISOLATED": default.isolated,
    }
    settings.update((key, config[key]) for key in settings if config.get(key) is not None)
    budget = RenderBudget(
        seconds=_number(settings, "MICROCRED_RENDER_SECONDS", float),
        memory_mb=_number(settings, "MICROCRED_RENDER_MEMORY_MB", int),
        workers=_number(settings, "MICROCRED_RENDER_WORKERS", int),
        queue_seconds=_number(settings, "MICROCRED_RENDER_QUEUE_SECONDS", float),
        isolated=bool(settings["MICROCRED_RENDER_ISOLATED"]),
    )
    return shared_pool(budget)


def build_sharing(app: Flask, sources: SharingSources) -> Sharing:
    config = app.config
    cache_dir = config.get("MICROCRED_DOCUMENT_CACHE_DIR") or Path(app.instance_path) / "documents"
    cache = DocumentCache(
        root=Path(cache_dir),
        max_bytes=_number(config, "MICROCRED_DOCUMENT_CACHE_MAX_BYTES", int),
        max_files=_number(config, "MICROCRED_DOCUMENT_CACHE_MAX_FILES", int),
    )
    fingerprint = TemplateFingerprint(
        Path(config["MICROCRED_CERTIFICATE_TEMPLATES"]),
        str(config["MICROCRED_CERTIFICATE_TEMPLATE"]),
        check_seconds=_number(config, "MICROCRED_TEMPLATE_CHECK_SECONDS", float),
    )
    pool = render_pool(config)
    documents = DocumentService(
        cache=cache,
        badges=BadgeImages(pool=pool),
        pool=pool,
        fingerprint=fingerprint,
        base_url=str(config["MICROCRED_BASE_URL"]),
    )

    def app_verifier() -> Verifier | None:
        verifier = app.extensions.get(VERIFIER_KEY)
        return verifier if isinstance(verifier, Verifier) else None

    status = StatusService(
        verifier=app_verifier,
        memo_seconds=_number(config, "MICROCRED_STATUS_MEMO_SECONDS", float),
    )
    return Sharing(documents=documents, status=status, cache=cache, sources=sources)


def sharing() -> Sharing:
    value: Sharing = current_app.extensions[EXTENSION_KEY]
    return value


def forget_documents(credential_ids: Iterable[str]) -> int:
    """Delete this app's cached PDFs and badges of these credentials (how many files): an
    erasure's hook, wired by the composition root. Nothing to do without sharing."""
    found: Sharing | None = current_app.extensions.get(EXTENSION_KEY)
    return found.documents.forget(credential_ids) if found is not None else 0


def load_issued(credential_id: uuid.UUID | str) -> StoredCredential:
    """The stored credential with what every document needs (one query, see
    ``issuer.sharing_sources``)."""
    issued = sharing().sources.credentials(str(credential_id))
    if issued is None:
        raise NotFoundError(f"no credential with id {credential_id}")
    return issued


def credential_links(issued: StoredCredential) -> CredentialLinks:
    return CredentialLinks(
        base_url=str(current_app.config["MICROCRED_BASE_URL"]),
        credential_uuid=issued.id,
        short_code=issued.short_code,
    )
