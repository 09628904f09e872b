"""Issued credentials from the command line: ``issue-bulk`` and ``credentials …``.

``microcred issue-bulk FILE --issuer SLUG`` issues one credential per CSV/JSON row with a
progress bar. It shares the API's job semantics (``issuer.services.bulk``): the job is
keyed by the rows' content, so running the same file again after a crash (or a ^C)
resumes it — rows already issued are reported, never issued twice. Exit status 1 when
any row failed.

``microcred credentials list|show|revoke|suspend|unsuspend --issuer SLUG …`` are for
operators; changes are recorded in the audit log with actor ``cli``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from credentials.errors import InvalidInputError
from credentials.proofs import JCS, RDFC
from issuer.models import BulkItem, IssuedCredential
from issuer.services import bulk, issuers
from issuer.services import credentials as service
from issuer.services.audit import CLI_ACTOR
from issuer.services.bulk import worker as bulk_worker
from issuer.services.issuance import verification_url
from microcred.cli import cli
from microcred.cli.service import load_app, operation, pass_state, reported_errors
from microcred.cli.state import CliState
from microcred.platform.extensions import db

_issuer_option = click.option(
    "--issuer", "slug", required=True, metavar="SLUG", help="The training provider's slug."
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
#: Largest file issue-bulk reads (a million rows of CSV is well below it).
MAX_FILE_BYTES = 256 * 1024 * 1024


# --- issue-bulk ------------------------------------------------------------------------------


def read_rows(path: Path, fmt: str | None, suite: str | None) -> tuple[list[bulk.Row], str]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InvalidInputError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    fmt = fmt or ("json" if path.suffix.lower() == ".json" else "csv")
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(f"{path} is not UTF-8 text") from None
    if fmt == "csv":
        return bulk.normalise(bulk.rows_from_csv(text), default_suite=suite), fmt
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None
    rows, file_suite = bulk.rows_from_json(payload)
    if suite and file_suite and suite != file_suite:
        raise InvalidInputError("--suite and the file's suite differ", field="suite")
    return bulk.normalise(rows, default_suite=suite or file_suite), fmt


@cli.command("issue-bulk")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_issuer_option
@click.option(
    "--suite",
    type=click.Choice([RDFC, JCS]),
    default=None,
    help=f"Cryptosuite for rows that name none (default {RDFC}).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), help="Default: from the file name."
)
@click.option(
    "--queue",
    "to_queue",
    is_flag=True,
    help="Hand the job to the queue's workers and return (see bulk-status).",
)
@_json_option
@pass_state
def issue_bulk(
    state: CliState,
    *,
    file: Path,
    slug: str,
    suite: str | None,
    fmt: str | None,
    to_queue: bool,
    as_json: bool,
) -> None:
    """Issue one credential per row of FILE (CSV with a header row, or JSON {"rows": […]}).

    Columns: freelancerId | freelancerEmail | freelancerHandle, certificationId, and
    optionally suite, overrideReason and language (of the PDF: en, es). Running the same
    FILE again resumes its job:
    nothing is issued twice. Exit status 1 if any row failed. The rows are issued in
    this process, unless --queue hands them to `microcred worker`.
    """
    app = load_app(state)
    with reported_errors(), app.app_context():
        rows, fmt = read_rows(file, fmt, suite)
        issuer = issuers.get_issuer(slug)
        opened = bulk.open_job(
            issuer, rows, source_format=fmt, source_name=file.name, suite=suite, actor=CLI_ACTOR
        )
        if to_queue:
            queued = bulk_worker.submit(opened.job_id)
            click.echo(f"job {opened.job_id}: {'queued' if queued else 'already in hand'}")
            click.echo(f"follow it: microcred bulk-status {opened.job_id} --issuer {slug} --wait")
            return
        todo = len(bulk.open_items(opened.job_id))
        if not opened.created:
            click.echo(
                f"resuming job {opened.job_id}: {len(rows) - todo} of {len(rows)} rows done before",
                err=True,
            )
        with click.progressbar(
            length=todo, label=f"issuing {todo} of {len(rows)} rows", file=sys.stderr
        ) as bar:
            bulk.process_job(
                issuer.id,
                opened.job_id,
                actor=CLI_ACTOR,
                on_item=lambda _item: bar.update(1),
                force=True,  # a person watches this run: take the job even from a worker
            )
        counts = bulk.outcome_counts(opened.job_id)
        failures = _failures(opened.job_id)
    _report(opened.job_id, counts, failures, as_json)
    if counts["failed"]:
        raise SystemExit(1)


def _failures(job_id: str) -> list[dict[str, Any]]:
    items = db.session.scalars(
        select(BulkItem)
        .where(BulkItem.job_id == job_id, BulkItem.state == "failed")
        .order_by(BulkItem.row_number)
    )
    return [{"row": item.row_number, **(item.error or {})} for item in items]


def _report(
    job_id: str, counts: dict[str, int], failures: list[dict[str, Any]], as_json: bool
) -> None:
    if as_json:
        click.echo(json.dumps({"job": job_id, "counts": counts, "failures": failures}, indent=2))
        return
    click.echo(
        f"job {job_id}: issued {counts['issued']}, already issued "
        f"{counts['already_issued']}, failed {counts['failed']}"
    )
    for failure in failures:
        click.echo(f"  row {failure['row']} ({failure.get('column')}): {failure.get('message')}")


# --- credentials -----------------------------------------------------------------------------


def credential_summary(credential: IssuedCredential, base_url: str) -> dict[str, Any]:
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": credential.id,
        "status": service.credential_status(credential),
        "freelancer": credential.freelancer_id,
        "certification": credential.certification_id,
        "suite": credential.suite,
        "issued_at": when(credential.issued_at),
        "valid_until": when(credential.valid_until),
        "revoked_at": when(credential.revoked_at),
        "revocation_reason": credential.revocation_reason,
        "verification_url": verification_url(base_url, credential.short_code),
    }


@cli.group("credentials")
def credentials_group() -> None:
    """List, show, revoke, suspend and unsuspend issued credentials."""


@credentials_group.command("list")
@_issuer_option
@click.option("--status", type=click.Choice(service.STATUSES), help="Only this status.")
@click.option("--freelancer", default=None, help="Only this freelancer's credentials.")
@click.option("--certification", default=None, help="Only this micro-certification.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@_json_option
@pass_state
def list_credentials(
    state: CliState,
    *,
    slug: str,
    status: str | None,
    freelancer: str | None,
    certification: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List issued credentials, newest first."""
    with operation(state) as app:
        statement = service.credentials_query(
            issuers.get_issuer(slug),
            {"status": status, "freelancer": freelancer, "certification": certification},
        ).limit(limit)
        base = app.config["MICROCRED_BASE_URL"]
        rows = [credential_summary(c, base) for c in db.session.scalars(statement)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no credentials")
    for row in rows:
        click.echo(
            f"{row['id']}  {row['status']:<9} {row['issued_at'][:10]}  "
            f"{row['freelancer'] or '-':<22} {row['verification_url']}"
        )


@credentials_group.command("show")
@_issuer_option
@click.argument("credential_id")
@pass_state
def show_credential(state: CliState, slug: str, credential_id: str) -> None:
    """Print the signed credential (JSON, exactly as issued)."""
    with operation(state):
        document = service.get_credential(issuers.get_issuer(slug), credential_id).document
    click.echo(document)


def _change(state: CliState, slug: str, credential_id: str, verb: str, **kwargs: Any) -> None:
    with operation(state) as app:
        issuer = issuers.get_issuer(slug)
        action = getattr(service, verb)
        credential = action(issuer, credential_id, actor=CLI_ACTOR, **kwargs)
        summary = credential_summary(credential, app.config["MICROCRED_BASE_URL"])
    click.echo(f"credential {summary['id']} is now {summary['status']}")


@credentials_group.command("revoke")
@_issuer_option
@click.argument("credential_id")
@click.option("--reason", required=True, help="Why (recorded; shown to nobody else).")
@pass_state
def revoke_credential(state: CliState, slug: str, credential_id: str, reason: str) -> None:
    """Revoke a credential for good (its status list bit is set)."""
    _change(state, slug, credential_id, "revoke", reason=reason)


@credentials_group.command("suspend")
@_issuer_option
@click.argument("credential_id")
@click.option("--reason", default=None, help="Why (recorded in the audit log).")
@pass_state
def suspend_credential(state: CliState, slug: str, credential_id: str, reason: str | None) -> None:
    """Suspend a credential until it is unsuspended."""
    _change(state, slug, credential_id, "suspend", reason=reason)


@credentials_group.command("unsuspend")
@_issuer_option
@click.argument("credential_id")
@pass_state
def unsuspend_credential(state: CliState, slug: str, credential_id: str) -> None:
    """Lift a credential's suspension."""
    _change(state, slug, credential_id, "unsuspend")
