"""DID and status-list resolution for verification: our own issuers locally, others over HTTPS.

Two kinds of source are chained, local first:

* **local sources** (implemented by the issuer service from its database) answer for our
  own issuers without any HTTP. They return ``None`` for "not mine", which lets the chain
  move on, and *raise* for "mine, but broken": an own status list that cannot be produced
  must fail the check (fail closed), not be looked up on the internet instead, where the
  same URL might answer something else (or our own public endpoint an older copy).
* **HTTP resolvers** fetch through ``SafeFetcher`` (SSRF guard, bounds) and ``HttpCache``.

``ChainedDidResolver`` / ``ChainedStatusListFetcher`` implement that rule. A member that
only has the plain ``resolve``/``fetch`` interface (raising ``ResolutionError`` when it
cannot answer) is treated as "not mine" on error and the next member is tried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar, cast, runtime_checkable

from credentials.did import DID_WEB_PREFIX, did_web_document_url
from credentials.errors import (
    ForbiddenAddressError,
    MicrocredError,
    ResolutionError,
    VerificationTimeoutError,
)
from credentials.resolvers import DidDocument, DidResolver, StatusListFetcher
from microcred.platform.db import DATABASE_UNAVAILABLE
from verifier.cache import HttpCache
from verifier.http import SafeFetcher

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

__all__ = [
    "ChainedDidResolver",
    "ChainedStatusListFetcher",
    "ClaimingDidResolver",
    "ClaimingStatusListFetcher",
    "DidWebResolver",
    "HttpStatusListFetcher",
    "LocalDidResolver",
    "LocalDidSource",
    "LocalStatusListSource",
    "LocalStatusLists",
]


# --- what the issuer service implements ------------------------------------------------------


@runtime_checkable
class LocalDidSource(Protocol):
    """Our own DIDs: the DID document JSON, or None when ``did`` is not one of ours."""

    def document_for(self, did: str) -> Mapping[str, Any] | None: ...


@runtime_checkable
class LocalStatusListSource(Protocol):
    """Our own status lists: the signed status list credential, or None when not ours."""

    def status_list_for(self, url: str) -> Mapping[str, Any] | None: ...


@runtime_checkable
class ClaimingDidResolver(Protocol):
    """A resolver that can say "not mine" (None) apart from "mine, but broken" (raise)."""

    def lookup(self, did: str) -> DidDocument | None: ...

    def resolve(self, did: str) -> DidDocument: ...


@runtime_checkable
class ClaimingStatusListFetcher(Protocol):
    """A status list fetcher that can say "not mine" (None) apart from "broken" (raise)."""

    def lookup(self, url: str) -> Mapping[str, Any] | None: ...

    def fetch(self, url: str) -> Mapping[str, Any]: ...


# --- adapters: local sources as resolvers ---------------------------------------------------


class LocalDidResolver:
    """A ``DidResolver`` over a ``LocalDidSource``.

    ``lookup`` keeps the three answers apart (document, None = not mine, raise = broken);
    ``resolve`` is the plain protocol, where "not mine" is a ``ResolutionError`` too.
    """

    def __init__(self, source: LocalDidSource) -> None:
        self._source = source

    def lookup(self, did: str) -> DidDocument | None:
        document = _ask(lambda: self._source.document_for(did), "DID document", did=did)
        if document is None:
            return None
        try:
            return DidDocument.from_json(document, expected_id=did)
        except ResolutionError as exc:
            raise ResolutionError(
                f"our own DID document is unusable: {exc.message}", details={"did": did}
            ) from None

    def resolve(self, did: str) -> DidDocument:
        found = self.lookup(did)
        if found is None:
            raise ResolutionError(f"{did} is not one of our issuers", details={"did": did})
        return found


class LocalStatusLists:
    """A ``StatusListFetcher`` over a ``LocalStatusListSource`` (same three answers)."""

    def __init__(self, source: LocalStatusListSource) -> None:
        self._source = source

    def lookup(self, url: str) -> Mapping[str, Any] | None:
        found = _ask(lambda: self._source.status_list_for(url), f"status list {url}", url=url)
        if found is not None and not isinstance(found, Mapping):
            raise ResolutionError(
                f"our own status list {url} is not a JSON object", details={"url": url}
            )
        return found

    def fetch(self, url: str) -> Mapping[str, Any]:
        found = self.lookup(url)
        if found is None:
            raise ResolutionError(f"status list {url} is not one of ours", details={"url": url})
        return found


def _ask(call: Callable[[], _T], what: str, **details: str) -> _T:
    """Run a local source; anything it raises becomes a ResolutionError (fail closed), and
    never falls through to fetching our own URL over HTTP.

    Except the database being unreachable or not answering: that says nothing about the
    credential, so it is not made a failed check (a valid credential would read
    "invalid"). It goes up to the edge, which answers 503 with Retry-After
    (microcred.platform.outages).
    """
    try:
        return call()
    except ResolutionError:
        raise
    except DATABASE_UNAVAILABLE:
        raise
    except MicrocredError as exc:
        message = f"cannot look up our own {what}: {exc.message}"
        raise ResolutionError(message, details=details) from None
    except Exception as exc:
        # The exception text may hold internals (SQL, hosts): logged, not shown to users.
        logger.exception("local source failed for %s %s", what, details)
        message = f"cannot look up our own {what}: {type(exc).__name__}"
        raise ResolutionError(message, details=details) from exc


# --- HTTP --------------------------------------------------------------------------------------


class DidWebResolver:
    """``DidResolver`` for did:web over HTTPS, through the SSRF-guarded fetcher and cache.

    ``http_fallback`` (development only) retries over plain http when https fails, so the
    local demo (served on http://127.0.0.1:5000) can resolve its own did:web.
    """

    def __init__(
        self,
        *,
        fetcher: SafeFetcher,
        cache: HttpCache,
        scheme: str = "https",
        http_fallback: bool = False,
    ) -> None:
        self._fetcher = fetcher
        self._cache = cache
        self._scheme = scheme
        self._http_fallback = http_fallback and scheme == "https"

    def resolve(self, did: str) -> DidDocument:
        # 1. did-method-web §3.2 "Read": map the DID to its did.json URL (strict parsing).
        if not isinstance(did, str) or not did.startswith(DID_WEB_PREFIX):
            raise ResolutionError(f"{did!r} is not a did:web DID", details={"did": repr(did)})
        url = did_web_document_url(did, scheme=self._scheme)
        try:
            document = self._fallen_back(did) or self._fetch(url)
        except ResolutionError as exc:
            if not self._http_fallback or isinstance(exc, ForbiddenAddressError):
                raise _about(exc, url, did=did) from None
            try:
                document = self._fetch(did_web_document_url(did, scheme="http"))
            except VerificationTimeoutError:
                raise  # out of time: that, not the https failure, is what happened
            except ResolutionError:
                # The https failure is the one worth reporting.
                raise _about(exc, url, did=did) from None
        # 2. The document must be about this DID (a host may not speak for another DID).
        try:
            return DidDocument.from_json(document, expected_id=did)
        except ResolutionError as exc:
            raise _about(exc, url, did=did) from None

    def _fetch(self, url: str) -> Mapping[str, Any]:
        return self._cache.get_or_fetch(url, self._fetcher.fetch_json)

    def _fallen_back(self, did: str) -> Mapping[str, Any] | None:
        """A fresh document fetched earlier over http (development), to skip the https try."""
        if not self._http_fallback:
            return None
        return self._cache.get(did_web_document_url(did, scheme="http"))


class HttpStatusListFetcher:
    """``StatusListFetcher`` over HTTPS (SSRF guard, bounds, HTTP caching)."""

    def __init__(self, *, fetcher: SafeFetcher, cache: HttpCache) -> None:
        self._fetcher = fetcher
        self._cache = cache

    def fetch(self, url: str) -> Mapping[str, Any]:
        try:
            return self._cache.get_or_fetch(url, self._fetcher.fetch_json)
        except ResolutionError as exc:
            raise _about(exc, url) from None


def _about(exc: ResolutionError, url: str, **details: str) -> ResolutionError:
    """The same kind of error (forbidden stays forbidden), naming the URL it is about.

    The DID is not repeated in the message: verification already reports "cannot resolve
    DID: …" around it (it is in ``details``).
    """
    message = exc.message if url in exc.message else f"{url}: {exc.message}"
    return type(exc)(message, field=exc.field, details={**exc.details, "url": url, **details})


# --- chains ------------------------------------------------------------------------------------


class ChainedDidResolver:
    """Tries members in order; the first that claims the DID answers (see module docs)."""

    def __init__(self, members: Iterable[DidResolver]) -> None:
        # Protocol isinstance checks are slow; decide once, not per verification.
        self._members = tuple((m, isinstance(m, ClaimingDidResolver)) for m in members)
        if not self._members:
            raise ValueError("a resolver chain needs at least one member")

    def resolve(self, did: str) -> DidDocument:
        last: ResolutionError | None = None
        for member, claiming in self._members:
            if claiming:
                # Raises for "ours, but broken": no fall-through.
                found = cast(ClaimingDidResolver, member).lookup(did)
                if found is not None:
                    return found
                continue
            try:
                return member.resolve(did)
            except ResolutionError as exc:
                last = exc
        raise last or ResolutionError(f"no resolver knows {did}", details={"did": did})


class ChainedStatusListFetcher:
    """Tries members in order; the first that claims the URL answers (see module docs)."""

    def __init__(self, members: Iterable[StatusListFetcher]) -> None:
        self._members = tuple((m, isinstance(m, ClaimingStatusListFetcher)) for m in members)
        if not self._members:
            raise ValueError("a status list chain needs at least one member")

    def fetch(self, url: str) -> Mapping[str, Any]:
        last: ResolutionError | None = None
        for member, claiming in self._members:
            if claiming:
                # Raises for "ours, but broken": no fall-through.
                found = cast(ClaimingStatusListFetcher, member).lookup(url)
                if found is not None:
                    return found
                continue
            try:
                return member.fetch(url)
            except ResolutionError as exc:
                last = exc
        raise last or ResolutionError(f"no fetcher knows status list {url}", details={"url": url})
