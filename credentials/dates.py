"""XML Schema date-times as credentials use them (``validFrom``, ``created``, ...).

VC 2.0 requires ``dateTimeStamp`` (a date-time *with* a timezone) for
``validFrom``/``validUntil``; Data Integrity allows a plain ``dateTime`` for
``created``, which we read as UTC when it has no offset. We always write UTC
with a ``Z`` and whole seconds, the form every other implementation emits.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from credentials.errors import InvalidInputError

_DATETIME = re.compile(
    r"^(?P<date>-?\d{4,}-\d{2}-\d{2})T(?P<time>\d{2}:\d{2}:\d{2})(?P<frac>\.\d+)?"
    r"(?P<tz>Z|[+-]\d{2}:\d{2})?$"
)


def format_datetime(moment: datetime) -> str:
    """``2026-01-31T09:30:00Z``; refuses naive datetimes (their instant is unknown)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError("a date-time must carry a timezone", details={"value": str(moment)})
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: object, *, field: str, require_timezone: bool = True) -> datetime:
    """Parse an XML Schema dateTime(Stamp) into an aware UTC datetime, naming ``field`` on error."""
    if not isinstance(value, str):
        raise InvalidInputError(f"{field} must be a date-time string", field=field)
    match = _DATETIME.match(value)
    if match is None:
        raise InvalidInputError(
            f"{field} is not an XML Schema date-time such as 2026-01-31T09:30:00Z: {value!r}",
            field=field,
        )
    if require_timezone and match["tz"] is None:
        raise InvalidInputError(
            f"{field} must include a timezone (for example a trailing 'Z'): {value!r}",
            field=field,
        )
    tz = match["tz"] or "Z"
    text = f"{match['date']}T{match['time']}{match['frac'] or ''}"
    try:
        # Python 3.11's fromisoformat truncates fractions beyond microseconds, as we want.
        parsed = datetime.fromisoformat(text + ("+00:00" if tz == "Z" else tz))
    except ValueError:
        raise InvalidInputError(
            f"{field} is not a valid date-time: {value!r}", field=field
        ) from None
    return parsed.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_long_date(value: date) -> str:
    """``12 May 2025``: unambiguous wherever the reader lives (certificates and pages)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
