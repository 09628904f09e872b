"""Trust sources for the verifier: this service's own providers, and operator-chosen registries.

* ``RegisteredIssuers`` — "registered here": asks the issuing side (through the small
  ``LocalIssuerDirectory`` interface the composition root fills in; the verifier imports
  nothing from ``issuer/``) what it knows about a DID.
* ``FileRegistry`` — a registry in a local file, read once at start-up.
* ``HttpRegistry`` — a registry at a URL, fetched through the SSRF-guarded fetcher and the
  HTTP cache (its freshness headers, else ``HttpCache.default_ttl``), inside the
  verification's time budget. A registry that cannot be read answers nothing (the issuer
  stays "unknown" unless another source knows it) and the decision notes why.

``load_registries`` reads the operator's configuration (``MICROCRED_TRUST_REGISTRIES``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from credentials.caching import Cache
from credentials.dates import parse_datetime
from credentials.errors import ConfigurationError, ResolutionError
from credentials.trust import (
    Established,
    IssuerIdentity,
    StaticRegistry,
    TrustLevel,
    TrustSource,
    parse_registry,
)
from verifier.cache import HttpCache
from verifier.http import FetchResult, SafeFetcher

__all__ = [
    "FileRegistry",
    "HttpRegistry",
    "LocalIssuerDirectory",
    "RegisteredIssuers",
    "load_registries",
]

#: The name pages give this service as a trust source.
THIS_SERVICE = "this service"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"JSON must not contain {name}")


@runtime_checkable
class LocalIssuerDirectory(Protocol):
    """The issuing side's answer for one DID: a record (``name``, ``url``,
    ``established``, ``domain``, ``confirmedBy``, ``confirmedAt``) or None."""

    def identity_for(self, did: str) -> Mapping[str, Any] | None: ...


class RegisteredIssuers:
    """``TrustSource`` for the providers registered on this service.

    Answers are kept ``ttl`` seconds per DID (a confirmation or its withdrawal shows within
    that time in every process) so that verifying costs no extra query per request.
    """

    def __init__(
        self, directory: LocalIssuerDirectory, *, name: str = THIS_SERVICE, ttl: float = 30.0
    ) -> None:
        self.name = name
        self._directory = directory
        self._cache: Cache[str, IssuerIdentity | None] = Cache(
            4096, ttl=ttl, name="verify.registered_issuers"
        )

    def lookup(self, did: str) -> IssuerIdentity | None:
        found, identity = self._cache.lookup(did)
        if found:
            return identity
        record = self._directory.identity_for(did)
        identity = _registered(did, record, self.name) if record is not None else None
        self._cache.put(did, identity)
        return identity

    def forget(self) -> None:
        self._cache.clear()


def _registered(did: str, record: Mapping[str, Any], source: str) -> IssuerIdentity:
    established = record.get("established")
    confirmed_at = record.get("confirmedAt")
    if isinstance(confirmed_at, str):
        confirmed_at = parse_datetime(confirmed_at, field="confirmedAt")
    return IssuerIdentity(
        did=did,
        name=str(record.get("name") or did),
        level=TrustLevel.REGISTERED,
        source=source,
        url=record.get("url") or None,
        established=Established(established) if established else None,
        domain=record.get("domain") or None,
        confirmed_by=record.get("confirmedBy") or None,
        confirmed_at=confirmed_at if isinstance(confirmed_at, datetime) else None,
    )


class FileRegistry(StaticRegistry):
    """A registry read from a JSON file once (restart to re-read)."""

    @classmethod
    def load(cls, name: str, path: str | Path) -> StaticRegistry:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(
                f"trust registry {name!r}: cannot read {path}: {exc}",
                field="MICROCRED_TRUST_REGISTRIES",
            ) from None
        return parse_registry(data, name=name)


class HttpRegistry:
    """A registry fetched from a URL and re-fetched as its cache headers say."""

    def __init__(self, name: str, url: str, *, fetcher: SafeFetcher, cache: HttpCache) -> None:
        self.name = name
        self.url = url
        self._fetcher = fetcher
        self._cache = cache
        self._parsed: tuple[Mapping[str, Any], StaticRegistry] | None = None
        self._lock = threading.Lock()

    def lookup(self, did: str) -> IssuerIdentity | None:
        document = self._cache.get_or_fetch(self.url, self._fetch)
        return self._registry(document).lookup(did)

    def _fetch(self, url: str) -> FetchResult:
        """Any registry format: a top-level list is kept under "entries" (the cache holds
        JSON objects), which ``parse_registry`` reads as the list format."""
        raw = self._fetcher.fetch_bytes(url)
        try:
            data = json.loads(raw.body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            raise ResolutionError(f"trust registry {url} is not valid JSON") from None
        if isinstance(data, list):
            data = {"entries": data}
        if not isinstance(data, dict):
            raise ResolutionError(f"trust registry {url} is not a JSON object or list")
        return raw.parsed(data)

    def _registry(self, document: Mapping[str, Any]) -> StaticRegistry:
        # Parsing (or even hashing) a large registry per verification would cost more than
        # the lookup. The HTTP cache hands back the same object until it fetches again, so
        # the parsed registry is kept for that object: a re-fetch is a new object.
        with self._lock:
            if self._parsed is not None and self._parsed[0] is document:
                return self._parsed[1]
        parsed = parse_registry(document, name=self.name)
        with self._lock:
            self._parsed = (document, parsed)
        return parsed


def load_registries(config: object, *, fetcher: SafeFetcher, cache: HttpCache) -> list[TrustSource]:
    """Registries from ``MICROCRED_TRUST_REGISTRIES``: a JSON list (inline, or the path of
    a file holding it) of ``{"name": …, "url": …}`` or ``{"name": …, "file": …}``."""
    if config is None or config in ("", []):
        return []
    entries = _config_entries(config)
    sources: list[TrustSource] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ConfigurationError(
                f"MICROCRED_TRUST_REGISTRIES entry {i} needs a 'name'",
                field="MICROCRED_TRUST_REGISTRIES",
            )
        name = entry["name"]
        if isinstance(entry.get("url"), str):
            sources.append(HttpRegistry(name, entry["url"], fetcher=fetcher, cache=cache))
        elif isinstance(entry.get("file"), str):
            sources.append(FileRegistry.load(name, entry["file"]))
        elif "registry" in entry or "entries" in entry:
            sources.append(parse_registry(entry, name=name))
        else:
            raise ConfigurationError(
                f"trust registry {name!r} needs a 'url' or a 'file'",
                field="MICROCRED_TRUST_REGISTRIES",
            )
    return sources


def _config_entries(config: object) -> Sequence[Any]:
    if isinstance(config, str):
        text = config.strip()
        if not text.startswith("["):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigurationError(
                    f"MICROCRED_TRUST_REGISTRIES: cannot read {config}: {exc}",
                    field="MICROCRED_TRUST_REGISTRIES",
                ) from None
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise ConfigurationError(
                f"MICROCRED_TRUST_REGISTRIES is not valid JSON: {exc}",
                field="MICROCRED_TRUST_REGISTRIES",
            ) from None
    if not isinstance(config, Sequence) or isinstance(config, str | bytes):
        raise ConfigurationError(
            "MICROCRED_TRUST_REGISTRIES must be a JSON list of registries",
            field="MICROCRED_TRUST_REGISTRIES",
        )
    return config
