"""Issuing one row of a job, in one transaction that also marks the row done.

After a crash every row is either issued and marked, or untouched. A refused row is
marked ``failed`` with the column at fault (``row_problem``), or ``skipped`` when the
freelancer holds a valid credential for the certification already.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select, update

from credentials.errors import InvalidInputError, MicrocredError, NotFoundError
from credentials.proofs import RDFC, SUITES
from issuer.models import BulkItem, Freelancer, Issuer
from issuer.services.bulk.rows import COLUMNS, IDENTITY_COLUMNS
from issuer.services.issuance import held_credential, issue_credential
from issuer.services.issuance_records import IssuerRecord
from microcred.platform.db import UtcDateTime, write_transaction
from microcred.platform.extensions import db

FINAL_STATES = frozenset({"issued", "skipped"})


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
    except MicrocredError as exc:
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
            language=row.get("language") or None,
            actor=actor,
        )
    except MicrocredError as exc:
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


def _name_column(exc: MicrocredError, freelancer_column: str) -> None:
    """Point a service refusal at the row's column (404s here are about the certification:
    the freelancer was found already)."""
    if exc.field in (None, "certificationId") and exc.http_status == 404:
        exc.field = "certificationId"
    elif exc.field == "freelancerId":
        exc.field = freelancer_column
    elif exc.field == "override.reason":
        exc.field = "overrideReason"


def row_problem(exc: MicrocredError) -> dict[str, Any]:
    """``{column, error, message}`` for a refused row."""
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
