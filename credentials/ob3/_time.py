"""Timestamps as the microcred profile writes them."""

from __future__ import annotations

from datetime import UTC, datetime

from credentials.errors import CredentialValidationError, Problem


def format_datetime(value: datetime, *, field: str = "datetime") -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC (an XML Schema dateTimeStamp).

    Naive datetimes are refused, since guessing their timezone would silently shift
    validity windows; so are instants that fall outside years 1..9999 once in UTC.
    """
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise CredentialValidationError([Problem(field, "must be a timezone-aware datetime")])
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise CredentialValidationError([Problem(field, "is out of range in UTC")]) from None
    return utc.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
