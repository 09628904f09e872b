"""Open Badges 2.0 / 1.x verification with this service's fetcher and trust sources.

``credentials.ob2.verify.Ob2Verifier`` is framework- and network-free; this gives it the
SSRF-guarded ``SafeFetcher`` (https only, public addresses, bounded size and time, no
redirects) inside the verification's total time budget (``credentials.budget``), and the
same trust policy the W3C verifier decides "who is the issuer" with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from credentials.dates import utcnow
from credentials.ob2.verify import Ob2Verifier
from credentials.trust import TrustPolicy
from credentials.verify import DEFAULT_DEADLINE
from verifier.http import SafeFetcher

__all__ = ["ACCEPT", "build_ob2_verifier"]

#: Hosted assertions are served as JSON-LD or JSON; some platforms answer JSON only.
ACCEPT = "application/ld+json, application/json"


def build_ob2_verifier(
    *,
    fetcher: SafeFetcher | None = None,
    allow_private: bool = False,
    allow_http: bool = False,
    trust: TrustPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
    deadline: float | None = DEFAULT_DEADLINE,
) -> Ob2Verifier:
    """``fetcher``: the verifier's ``SafeFetcher`` (tests: FixtureWeb's); otherwise one is
    made with ``allow_private``/``allow_http`` (development only, as for did:web)."""
    if fetcher is None:
        fetcher = SafeFetcher(allow_private=allow_private, allow_http=allow_http)
    chosen = fetcher

    def fetch(url: str) -> Mapping[str, Any]:
        # ResolutionError carries details["status"]: a 410 Gone is a revocation (OB 2.0).
        return chosen.fetch_json(url, accept=ACCEPT).data

    return Ob2Verifier(fetch=fetch, trust=trust, clock=clock, deadline=deadline)
