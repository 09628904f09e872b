"""Bulk issuance from CSV or JSON rows, resumable after a crash, issuing nothing twice.

A submission becomes a ``BulkJob`` keyed by (issuer, SHA-256 of its *normalised* rows),
with one ``BulkItem`` per row. Rows are processed one by one, each in its own
transaction that issues the credential *and* marks the item issued with the credential's
id — so after a crash every row is either issued and marked, or untouched. Submitting
the same rows again (the same file, the same JSON, a retried request) finds the same job
and resumes it: rows already issued are reported as such and never issued twice; rows
that failed are tried again (the cause may have been fixed meanwhile).

Row columns (CSV header names, JSON keys): ``freelancerId`` | ``freelancerEmail`` |
``freelancerHandle`` (exactly one), ``certificationId``, optional ``suite`` and
``overrideReason``. Outcomes per row: ``issued``, ``already_issued`` (the freelancer
holds a valid credential for the certification already; nothing is issued) or ``error``
with the column at fault and what is wrong.

Job states: ``pending`` (created), ``running``, ``completed`` (every row issued or
already issued), ``failed`` (some rows failed; submit again to retry them).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from credentials.errors import InvalidInputError, MicrocredError, NotFoundError
from credentials.proofs import RDFC, SUITES
from issuer.models import BulkItem, BulkJob, Freelancer, Issuer
from issuer.services import audit
from issuer.services.issuance import held_credential, issue_credential
from issuer.services.issuance_records import IssuerRecord
from microcred.db import UtcDateTime, write_transaction
from microcred.errors import not_found
from microcred.extensions import db

IDENTITY_COLUMNS = ("freelancerId", "freelancerEmail", "freelancerHandle")
COLUMNS = (*IDENTITY_COLUMNS, "certificationId", "suite", "overrideReason")
MAX_CELL = 2000
#: Rows one job may hold (the API accepts fewer per request, see issuer.api.bulk).
MAX_ROWS = 1_000_000
FINAL_STATES = frozenset({"issued", "skipped"})

Row = dict[str, str]


# --- reading rows ----------------------------------------------------------------------------


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


# --- jobs ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenedJob:
    job_id: str
    created: bool


def open_job(
    issuer: Issuer,
    rows: Sequence[Row],
    *,
    source_format: str,
    source_name: str | None = None,
    suite: str | None = None,
    actor: str,
) -> OpenedJob:
    """The job for these (normalised) rows: found again, or created — and committed."""
    digest = source_hash(rows)
    existing = _job_id(issuer.id, digest)
    if existing is not None:
        return OpenedJob(existing, created=False)
    try:
        with write_transaction(db.session):
            job = BulkJob(
                issuer_id=issuer.id,
                source_hash=digest,
                source_name=source_name,
                source_format=source_format,
                suite=suite,
                state="pending",
                total_rows=len(rows),
                created_by=actor,
            )
            db.session.add(job)
            db.session.flush()
            db.session.execute(
                BulkItem.__table__.insert(),
                [
                    {"job_id": job.id, "row_number": n, "payload": row}
                    for n, row in enumerate(rows, start=1)
                ],
            )
            audit.record(
                issuer.id,
                actor=actor,
                action="bulk.create",
                target_type="bulk_job",
                target_id=job.id,
                rows=len(rows),
                format=source_format,
                source=source_name,
            )
            job_id = job.id
    except IntegrityError:
        # The same rows were submitted concurrently and the other submission won.
        found = _job_id(issuer.id, digest)
        if found is None:
            raise
        return OpenedJob(found, created=False)
    return OpenedJob(job_id, created=True)


def _job_id(issuer_id: int, digest: str) -> str | None:
    return db.session.scalar(
        select(BulkJob.id).where(BulkJob.issuer_id == issuer_id, BulkJob.source_hash == digest)
    )


def get_job(issuer: Issuer, job_id: str) -> BulkJob:
    job = db.session.scalar(
        select(BulkJob).where(BulkJob.id == job_id, BulkJob.issuer_id == issuer.id)
    )
    if job is None:
        raise not_found(f"no bulk issuance with id {job_id!r}")
    return job


def open_items(job_id: str) -> list[int]:
    """Ids of the rows still to do (pending, or failed before), in row order."""
    return list(
        db.session.scalars(
            select(BulkItem.id)
            .where(BulkItem.job_id == job_id, BulkItem.state.in_(("pending", "failed")))
            .order_by(BulkItem.row_number)
        )
    )


def process_job(
    issuer_id: int,
    job_id: str,
    *,
    actor: str,
    on_item: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Work through the job's open rows, one transaction per row; returns outcome counts.

    ``on_item`` is called after each row with its new state (for progress bars)."""
    todo = open_items(job_id)
    _set_state(job_id, "running")
    issuer = IssuerRecord.of(_issuer(issuer_id))
    for item_id in todo:
        state = process_item(issuer, item_id, actor=actor)
        if on_item is not None:
            on_item(state)
    counts = outcome_counts(job_id)
    _finish(issuer_id, job_id, counts, actor)
    return counts


_i = BulkItem.__table__.c
_ITEM = select(_i.state, _i.payload).where(_i.id == bindparam("item_id")).with_for_update()
_MARK_ISSUED = (
    update(BulkItem.__table__)
    .where(_i.id == bindparam("item_id"))
    .values(
        state="issued",
        credential_id=bindparam("issued_id"),
        error=None,
        updated_at=bindparam("at", type_=UtcDateTime()),
    )
)


def process_item(issuer: Issuer | IssuerRecord, item_id: int, *, actor: str) -> str:
    """Issue one row and mark it issued, in one transaction; on refusal mark it failed (or
    already issued) instead. Returns the row's state."""
    connection = db.session.connection
    try:
        with write_transaction(db.session):
            item = connection().execute(_ITEM, {"item_id": item_id}).one()
            if item.state in FINAL_STATES:
                return str(item.state)  # another run of the same job did it meanwhile
            credential_id = _issue_row(issuer, item.payload, actor)
            connection().execute(
                _MARK_ISSUED,
                {"item_id": item_id, "issued_id": credential_id, "at": datetime.now(UTC)},
            )
            return "issued"
    except (HTTPException, MicrocredError) as exc:
        problem = row_problem(exc)
    with write_transaction(db.session):
        row = _locked_item(item_id)
        if row.state in FINAL_STATES:
            return row.state
        if problem["error"] == "already_issued":
            _mark_held(issuer, row)
        else:
            row.state = "failed"
            row.error = problem
            row.credential_id = None
        return row.state


def _issuer(issuer_id: int) -> Issuer:
    issuer = db.session.get(Issuer, issuer_id)
    assert issuer is not None  # noqa: S101 - jobs belong to an existing issuer
    return issuer


def _locked_item(item_id: int) -> BulkItem:
    item = db.session.scalar(
        select(BulkItem)
        .where(BulkItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert item is not None  # noqa: S101 - items are deleted only with their job
    return item


def _issue_row(issuer: Issuer | IssuerRecord, row: Mapping[str, str], actor: str) -> str:
    column, freelancer_id = _freelancer_of(issuer, row)
    certification_id = row.get("certificationId")
    if not certification_id:
        raise InvalidInputError("certificationId is required", field="certificationId")
    suite = row.get("suite") or RDFC
    if suite not in SUITES:
        raise InvalidInputError(
            f"unknown suite {suite!r}; use one of {', '.join(sorted(SUITES))}", field="suite"
        )
    try:
        credential = issue_credential(
            issuer,
            freelancer_id=freelancer_id,
            certification_id=certification_id,
            suite=suite,
            override_reason=row.get("overrideReason"),
            actor=actor,
        )
    except HTTPException as exc:
        _name_column(exc, column)
        raise
    return credential.id


_fr = Freelancer.__table__.c
_FREELANCER_BY = {
    column: select(_fr.id).where(
        _fr.issuer_id == bindparam("issuer_id"), attribute == bindparam("value")
    )
    for column, attribute in (
        ("freelancerId", _fr.id),
        ("freelancerEmail", _fr.email),
        ("freelancerHandle", _fr.handle),
    )
}


def _freelancer_of(issuer: Issuer | IssuerRecord, row: Mapping[str, str]) -> tuple[str, str]:
    given = [c for c in IDENTITY_COLUMNS if row.get(c)]
    if len(given) != 1:
        raise InvalidInputError(
            "give exactly one of freelancerId, freelancerEmail or freelancerHandle"
            + (f" (got {', '.join(given)})" if given else ""),
            field="freelancerId",
        )
    column = given[0]
    value = row[column]
    found = (
        db.session.connection()
        .execute(_FREELANCER_BY[column], {"issuer_id": issuer.id, "value": value})
        .scalar()
    )
    if found is None:
        raise NotFoundError(f"no freelancer with {column} {value!r}", field=column)
    return column, str(found)


def _name_column(exc: HTTPException, freelancer_column: str) -> None:
    """Point a service refusal at the row's column (404s here are about the certification:
    the freelancer was found already)."""
    problem = getattr(exc, "microcred_problem", None)
    if problem is None:
        return
    field = problem.get("field")
    if field in (None, "certificationId") and exc.code == 404:
        problem["field"] = "certificationId"
    elif field == "freelancerId":
        problem["field"] = freelancer_column
    elif field == "override.reason":
        problem["field"] = "overrideReason"


def row_problem(exc: Exception) -> dict[str, Any]:
    """``{column, error, message}`` for a refused row."""
    if isinstance(exc, HTTPException):
        extra = getattr(exc, "microcred_problem", None) or {}
        column = extra.get("field") or "certificationId"
        error = extra.get("error") or f"http_{exc.code}"
        message = str(exc.description)
    else:
        assert isinstance(exc, MicrocredError)  # noqa: S101 - the only other kind caught
        column = exc.field or "certificationId"
        error = exc.code
        message = exc.message
    if column not in COLUMNS:
        column = "suite" if column == "cryptosuite" else "certificationId"
    return {"column": column, "error": error, "message": message}


def _mark_held(issuer: Issuer | IssuerRecord, item: BulkItem) -> None:
    """The freelancer holds a valid credential already: nothing issued, the row is done."""
    _, freelancer_id = _freelancer_of(issuer, item.payload)
    held = held_credential(freelancer_id, item.payload["certificationId"], datetime.now(UTC))
    item.state = "skipped"
    item.credential_id = held.id if held is not None else None
    item.error = None


def _set_state(job_id: str, state: str) -> None:
    with write_transaction(db.session):
        job = db.session.get(BulkJob, job_id)
        if job is not None and job.state != state:
            job.state = state
            job.finished_at = None


def outcome_counts(job_id: str) -> dict[str, int]:
    rows = db.session.execute(
        select(BulkItem.state, func.count())
        .where(BulkItem.job_id == job_id)
        .group_by(BulkItem.state)
    ).all()
    counts = {"issued": 0, "already_issued": 0, "failed": 0, "pending": 0}
    names = {
        "issued": "issued",
        "skipped": "already_issued",
        "failed": "failed",
        "pending": "pending",
    }
    for state, count in rows:
        counts[names[state]] += count
    return counts


def _finish(issuer_id: int, job_id: str, counts: Mapping[str, int], actor: str) -> None:
    with write_transaction(db.session):
        job = db.session.get(BulkJob, job_id)
        if job is None:
            return
        job.state = "failed" if counts["failed"] else "completed"
        job.finished_at = datetime.now(UTC)
        audit.record(
            issuer_id,
            actor=actor,
            action="bulk.process",
            target_type="bulk_job",
            target_id=job_id,
            **counts,
        )


def item_outcome(item: BulkItem) -> str:
    return {"issued": "issued", "skipped": "already_issued", "failed": "error"}.get(
        item.state, "pending"
    )
