"""Reading submitted rows: CSV or JSON in, one canonical form and its hash out.

Row columns (CSV header names, JSON keys): ``freelancerId`` | ``freelancerEmail`` |
``freelancerHandle`` (exactly one), ``certificationId``, optional ``suite``,
``overrideReason`` and ``language`` (of the PDF certificate). ``normalise`` makes the
same content give the same rows, so that ``source_hash`` finds the same job again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from credentials.errors import InvalidInputError
from credentials.proofs import SUITES

IDENTITY_COLUMNS = ("freelancerId", "freelancerEmail", "freelancerHandle")
COLUMNS = (*IDENTITY_COLUMNS, "certificationId", "suite", "overrideReason", "language")
MAX_CELL = 2000
#: Rows one job may hold (the API accepts fewer per request, see issuer.api.bulk).
MAX_ROWS = 1_000_000

Row = dict[str, str]


def rows_from_csv(text: str) -> list[Row]:
    """Rows of a CSV document with a header row naming the columns (see module docs)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInputError("the CSV is empty: it needs a header row", field="csv") from None
    except csv.Error as exc:
        raise InvalidInputError(f"the CSV header cannot be read: {exc}", field="csv") from None
    names = [name.strip() for name in header]
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise InvalidInputError(
            f"unknown CSV column {unknown[0]!r}; columns are: {', '.join(COLUMNS)}",
            field=unknown[0] or "csv",
        )
    if len(set(names)) != len(names):
        raise InvalidInputError("a CSV column is named twice in the header", field="csv")
    rows: list[Row] = []
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue  # blank lines (a trailing newline, spacing) are not rows
            if len(record) != len(names):
                raise InvalidInputError(
                    f"CSV row {number} has {len(record)} fields; the header has {len(names)}",
                    field="csv",
                )
            rows.append(dict(zip(names, record, strict=True)))
    except csv.Error as exc:
        raise InvalidInputError(f"the CSV cannot be read: {exc}", field="csv") from None
    return rows


def rows_from_json(payload: object) -> tuple[list[dict[str, Any]], str | None]:
    """Rows (and the optional default ``suite``) of ``{"rows": [...], "suite": ...}`` or of a
    bare list of rows, checked as strictly as the API's schema checks them."""
    suite = None
    if isinstance(payload, Mapping):
        unknown = sorted(set(payload) - {"rows", "suite"})
        if unknown:
            raise InvalidInputError(f"unknown member {unknown[0]!r}", field=unknown[0])
        suite = payload.get("suite")
        if suite is not None and suite not in SUITES:
            raise InvalidInputError(f"unknown suite {suite!r}", field="suite")
        payload = payload.get("rows")
    if not isinstance(payload, list):
        raise InvalidInputError('expected {"rows": [...]} or a list of rows', field="rows")
    for number, row in enumerate(payload):
        if not isinstance(row, Mapping):
            raise InvalidInputError("each row must be an object", field=f"rows[{number}]")
        for key, value in row.items():
            if key not in COLUMNS:
                raise InvalidInputError(
                    f"unknown column {key!r}; columns are: {', '.join(COLUMNS)}",
                    field=f"rows[{number}].{key}",
                )
            if value is not None and (not isinstance(value, str) or len(value) > MAX_CELL):
                raise InvalidInputError(
                    f"must be a string of at most {MAX_CELL} characters",
                    field=f"rows[{number}].{key}",
                )
    return payload, suite


def normalise(rows: Iterable[Mapping[str, Any]], *, default_suite: str | None = None) -> list[Row]:
    """Rows in one canonical form (same content, same hash): trimmed strings, no blanks,
    emails lower-cased, the default suite filled in, keys in column order."""
    out: list[Row] = []
    for row in rows:
        clean: Row = {}
        for column in COLUMNS:
            value = row.get(column)
            text = value.strip() if isinstance(value, str) else ""
            if column == "freelancerEmail":
                text = text.lower()
            if text:
                clean[column] = text
        if default_suite and "suite" not in clean:
            clean["suite"] = default_suite
        out.append(clean)
    if not out:
        raise InvalidInputError("there are no rows to issue", field="rows")
    if len(out) > MAX_ROWS:
        raise InvalidInputError(f"at most {MAX_ROWS} rows per job", field="rows")
    return out


def source_hash(rows: Sequence[Row]) -> str:
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
