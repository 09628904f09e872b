"""Wiring a ``credentials.verify.Verifier`` for the service and the CLI (framework-free).

    did:key  → computed locally (``credentials.did.DidKeyResolver``)
    did:web  → [our own issuers (local source, if given), HTTPS (SSRF-guarded, cached)]
    status   → [our own lists (local source, if given), HTTPS (SSRF-guarded, cached)]
    relatedResource → bundled contexts offline; anything else over HTTPS (SSRF-guarded)

One ``HttpCache`` is shared by DID documents and status lists, so its bounds hold for
both. Build the verifier once per process and reuse it: it also caches which status
lists' signatures were already checked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from credentials.dates import utcnow
from credentials.did import DidKeyResolver
from credentials.resolvers import CompositeDidResolver, DidResolver, StatusListFetcher
from credentials.trust import TrustPolicy, TrustSource
from credentials.verify import DEFAULT_DEADLINE, Verifier
from verifier.cache import HttpCache
from verifier.http import SafeFetcher
from verifier.resolvers import (
    ChainedDidResolver,
    ChainedStatusListFetcher,
    DidWebResolver,
    HttpStatusListFetcher,
    LocalDidResolver,
    LocalDidSource,
    LocalStatusLists,
    LocalStatusListSource,
)
from verifier.resources import HttpResourceFetcher
from verifier.trust import LocalIssuerDirectory, RegisteredIssuers, load_registries

__all__ = ["build_verifier"]


def build_verifier(
    *,
    allow_private: bool = False,
    allow_http: bool = False,
    local_dids: LocalDidSource | DidResolver | None = None,
    local_status_lists: LocalStatusListSource | StatusListFetcher | None = None,
    clock: Callable[[], datetime] = utcnow,
    fetcher: SafeFetcher | None = None,
    cache: HttpCache | None = None,
    local_issuers: LocalIssuerDirectory | None = None,
    registries: object = None,
    deadline: float | None = DEFAULT_DEADLINE,
    status_min_entries: int | None = None,
) -> Verifier:
    """A Verifier for any issuer using did:key or did:web, with status lists checked.

    ``allow_private`` / ``allow_http`` are for development only (the local demo lives on
    http://127.0.0.1): they let fetches reach loopback and private addresses, over plain
    http, and let did:web fall back to http. They are ignored when ``fetcher`` is given.

    ``local_dids`` / ``local_status_lists``: our own issuers, answered without HTTP. A
    ``LocalDidSource``/``LocalStatusListSource`` returns None for "not ours" (then HTTP is
    tried) and raises for "ours, but broken" (then the check fails: no fall-through).

    Trust ("who is the issuer"): ``local_issuers`` answers for the providers registered
    here (first), then the operator's ``registries`` (``MICROCRED_TRUST_REGISTRIES``
    format, see ``verifier.trust.load_registries``). With neither, every issuer is
    "unknown". ``deadline``: seconds one verification may take in all.
    ``status_min_entries``: the shortest status list read (default 131,072, the Bitstring
    Status List floor; an ecosystem may set a lower one).
    """
    if fetcher is None:
        fetcher = SafeFetcher(allow_private=allow_private, allow_http=allow_http)
    if cache is None:  # not ``cache or …``: an empty cache is falsy (it has a length)
        cache = HttpCache()
    did_web = DidWebResolver(fetcher=fetcher, cache=cache, http_fallback=fetcher.allow_http)
    web_chain: list[DidResolver] = [did_web]
    status_chain: list[StatusListFetcher] = [HttpStatusListFetcher(fetcher=fetcher, cache=cache)]
    if local_dids is not None:
        web_chain.insert(0, _local_did_resolver(local_dids))
    if local_status_lists is not None:
        status_chain.insert(0, _local_status_lists(local_status_lists))
    resolver = CompositeDidResolver({"key": DidKeyResolver(), "web": ChainedDidResolver(web_chain)})
    trust: list[TrustSource] = []
    if local_issuers is not None:
        trust.append(RegisteredIssuers(local_issuers))
    trust.extend(load_registries(registries, fetcher=fetcher, cache=cache))
    return Verifier(
        did_resolver=resolver,
        status_fetcher=ChainedStatusListFetcher(status_chain),
        clock=clock,
        deadline=deadline,
        trust=TrustPolicy(trust),
        resource_fetcher=HttpResourceFetcher(fetcher=fetcher),
        status_min_entries=status_min_entries,
    )


def _local_did_resolver(local: LocalDidSource | DidResolver) -> DidResolver:
    return LocalDidResolver(local) if isinstance(local, LocalDidSource) else local


def _local_status_lists(local: LocalStatusListSource | StatusListFetcher) -> StatusListFetcher:
    return LocalStatusLists(local) if isinstance(local, LocalStatusListSource) else local
