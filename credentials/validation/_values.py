"""Value rules shared by the VC 2.0 and Open Badges 3.0 checks: URLs, dateTimeStamps,
media types, ``type`` values and language value objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

# An absolute URL/URN/DID: a scheme, a colon, then no whitespace or control characters.
URL_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f]+$")
# XML Schema 1.1 dateTimeStamp: a dateTime whose timezone is mandatory.
DATETIME_STAMP_RE: Final = re.compile(
    r"^-?(?:[1-9][0-9]{3,}|0[0-9]{3})-(?:0[1-9]|1[0-2])"
    r"-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?P<time>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?|24:00:00(?:\.0+)?)"
    r"(?:Z|[+\-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)
_TCHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
#: An RFC 9110 media type (type/subtype and parameters), printable ASCII only.
MEDIA_TYPE_RE: Final = re.compile(
    rf'{_TCHARS}/{_TCHARS}(?:[ \t]*;[ \t]*{_TCHARS}=(?:{_TCHARS}|"[\x20-\x7e]*"))*'
)
LANGUAGE_VALUE_KEYS: Final = frozenset({"@value", "@language", "@direction"})


def is_url(value: object) -> bool:
    """True for an absolute URL, URN or DID (a scheme followed by a non-blank remainder)."""
    return isinstance(value, str) and URL_RE.match(value) is not None


def parse_datetime_stamp(value: object) -> datetime | None:
    """Parse an XML Schema ``dateTimeStamp`` into an aware UTC datetime.

    Returns None when the value is not a well-formed dateTimeStamp (including a missing
    timezone) or a date that does not exist. Years outside 1..9999, which XML Schema
    allows but no credential needs, are refused as well.
    """
    if not isinstance(value, str):
        return None
    match = DATETIME_STAMP_RE.match(value)
    if match is None:
        return None
    text = value.replace("Z", "+00:00")
    midnight_next_day = match["time"].startswith("24:")
    if midnight_next_day:
        # 24:00:00 is the first instant of the next day in XML Schema, unknown to Python.
        text = text.replace("T24:00:00", "T00:00:00", 1)
    try:
        parsed = datetime.fromisoformat(text)
        if midnight_next_day:
            parsed += timedelta(days=1)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # no such day, or an instant before year 1 / after 9999
        return None


def is_datetime_stamp(value: object) -> bool:
    """True when ``value`` is a dateTimeStamp naming a real instant (years 1 to 9999)."""
    return parse_datetime_stamp(value) is not None


def types_of(value: object) -> list[str] | None:
    """The type names of a ``type`` value (string or list of strings), or None if malformed."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(t, str) for t in value):
        return list(value)
    return None


def is_language_value(item: object) -> bool:
    """VC 2.0 §11.1: an object with a string ``@value`` and optional language/direction."""
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("@value"), str)
        and set(item) <= LANGUAGE_VALUE_KEYS
        and all(isinstance(v, str) for v in item.values())
    )
