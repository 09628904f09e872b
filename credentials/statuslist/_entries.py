"""``BitstringStatusListEntry`` (§2.1): the ``credentialStatus`` that points at one position."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from credentials.errors import CredentialValidationError, InvalidInputError, Problem

#: The status purposes this implementation knows (§2.1 statusPurpose).
STATUS_PURPOSES = frozenset({"revocation", "suspension", "refresh", "message"})
#: statusSize is bounded so that 2**statusSize messages and list sizes stay reasonable.
MAX_STATUS_SIZE = 16

ENTRY_TYPE = "BitstringStatusListEntry"

_DECIMAL = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class StatusMessage:
    value: int
    message: str


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A parsed, validated ``BitstringStatusListEntry``."""

    purpose: str
    index: int
    list_url: str
    status_size: int = 1
    id: str | None = None
    messages: tuple[StatusMessage, ...] = ()


def status_list_entry(*, list_url: str, index: int, purpose: str) -> dict[str, Any]:
    """The ``credentialStatus`` object for position ``index`` of the list at ``list_url``."""
    check_purpose(purpose)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise InvalidInputError(f"index must be a non-negative integer: {index!r}", field="index")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_status_entry(entry: object, *, field: str = "credentialStatus") -> StatusEntry:
    """Validate a ``BitstringStatusListEntry`` (§2.1); every problem names its field."""
    if not isinstance(entry, Mapping):
        raise CredentialValidationError([Problem(field, "must be an object")])
    problems: list[Problem] = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem(f"{field}.{name}", message))

    if not has_type(entry.get("type"), ENTRY_TYPE):
        problem("type", f"must be {ENTRY_TYPE!r}")
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or purpose not in STATUS_PURPOSES:
        problem("statusPurpose", "must be one of " + ", ".join(sorted(STATUS_PURPOSES)))
    index = entry.get("statusListIndex")
    if not isinstance(index, str) or not _DECIMAL.fullmatch(index):
        problem("statusListIndex", "must be a string of base-10 digits (at most 20)")
    list_url = entry.get("statusListCredential")
    if not _is_http_url(list_url):
        problem("statusListCredential", "must be an absolute http(s) URL")
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_STATUS_SIZE:
        problem("statusSize", f"must be an integer from 1 to {MAX_STATUS_SIZE}")
        size = 1
    entry_id = entry.get("id")
    if entry_id is not None and not isinstance(entry_id, str):
        problem("id", "must be a URL string")
    elif entry_id is not None and entry_id == list_url:
        problem("id", "must not be the URL of the status list itself")
    messages = _parse_messages(entry.get("statusMessage"), size, f"{field}.statusMessage")
    if isinstance(messages, Problem):
        problems.append(messages)
    if problems or not (
        isinstance(index, str) and isinstance(list_url, str) and isinstance(purpose, str)
    ):
        raise CredentialValidationError(problems)
    return StatusEntry(
        purpose=purpose,
        index=int(index),
        list_url=list_url,
        status_size=size,
        id=entry_id,
        messages=messages if isinstance(messages, tuple) else (),
    )


def _parse_messages(value: object, size: int, field: str) -> tuple[StatusMessage, ...] | Problem:
    """``statusMessage``: required when statusSize > 1, one message per possible value."""
    if value is None:
        return () if size == 1 else Problem(field, "is required when statusSize is above 1")
    if not isinstance(value, list) or len(value) != 1 << size:
        return Problem(field, f"must be an array of {1 << size} entries (2^statusSize)")
    messages: list[StatusMessage] = []
    for item in value:
        status = item.get("status") if isinstance(item, Mapping) else None
        message = item.get("message") if isinstance(item, Mapping) else None
        if not isinstance(status, str) or not re.fullmatch(r"0x[0-9A-Fa-f]+", status):
            return Problem(field, "each entry needs a 'status' like '0x1'")
        if not isinstance(message, str):
            return Problem(field, "each entry needs a 'message' string")
        messages.append(StatusMessage(int(status, 16), message))
    return tuple(messages)


def has_type(value: object, wanted: str) -> bool:
    return value == wanted or (isinstance(value, list) and wanted in value)


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # for example an unbalanced IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


#: Public name for the sibling formats (``_legacy``).
is_http_url = _is_http_url


def check_purpose(purpose: object) -> None:
    if not isinstance(purpose, str) or purpose not in STATUS_PURPOSES:
        raise InvalidInputError(
            f"status purpose must be one of {', '.join(sorted(STATUS_PURPOSES))}, not {purpose!r}",
            field="purpose",
        )
