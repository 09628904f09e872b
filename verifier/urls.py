"""Step 1 of a safe fetch: the URL a credential names, as it will be requested.

Only ``https`` (``http`` only when explicitly allowed, for development), no user
information, no whitespace or control characters, a valid host name (IDNA, ASCII on the
wire) and a path %-encoded to printable ASCII. ``parse_url`` answers a ``Target`` or
raises a ``ResolutionError`` saying what is wrong; ``verifier.http.SafeFetcher`` fetches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from credentials.errors import ResolutionError
from verifier import addresses

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"https": 443, "http": 80}
_DNS_NAME = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.?"
)
# Printable ASCII that may stay as it is in a path or query; everything else is %-encoded.
_URL_SAFE = "/:@!$&'()*+,;=-._~?%"


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    scheme: str
    host: str  # ASCII host (IDNA), without brackets
    port: int
    host_header: str
    path: str  # path and query, ASCII


def parse_url(url: object, *, allow_http: bool = False) -> Target:
    """Step 1: the URL as it will be requested, or ResolutionError saying what is wrong."""
    if not isinstance(url, str) or not url:
        raise ResolutionError(f"URL must be a non-empty string, not {url!r}")
    if len(url) > MAX_URL_LENGTH:
        raise ResolutionError(f"URL is longer than {MAX_URL_LENGTH} characters: {url[:80]}…")
    if any(ord(c) < 0x21 or ord(c) == 0x7F or c == "\\" for c in url):
        # urlsplit silently drops tabs and newlines; refuse instead of guessing.
        raise ResolutionError(f"URL {url!r} contains whitespace, control characters or '\\'")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ResolutionError(f"URL {url!r} is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if allow_http else ("https",)
    if scheme not in allowed:
        raise ResolutionError(
            f"refusing to fetch {url}: only {' and '.join(allowed)} URLs are fetched",
            details={"url": url},
        )
    if "@" in parts.netloc:
        raise ResolutionError(
            f"refusing to fetch {url}: user information in URLs is not allowed",
            details={"url": url},
        )
    host = _ascii_host(parts.hostname or "", url)
    if port == 0:
        raise ResolutionError(f"URL {url!r} has port 0", details={"url": url})
    shown_host = f"[{host}]" if ":" in host else host
    try:
        path = quote(parts.path or "/", safe=_URL_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_URL_SAFE)
    except UnicodeError:  # lone surrogates cannot be sent
        raise ResolutionError(f"URL {url!r} is not valid Unicode", details={"url": url}) from None
    return Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port or _DEFAULT_PORTS[scheme],
        host_header=shown_host if port is None else f"{shown_host}:{port}",
        path=path,
    )


def _ascii_host(host: str, url: str) -> str:
    if not host:
        raise ResolutionError(f"URL {url!r} has no host", details={"url": url})
    if addresses.parse_ip(host) is not None:
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_host = ""
    # IDNA 2003 maps some characters to spaces or symbols; only DNS names are sent on.
    if not _DNS_NAME.fullmatch(ascii_host):
        raise ResolutionError(
            f"URL {url!r} has an invalid host name {host!r}", details={"url": url}
        )
    return ascii_host
