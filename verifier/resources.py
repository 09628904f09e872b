"""``ResourceFetcher`` over HTTPS: the bytes of a credential's ``relatedResource``.

The URL is the credential author's, so it goes through the same ``SafeFetcher`` as DID
documents and status lists (SSRF guard, no redirects, bounded in time and size, inside
the verification's budget). VC Data Model 2.0 §5.3: with a ``mediaType`` we ask for it
in ``Accept`` and refuse a response whose ``Content-Type`` names another media type. The
bytes are not cached here; ``credentials.relatedcheck`` remembers comparisons, keyed by
the URL, the media type and the digests claimed.
"""

from __future__ import annotations

from credentials.errors import ResolutionError
from credentials.validation import MEDIA_TYPE_RE
from verifier.http import SafeFetcher

__all__ = ["HttpResourceFetcher"]


def _essence(media_type: str) -> str:
    """``type/subtype`` in lower case, without parameters."""
    return media_type.split(";", 1)[0].strip().lower()


class HttpResourceFetcher:
    """Fetches a related resource's bytes through the SSRF-guarded ``SafeFetcher``."""

    def __init__(self, *, fetcher: SafeFetcher) -> None:
        self._fetcher = fetcher

    def fetch_resource(self, url: str, *, media_type: str | None = None) -> bytes:
        if media_type is not None and not MEDIA_TYPE_RE.fullmatch(media_type):
            raise ResolutionError(
                f"mediaType {media_type!r} is not a media type", details={"url": url}
            )
        result = self._fetcher.fetch_bytes(url, accept=media_type or "*/*")
        served = result.headers.get("content-type")
        if media_type is not None and served and _essence(served) != _essence(media_type):
            raise ResolutionError(
                f"{url} answered with Content-Type {served!r}, not the mediaType "
                f"{media_type!r} the credential names",
                details={"url": url, "contentType": served},
            )
        return result.body
