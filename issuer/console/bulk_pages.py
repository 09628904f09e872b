"""Bulk issuing from the console (issue 13, item 5): upload a CSV file, see what each row
would do before anything starts, start the job, watch its progress, download the report.

The job is the API's and the CLI's (``issuer.services.bulk``): ``open_job`` keys it by
its rows (sending the same file twice resumes the same job, nothing is issued twice),
and ``worker.submit`` queues it for the task queue's workers; the console runs no job
itself. The check before starting is ``bulk.check_rows``, which writes nothing.

The progress page shows a ``<progress>`` bar. ``static/bulk_progress.js`` (a file: the
CSP allows no inline script) asks ``/bulk/<id>/progress`` once a second and moves the bar;
without JavaScript the page reloads itself every few seconds (``<meta refresh>`` inside
``<noscript>``) until the job is finished.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Final

from flask import flash, jsonify, redirect, render_template, url_for
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import DataRequired

from credentials.errors import InvalidInputError, MicrocredError
from issuer.console.blueprint import blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.services import accounts
from issuer.services import bulk as bulk_service
from issuer.services.bulk import worker as bulk_worker

Page = Response | str | tuple[str, int]

#: Largest CSV file the page takes (1,000 rows of long e-mails and reasons fit).
MAX_CSV_BYTES: Final = 1024 * 1024
MAX_SOURCE_NAME: Final = 255


class UploadForm(ConsoleForm):
    csv = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        description="A header row, then one row per credential. Columns: freelancerId, "
        "freelancerEmail or freelancerHandle (one of them), certificationId, and optionally "
        "suite, overrideReason and language (of the PDF certificate: en or es). "
        f"At most {bulk_service.MAX_CHECKED_ROWS} rows.",
    )


class StartForm(ConsoleForm):
    rows = HiddenField(validators=[DataRequired()])
    source_name = HiddenField()


@blp.route("/bulk")
@requires("issuer")
def bulk() -> str:
    me = signed_in()
    return render_template(
        "console/bulk_upload.html",
        form=UploadForm(formdata=None),
        jobs=bulk_service.recent_jobs(me.issuer),
    )


@blp.route("/bulk", methods=["POST"])
@requires("issuer")
def bulk_check() -> Page:
    """Read the file and check every row; nothing is written, nothing starts."""
    me = signed_in()
    form = UploadForm()
    if not form.validate():
        return _upload_page(form, 422)
    upload = form.csv.data
    data = upload.read(MAX_CSV_BYTES + 1)
    try:
        if len(data) > MAX_CSV_BYTES:
            raise InvalidInputError(
                f"The file is larger than {MAX_CSV_BYTES // 1024} KiB; split it.", field="csv"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInputError("The file is not UTF-8 text.", field="csv") from None
        rows = bulk_service.normalise(bulk_service.rows_from_csv(text))
        checks = bulk_service.check_rows(me.issuer, rows)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        form.csv.errors = [*form.csv.errors, exc.message]
        return _upload_page(form, exc.http_status)
    name = "".join(ch for ch in (upload.filename or "") if ch.isprintable())[:MAX_SOURCE_NAME]
    start = StartForm(
        formdata=None,
        rows=json.dumps(rows, separators=(",", ":"), ensure_ascii=False),
        source_name=name,
    )
    summary = {
        o: sum(1 for c in checks if c.outcome == o) for o in ("issue", "override", "skip", "error")
    }
    return render_template(
        "console/bulk_check.html", checks=checks, form=start, summary=summary, name=name
    )


def _upload_page(form: UploadForm, status: int) -> tuple[str, int]:
    me = signed_in()
    page = render_template(
        "console/bulk_upload.html", form=form, jobs=bulk_service.recent_jobs(me.issuer)
    )
    return page, status


@blp.route("/bulk/start", methods=["POST"])
@requires("issuer")
def bulk_start() -> Response:
    """Open the job for the checked rows (the same rows again: the same job) and queue it."""
    me = signed_in()
    form = StartForm()
    if not form.validate():
        raise InvalidInputError("The form lacks its rows: upload the file again.", field="rows")
    try:
        payload = json.loads(form.rows.data)
    except ValueError:
        raise InvalidInputError(
            "The form's rows are not readable: upload the file again."
        ) from None
    raw, _ = bulk_service.rows_from_json(payload)
    rows = bulk_service.normalise(raw)
    if len(rows) > bulk_service.MAX_CHECKED_ROWS:
        raise InvalidInputError(f"At most {bulk_service.MAX_CHECKED_ROWS} rows.", field="rows")
    name = (form.source_name.data or "")[:MAX_SOURCE_NAME]
    opened = bulk_service.open_job(
        me.issuer,
        rows,
        source_format="csv",
        source_name=name if name.isprintable() and name else None,
        actor=accounts.actor_of(me.user),
        ip=client_ip(),
    )
    bulk_worker.submit(opened.job_id)
    if not opened.created:
        flash(
            "These rows were sent before: this is the same job, resumed. Nothing is issued twice."
        )
    return redirect(url_for("console.bulk_job", job_id=opened.job_id))


@blp.route("/bulk/<job_id>")
@requires("issuer")
def bulk_job(job_id: str) -> str:
    me = signed_in()
    job = bulk_service.get_job(me.issuer, job_id)
    progress = bulk_service.job_progress(job)
    lines = list(bulk_service.report_lines(job.id)) if progress["finished"] else []
    return render_template("console/bulk_job.html", job=job, progress=progress, lines=lines)


@blp.route("/bulk/<job_id>/progress")
@requires("issuer")
def bulk_progress(job_id: str) -> Response:
    """The job's progress as JSON, for the page's script."""
    me = signed_in()
    job = bulk_service.get_job(me.issuer, job_id)
    return jsonify(bulk_service.job_progress(job))


@blp.route("/bulk/<job_id>/report.csv")
@requires("issuer")
def bulk_report(job_id: str) -> Response:
    """What was issued, what was skipped and why, one line per row of the file."""
    me = signed_in()
    job = bulk_service.get_job(me.issuer, job_id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk_service.REPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for line in bulk_service.report_lines(job.id):
        writer.writerow({k: _safe_cell(v) for k, v in line.items()})
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{job.id}-report.csv"'
    return response


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
