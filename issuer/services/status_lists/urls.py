"""The URLs of our status lists: ``{base}/issuers/{slug}/status/{purpose}/{number}``."""

from __future__ import annotations

import re
from urllib.parse import quote

from issuer.models import STATUS_PURPOSES

_URL_PATH = re.compile(
    r"/issuers/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)/status/([a-z]+)/([1-9][0-9]{0,8})"
)


def status_list_url(base_url: str, slug: str, purpose: str, number: int) -> str:
    return f"{base_url}/issuers/{quote(slug, safe='')}/status/{purpose}/{number}"


def parse_status_list_url(base_url: str, url: str) -> tuple[str, str, int] | None:
    """``(slug, purpose, number)`` of one of our list URLs, or None if it is not one."""
    if not isinstance(url, str) or not url.startswith(base_url + "/"):
        return None
    match = _URL_PATH.fullmatch(url[len(base_url) :])
    if match is None or match[2] not in STATUS_PURPOSES:
        return None
    return match[1], match[2], int(match[3])
