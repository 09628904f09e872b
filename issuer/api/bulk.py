"""``/api/v1/bulk-issuances``: issue many credentials from CSV or JSON rows, resumably.

``POST`` takes ``{"rows": [...]}`` as JSON or a ``text/csv`` body with a header row,
creates (or finds again) the job for those rows and queues it for a worker
(``issuer.services.bulk.worker``): the answer is 202 with the job's URL at once. The
worker processes every open row, each in its own transaction. Submitting the same rows
again resumes the same job: rows already issued are reported, never issued twice.
``GET /<id>`` reports a job: its state, progress and each row's outcome.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for
from marshmallow import fields, validate
from sqlalchemy import select

from credentials.errors import InvalidInputError
from issuer.api import blueprint as api_blueprint
from issuer.api.blueprint import ApiBlueprint
from issuer.auth import current_principal
from issuer.idempotency import idempotent
from issuer.models import BulkItem, BulkJob
from issuer.schemas.common import BaseSchema
from issuer.schemas.issuance import SUITES, BulkArgsSchema, BulkJobSchema, BulkRequestSchema
from issuer.scopes import ISSUE
from issuer.services import bulk
from issuer.services.bulk import worker as bulk_worker
from microcred.platform.errors import validation_problem
from microcred.platform.extensions import db
from microcred.platform.refusals import PayloadTooLargeError, UnprocessableError

#: Rows one request may carry: a request must finish well within proxy/worker timeouts
#: (about 7 s at the eddsa-rdfc-2022 rate). Bigger files: ``microcred issue-bulk``.
MAX_API_ROWS = bulk.MAX_CHECKED_ROWS  # the console's per-file limit too
CSV_TYPE = "text/csv"


def _before_bulk_request() -> None:
    """The API's checks, except that a ``text/csv`` body is accepted as well as JSON."""
    if request.mimetype != CSV_TYPE:
        api_blueprint._before_api_request()
        return
    limit = int(current_app.config["MICROCRED_API_MAX_BODY"])
    request.max_content_length = limit
    current_principal()
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(
            f"The request body has {request.content_length} bytes; at most {limit} allowed."
        )


class BulkBlueprint(ApiBlueprint):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        funcs = self.before_request_funcs[None]
        funcs[:] = [
            _before_bulk_request if f is api_blueprint._before_api_request else f for f in funcs
        ]


blp = BulkBlueprint(
    "bulk-issuances",
    __name__,
    write_scope=ISSUE,
    url_prefix="/api/v1/bulk-issuances",
    description="Bulk issuance from CSV or JSON rows: per-row outcomes, resumable, and "
    "never issuing a row twice.",
)


class BulkQuerySchema(BaseSchema):
    suite = fields.String(
        validate=validate.OneOf(SUITES), metadata={"description": "Suite for rows naming none"}
    )


_REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": BulkRequestSchema},
        CSV_TYPE: {
            "schema": {"type": "string"},
            "example": "freelancerEmail,certificationId\namara@example.com,cert_3kq8mz2v7hx4tw1p\n",
        },
    },
}


_SOURCE_NAME_PARAMETER = {
    "in": "header",
    "name": "Content-Disposition-Filename",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "The uploaded file's name, kept with the job (printable characters)",
}


@blp.route("", methods=["POST"])
@idempotent
@blp.query_arguments(BulkQuerySchema)
# The view's own parameters replace the list the blueprint builds: name both.
@blp.doc(
    requestBody=_REQUEST_BODY,
    parameters=[_SOURCE_NAME_PARAMETER, dict(api_blueprint.IDEMPOTENCY_PARAMETER)],
)
@blp.response(202, BulkJobSchema, description="The job, queued for a worker")
@blp.alt_response(
    200, schema=BulkJobSchema, description="An earlier job with the same rows, complete"
)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
@blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
def create_bulk_issuance(args: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Issue credentials in bulk from JSON rows or a CSV file

    Columns / keys: `freelancerId`, `freelancerEmail` or `freelancerHandle` (one of
    them), `certificationId`, optional `suite`, `overrideReason` and `language` (of the
    PDF certificate: `en`, `es`). At most 1,000 rows per request (use `microcred
    issue-bulk` for bigger files). The job runs on a queue worker: the answer (202) comes
    at once, with the job's URL in `Location`; `GET` it for `progress` and, row by row,
    the outcome: `issued`, `already_issued` or `error` (with the column and the problem).
    Sending the same rows again resumes the same job (`resumed`; failed rows are tried
    again): nothing is issued twice. A job already complete is reported as it is (200).
    """
    principal = current_principal()
    rows, source_format = _read_rows(args.get("suite"))
    if len(rows) > MAX_API_ROWS:
        raise PayloadTooLargeError(
            f"{len(rows)} rows: this endpoint takes at most {MAX_API_ROWS} per request; split "
            "the file or use 'microcred issue-bulk'.",
            field="rows",
        )
    opened = bulk.open_job(
        principal.issuer,
        rows,
        source_format=source_format,
        source_name=_source_name(),
        suite=args.get("suite"),
        actor=principal.actor,
    )
    bulk_worker.submit(opened.job_id)
    job = bulk.get_job(principal.issuer, opened.job_id)
    body = job_report(job, resumed=not opened.created, page=1, per_page=MAX_API_ROWS)
    location = url_for(".get_bulk_issuance", job_id=job.id)
    # 200 only for an earlier job found complete: a new one is 202 even when a queue
    # worker has already finished it (small jobs can, between the enqueue and this read).
    status = 200 if not opened.created and job.state == "completed" else 202
    return body, status, {"Location": location}


@blp.route("/<job_id>", methods=["GET"])
@blp.query_arguments(BulkArgsSchema)
@blp.response(200, BulkJobSchema)
def get_bulk_issuance(args: dict[str, Any], job_id: str) -> dict[str, Any]:
    """Get a bulk issuance job with its rows' outcomes (paginated)"""
    job = bulk.get_job(current_principal().issuer, job_id)
    return job_report(job, resumed=False, page=args["page"], per_page=args["per_page"])


#: The optional header that names the uploaded file (kept with the job, up to 255 characters).
SOURCE_NAME_HEADER = "Content-Disposition-Filename"
MAX_SOURCE_NAME = 255


def _source_name() -> str | None:
    name = request.headers.get(SOURCE_NAME_HEADER)
    if name is None:
        return None
    # A header may carry any byte but NUL-free text of the column's length: PostgreSQL
    # refused a NUL and an over-long name with a 500.
    if not name.isprintable() or len(name) > MAX_SOURCE_NAME:
        raise InvalidInputError(
            f"The {SOURCE_NAME_HEADER} header must be at most {MAX_SOURCE_NAME} printable "
            "characters.",
            code="invalid_header",
            field=SOURCE_NAME_HEADER,
        )
    return name or None


def _read_rows(query_suite: str | None) -> tuple[list[bulk.Row], str]:
    if request.mimetype == CSV_TYPE:
        try:
            text = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError("the CSV body is not UTF-8 text", field="body") from None
        return bulk.normalise(bulk.rows_from_csv(text), default_suite=query_suite), "csv"
    payload = request.get_json(silent=False) if request.get_data(cache=True) else None
    if payload is None:
        raise InvalidInputError(
            'send {"rows": [...]} as application/json or a text/csv body', field="body"
        )
    try:
        data = BulkRequestSchema().load(payload)
    except ma.ValidationError as exc:
        problem = validation_problem({"json": exc.messages})
        raise UnprocessableError(
            problem["description"], field=problem.get("field"), errors=problem.get("errors")
        ) from None
    suite = data.get("suite")
    if suite and query_suite and suite != query_suite:
        raise InvalidInputError("the query and the body name different suites", field="suite")
    raw = [{_camel(k): v for k, v in row.items()} for row in data["rows"]]
    return bulk.normalise(raw, default_suite=suite or query_suite), "json"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def job_report(job: BulkJob, *, resumed: bool, page: int, per_page: int) -> dict[str, Any]:
    items = db.paginate(
        select(BulkItem).where(BulkItem.job_id == job.id).order_by(BulkItem.row_number),
        page=page,
        per_page=per_page,
        error_out=False,
        count=True,
    )
    counts = bulk.outcome_counts(job.id)
    return {
        "id": job.id,
        "state": job.state,
        "resumed": resumed,
        "source_format": job.source_format,
        "source_name": job.source_name,
        "total_rows": job.total_rows,
        "counts": counts,
        "progress": {
            "done": counts["issued"] + counts["already_issued"],
            "failed": counts["failed"],
            "total": job.total_rows,
        },
        "created_by": job.created_by,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "items": list(items.items),
        "pagination": {
            "page": items.page,
            "per_page": items.per_page,
            "total": items.total,
            "pages": items.pages,
        },
    }
