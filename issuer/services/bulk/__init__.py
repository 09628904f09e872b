"""Bulk issuance from CSV or JSON rows, resumable after a crash, issuing nothing twice.

A submission becomes a ``BulkJob`` keyed by (issuer, SHA-256 of its *normalised* rows),
with one ``BulkItem`` per row. Rows are processed one by one, each in its own
transaction that issues the credential *and* marks the item issued with the credential's
id — so after a crash every row is either issued and marked, or untouched. Submitting
the same rows again (the same file, the same JSON, a retried request) finds the same job
and resumes it: rows already issued are reported as such and never issued twice; rows
that failed are tried again (the cause may have been fixed meanwhile).

Modules, by responsibility:

- ``rows``: reading CSV/JSON rows (``rows_from_csv``, ``rows_from_json``), ``normalise``
  and ``source_hash``; the columns (``COLUMNS``, ``IDENTITY_COLUMNS``) and ``Row``.
- ``jobs``: ``open_job`` (``OpenedJob``), ``get_job``, ``open_items`` and
  ``process_job``, which runs a job's open rows.
- ``items``: ``process_item`` issues one row; ``row_problem`` says what is wrong with a
  refused one.
- ``report``: ``outcome_counts`` of a job and ``item_outcome`` of one row;
  ``job_progress`` and ``report_lines`` (the downloadable report).
- ``check``: ``check_rows``, what each row would do, before a job starts (nothing written).

Public names, importable from this package: the ones above, plus ``MAX_CELL``,
``MAX_ROWS`` and ``FINAL_STATES``.
"""

from issuer.services.bulk.check import MAX_CHECKED_ROWS, RowCheck, check_rows
from issuer.services.bulk.items import FINAL_STATES, process_item, row_problem
from issuer.services.bulk.jobs import (
    OpenedJob,
    get_job,
    open_items,
    open_job,
    process_job,
    recent_jobs,
)
from issuer.services.bulk.report import (
    REPORT_COLUMNS,
    item_outcome,
    job_progress,
    outcome_counts,
    report_lines,
)
from issuer.services.bulk.rows import (
    COLUMNS,
    IDENTITY_COLUMNS,
    MAX_CELL,
    MAX_ROWS,
    Row,
    normalise,
    rows_from_csv,
    rows_from_json,
    source_hash,
)

__all__ = [
    "COLUMNS",
    "FINAL_STATES",
    "IDENTITY_COLUMNS",
    "MAX_CELL",
    "MAX_CHECKED_ROWS",
    "MAX_ROWS",
    "REPORT_COLUMNS",
    "OpenedJob",
    "Row",
    "RowCheck",
    "check_rows",
    "get_job",
    "item_outcome",
    "job_progress",
    "normalise",
    "open_items",
    "open_job",
    "outcome_counts",
    "process_item",
    "process_job",
    "recent_jobs",
    "report_lines",
    "row_problem",
    "rows_from_csv",
    "rows_from_json",
    "source_hash",
]
