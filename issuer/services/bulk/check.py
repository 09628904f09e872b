"""Checking rows before a job starts: what each row would do, nothing written.

``check_rows`` runs the checks issuing runs (the freelancer found by the column given, the
certification, the suite, a credential held already, the evidence rule or an override's
reason) through ``issuance.preview_credential``, which stores and signs nothing. The
console shows the outcome per row before the job is started; the job itself still
decides, row by row, when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from credentials.errors import InvalidInputError, MicrocredError
from credentials.proofs import SUITES
from issuer.models import Issuer
from issuer.services.bulk.items import _freelancer_of, _name_column, row_problem
from issuer.services.bulk.rows import IDENTITY_COLUMNS, Row
from issuer.services.issuance import Draft, certificate_language, preview_credential

#: Rows one check (and one console upload) takes; the API's per-request limit too.
MAX_CHECKED_ROWS = 1000


@dataclass(frozen=True, slots=True)
class RowCheck:
    number: int
    row: Row
    #: "issue" | "override" (issues with the row's reason) | "skip" (holds one) | "error"
    outcome: str
    column: str | None = None
    message: str = ""

    @property
    def freelancer(self) -> str:
        return next((self.row[c] for c in IDENTITY_COLUMNS if self.row.get(c)), "")


def check_rows(issuer: Issuer, rows: Sequence[Row]) -> list[RowCheck]:
    """What each row would do if the job ran now (see the module docs)."""
    if len(rows) > MAX_CHECKED_ROWS:
        raise InvalidInputError(
            f"{len(rows)} rows: at most {MAX_CHECKED_ROWS} per file here; split the file or "
            "use 'microcred issue-bulk'.",
            field="rows",
        )
    seen: dict[tuple[str, str], int] = {}
    return [_check(issuer, number, row, seen) for number, row in enumerate(rows, start=1)]


def _check(issuer: Issuer, number: int, row: Row, seen: dict[tuple[str, str], int]) -> RowCheck:
    column = "freelancerId"
    try:
        column, freelancer_id = _freelancer_of(issuer, row)
        certification_id = row.get("certificationId")
        if not certification_id:
            raise InvalidInputError("certificationId is required", field="certificationId")
        suite = row.get("suite")
        if suite and suite not in SUITES:
            raise InvalidInputError(
                f"unknown suite {suite!r}; use one of {', '.join(sorted(SUITES))}", field="suite"
            )
        certificate_language(row.get("language"))
        preview = preview_credential(
            issuer,
            freelancer_id=freelancer_id,
            certification_id=certification_id,
            override_reason=row.get("overrideReason"),
        )
    except MicrocredError as exc:
        _name_column(exc, column)
        problem = row_problem(exc)
        return RowCheck(number, row, "error", problem["column"], problem["message"])
    key = (freelancer_id, certification_id)
    if key in seen:
        return RowCheck(
            number, row, "skip", column, f"the same as row {seen[key]}: issued once, then skipped"
        )
    seen[key] = number
    return _verdict(number, row, column, preview.draft)


def _verdict(number: int, row: Row, column: str, draft: Draft) -> RowCheck:
    """What issuing would do with the row's draft."""
    if draft.certification.retired:
        return RowCheck(
            number, row, "error", "certificationId", "the micro-certification is archived"
        )
    if draft.held_id is not None:
        return RowCheck(number, row, "skip", column, "already holds a valid credential for it")
    if draft.evaluation.met:
        return RowCheck(number, row, "issue")
    if draft.override_reason is None:
        return RowCheck(
            number,
            row,
            "error",
            column,
            "evidence rule not met: "
            + "; ".join(draft.evaluation.missing)
            + " (give an overrideReason to issue anyway)",
        )
    return RowCheck(number, row, "override", "overrideReason", draft.override_reason)
