"""Checking ``relatedResource`` digests (VC Data Model 2.0 §5.3, "Integrity of Related
Resources"): "If the digest provided by the issuer does not match the digest computed for
the retrieved resource, the conforming verifier implementation MUST produce an error."

For each entry, in order:

1. A malformed entry is not compared (the ``structure`` check reports it).
2. A bundled resource (a JSON-LD context) is never fetched: its digests must match the
   bundled bytes or one published revision of that URL (``credentials.local_resources``).
3. Any other resource is retrieved through the ``ResourceFetcher`` the caller gives (the
   verifier's SSRF-guarded HTTPS fetcher, bounded by the verification's time budget);
   every digest the entry gives must be the digest of the bytes received.
4. A resource that cannot be retrieved fails the check (fail closed): a digest nobody
   could compare proves nothing, and a verifier that skipped it would accept a resource
   swapped behind the issuer's back. Without a fetcher at all the check is skipped, as
   status is when no status list resolver is configured.

At most ``max_fetches`` resources are retrieved for one credential (one request must not
make the verifier send many): the entries after that fail (``too_many_resources``).

A comparison is remembered for ``cache_ttl`` seconds under everything that decided it:
the URL, the media type asked for and the digests claimed. One credential naming a URL
with a wrong digest cannot make another credential's right digest fail, and the bytes at
a URL are looked at again once the entry expires. Failures to retrieve are not cached.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from credentials.caching import Cache
from credentials.errors import MicrocredError, Problem, VerificationTimeoutError
from credentials.local_resources import Candidate, candidates
from credentials.related import Digest, claimed_digests, digest_problem
from credentials.resolvers import ResourceFetcher
from credentials.results import TIMEOUT, Check, Outcome
from credentials.validation import is_url

__all__ = ["CHECK_NAME", "RelatedResourceChecker"]

CHECK_NAME = "relatedResource"
_KEY = "relatedResource"

_CacheKey = tuple[str, str | None, tuple[tuple[str, str, bytes], ...]]


class RelatedResourceChecker:
    """One check per ``relatedResource`` entry (none when the credential has none)."""

    def __init__(
        self,
        *,
        fetcher: ResourceFetcher | None = None,
        max_fetches: int = 8,
        cache_size: int = 256,
        cache_ttl: float = 300.0,
    ) -> None:
        self._fetcher = fetcher
        self._max_fetches = max_fetches
        #: key -> the field of the first digest that did not match ("" when all matched)
        self._compared: Cache[_CacheKey, str] = Cache(
            cache_size, ttl=cache_ttl, name="verify.related_resources"
        )

    def check(self, credential: Mapping[str, Any]) -> list[Check]:
        fetches = _Allowance(self._max_fetches)
        return [self._check_entry(entry, path, fetches) for path, entry in _entries(credential)]

    def problems(self, credential: Mapping[str, Any]) -> list[Problem]:
        """Issuance: every entry whose digests are not confirmed, as a problem naming the
        field. Stricter than verification: an entry that could not be compared (no fetcher,
        a resource that cannot be retrieved) is a problem too; we do not sign what we could
        not check."""
        problems = []
        for check in self.check(credential):
            if check.outcome is not Outcome.PASSED:
                field = str(check.details.get("field", _KEY))
                problems.append(Problem(field, check.message.removeprefix(f"{field}: ")))
        return problems

    # --- one entry ---------------------------------------------------------------------------

    def _check_entry(self, entry: object, path: str, fetches: _Allowance) -> Check:
        details: dict[str, Any] = {"field": path}
        if not isinstance(entry, Mapping) or not is_url(entry.get("id")):
            return _skipped(
                "malformed", f"{path} is malformed, so its digest is not compared.", details
            )
        url: str = entry["id"]
        details["id"] = url
        if digest_problem(entry) is not None:
            return _skipped("malformed", f"{path} has a malformed digest: not compared.", details)
        digests = claimed_digests(entry)
        local = candidates(url)
        if local:
            return _local_check(path, url, digests, local, details)
        media_type = entry.get("mediaType") if isinstance(entry.get("mediaType"), str) else None
        if self._fetcher is None:
            return _skipped(
                "not_checked",
                f"{path}: {url} was not retrieved (no resource fetcher is configured), "
                "so its digest was not compared.",
                details,
            )
        return self._fetched_check(
            path, url, digests, media_type=media_type, details=details, fetches=fetches
        )

    def _fetched_check(
        self,
        path: str,
        url: str,
        digests: Sequence[Digest],
        *,
        media_type: str | None,
        details: dict[str, Any],
        fetches: _Allowance,
    ) -> Check:
        key: _CacheKey = (url, media_type, tuple((d.field, d.algorithm, d.value) for d in digests))
        mismatch = self._compared.get(key)
        if mismatch is None:
            assert self._fetcher is not None  # noqa: S101 - checked by the caller
            if not fetches.take():
                return _failed(
                    "too_many_resources",
                    f"{path}: {url} was not retrieved: at most {self._max_fetches} related "
                    "resources are retrieved for one credential.",
                    details,
                )
            try:
                content = self._fetcher.fetch_resource(url, media_type=media_type)
            except VerificationTimeoutError as exc:
                return _failed(TIMEOUT, f"{path}: {url}: {exc.message}", details)
            except MicrocredError as exc:
                message = exc.message if url in exc.message else f"{url}: {exc.message}"
                return _failed(
                    "resource_unavailable",
                    f"{path}: could not retrieve the resource to compare its digest: {message}",
                    details,
                )
            mismatch = next((d.field for d in digests if not d.matches(content)), "")
            self._compared.put(key, mismatch)
        details["source"] = "retrieved"
        if mismatch:
            field = f"{path}.{mismatch}"
            return _failed(
                "digest_mismatch",
                f"{field}: does not match the digest of {url} as retrieved (the resource "
                "changed since the credential was issued, or the digest is wrong).",
                {**details, "field": field},
            )
        return Check(
            CHECK_NAME,
            Outcome.PASSED,
            f"{url} matches the digest the credential gives for it.",
            details=details,
        )


def _local_check(
    path: str,
    url: str,
    digests: Sequence[Digest],
    local: Sequence[Candidate],
    details: dict[str, Any],
) -> Check:
    details["source"] = "bundled"
    for candidate in local:
        if all(candidate.digests[d.algorithm] == d.value for d in digests):
            return Check(
                CHECK_NAME,
                Outcome.PASSED,
                f"{url} matches the digest the credential gives for it ({candidate.label}).",
                details={**details, "matched": candidate.label},
            )
    # Name a digest that matches nothing; if each matches some revision, they disagree.
    unknown = next(
        (d for d in digests if all(c.digests[d.algorithm] != d.value for c in local)),
        None,
    )
    field = f"{path}.{(unknown or digests[0]).field}"
    reason = (
        "it is not the digest of the bundled copy or of any published revision we know"
        if unknown is not None
        else "its digests name different revisions of the resource"
    )
    return _failed(
        "digest_mismatch",
        f"{field}: does not match {url}: {reason}.",
        {**details, "field": field},
    )


class _Allowance:
    """How many more resources one credential's check may retrieve."""

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


def _entries(credential: Mapping[str, Any]) -> Iterator[tuple[str, object]]:
    if _KEY not in credential:
        return
    value = credential[_KEY]
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield f"{_KEY}[{index}]", item
    else:
        yield _KEY, value


def _failed(code: str, message: str, details: Mapping[str, Any]) -> Check:
    return Check(CHECK_NAME, Outcome.FAILED, message, code=code, details=details)


def _skipped(code: str, message: str, details: Mapping[str, Any]) -> Check:
    return Check(CHECK_NAME, Outcome.SKIPPED, message, code=code, details=details)
