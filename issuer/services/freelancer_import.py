"""Importing freelancers from a CSV file: parse, preview every row's problems, then add the
valid rows in one transaction.

The file: UTF-8 (a byte-order mark is fine), comma-separated, a header row naming the
columns ``name`` and ``email`` (``e-mail`` too), and optionally ``did``; other columns
are ignored and said so. At most ``MAX_BYTES`` and ``MAX_ROWS`` data rows.

Each row is one of:

- ``new``: valid, and no freelancer of the provider has its e-mail: it will be added;
- ``exists``: a freelancer with this e-mail exists: the row is skipped, the freelancer is
  left as it is (an import adds people; it never overwrites what someone edited since);
- ``error``: its problems are listed (a missing name, an e-mail that is not one, a bad
  DID, an e-mail already on an earlier line of the file): it is not imported.

``parse`` never raises: any bytes become rows or file-level errors (a property test holds
it to that). ``preview`` adds what the database knows; ``import_rows`` parses and checks
again inside the write transaction, so what it adds is what the rules allow at that
moment, not what a page showed earlier.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select

from issuer.models import Freelancer, Issuer
from issuer.services import audit
from issuer.services.freelancers import field_problems
from microcred.platform.extensions import db

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
COLUMNS = ("name", "email", "did")
_ALIASES = {"e-mail": "email", "e_mail": "email", "mail": "email", "full name": "name"}
TEMPLATE = (
    "name,email,did\r\n"
    "Amara Okafor,amara@example.org,\r\n"
    "Jonas Weber,jonas.weber@example.net,"
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK\r\n"
)


@dataclass
class CsvRow:
    line: int  # the line of the file, the header being line 1
    name: str
    email: str
    did: str
    problems: list[str] = field(default_factory=list)
    status: str = "new"  # new | exists | error

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedCsv:
    rows: list[CsvRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # about the whole file
    notes: list[str] = field(default_factory=list)  # e.g. ignored columns

    @property
    def new(self) -> list[CsvRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def existing(self) -> list[CsvRow]:
        return [r for r in self.rows if r.status == "exists"]

    @property
    def refused(self) -> list[CsvRow]:
        return [r for r in self.rows if r.status == "error"]


class _UnusableError(Exception):
    """The file as a whole cannot be imported; the message says why."""


def parse(data: bytes) -> ParsedCsv:
    """Rows with their own problems, or errors about the file; never an exception."""
    result = ParsedCsv()
    try:
        header, body = _table(data)
    except _UnusableError as exc:
        result.errors.append(str(exc))
        return result
    ignored = [h for h in header if h not in COLUMNS]
    if ignored:
        result.notes.append(f"Ignored columns: {', '.join(ignored)}.")
    where = {c: header.index(c) for c in COLUMNS if c in header}
    first_line: dict[str, int] = {}
    for line, record in body:
        values = {c: (record[i].strip() if i < len(record) else "") for c, i in where.items()}
        row = CsvRow(
            line=line,
            name=values.get("name", ""),
            email=values.get("email", "").lower(),
            did=values.get("did", ""),
        )
        problems = field_problems({"name": row.name, "email": row.email, "did": row.did or None})
        row.problems.extend(f"{_LABELS[f]}: {m}" for f, m in problems.items())
        if row.email and "email" not in problems:
            if row.email in first_line:
                row.problems.append(f"E-mail: the same address as line {first_line[row.email]}.")
            else:
                first_line[row.email] = row.line
        if row.problems:
            row.status = "error"
        result.rows.append(row)
    return result


def _table(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (column names, aliases resolved) and the non-empty records with the
    line each starts on; ``_UnusableError`` when the file cannot be read as such a table."""
    records = _records(_text(data))
    if not records:
        raise _UnusableError("The file is empty: it needs a header row and one row a person.")
    header = [_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in records[0][1]]
    missing = [c for c in ("name", "email") if c not in header]
    if missing:
        found = ", ".join(repr(h) for h in header) or "none"
        raise _UnusableError(
            f"The first row must name the columns: {', '.join(missing)} missing (found {found})."
        )
    body = records[1:]
    if len(body) > MAX_ROWS:
        raise _UnusableError(
            f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} an import. "
            "Split it into smaller files."
        )
    if not body:
        raise _UnusableError("The file has a header but no rows.")
    return header, body


def _text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise _UnusableError(
            f"The file has {len(data):,} bytes; at most {MAX_BYTES // 1024} KiB. "
            "Split it into smaller files."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _UnusableError(
            f"The file is not UTF-8 text (byte {exc.start + 1}). Save it as "
            "“CSV UTF-8” and upload it again."
        ) from None
    if "\x00" in text:
        raise _UnusableError("The file holds NUL characters: it is not a CSV text file.")
    return text


def _records(text: str) -> list[tuple[int, list[str]]]:
    """The non-empty records, each with the line it starts on (a quoted cell may hold
    line breaks); reading stops past the row limit."""
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0
    try:
        for record in reader:
            first, last = last + 1, reader.line_num
            if any(cell.strip() for cell in record):
                records.append((first, record))
            if len(records) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        message = f"The file is not valid CSV (line {reader.line_num}): {exc}."
        raise _UnusableError(message) from None
    return records


_LABELS = {"name": "Name", "email": "E-mail", "did": "DID"}


def preview(issuer: Issuer, data: bytes) -> ParsedCsv:
    """``parse`` plus what the database knows: rows whose e-mail a freelancer of this
    provider already has are marked ``exists`` (skipped)."""
    parsed = parse(data)
    emails = [r.email for r in parsed.rows if r.status == "new"]
    known: set[str] = set()
    for start in range(0, len(emails), 500):
        known.update(
            db.session.scalars(
                select(Freelancer.email).where(
                    Freelancer.issuer_id == issuer.id,
                    Freelancer.email.in_(emails[start : start + 500]),
                )
            )
        )
    for row in parsed.rows:
        if row.status == "new" and row.email in known:
            row.status = "exists"
    return parsed


def import_rows(issuer: Issuer, data: bytes, *, actor: str, ip: str | None = None) -> ParsedCsv:
    """Add every ``new`` row (call inside one write transaction); the preview's verdicts,
    computed again now. One audit event names the import and how many it added."""
    parsed = preview(issuer, data)
    if parsed.errors:
        return parsed
    added = []
    for row in parsed.new:
        freelancer = Freelancer(
            issuer_id=issuer.id, name=row.name, email=row.email, did=row.did or None
        )
        db.session.add(freelancer)
        added.append(freelancer)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="freelancer.import",
        target_type="freelancer",
        target_id=None,
        ip=ip,
        added=len(added),
        skipped=len(parsed.existing),
        refused=len(parsed.refused),
    )
    return parsed
