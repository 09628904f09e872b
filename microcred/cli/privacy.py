"""Personal data from the command line, for operators (issue 14, item 5):
``microcred privacy export --email ADDRESS`` prints (or writes) everything held about an
address across every provider as JSON; ``microcred privacy erase --email ADDRESS --yes``
erases it (``issuer.services.privacy.erase_person``: one transaction, idempotent, each
provider concerned told by an audit event and a mail to its owners).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from issuer.services import privacy
from issuer.services.audit import CLI_ACTOR
from microcred.cli import cli
from microcred.cli.service import load_app, pass_state, reported_errors
from microcred.cli.state import CliState

_email_option = click.option(
    "--email", required=True, metavar="ADDRESS", help="The person's e-mail address."
)


@cli.group("privacy")
def privacy_group() -> None:
    """Export or erase the personal data held about an e-mail address."""


@privacy_group.command("export")
@_email_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the JSON here instead of printing it.",
)
@pass_state
def export_command(state: CliState, email: str, output: Path | None) -> None:
    """Everything held about ADDRESS at every provider, as JSON."""
    app = load_app(state)
    with reported_errors(), app.app_context():
        data = privacy.export_person(email)
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output} ({len(data['providers'])} provider(s))", err=True)


@privacy_group.command("erase")
@_email_option
@click.option(
    "--yes",
    "confirmed",
    is_flag=True,
    help="Confirm: erasing cannot be undone (without it, nothing is changed).",
)
@pass_state
def erase_command(state: CliState, email: str, confirmed: bool) -> None:
    """Erase everything held about ADDRESS at every provider (needs --yes)."""
    app = load_app(state)
    with reported_errors(), app.app_context():
        address = privacy.normalised_email(email)
        if not confirmed:
            held = privacy.export_person(address)
            click.echo(
                f"would erase {len(held['providers'])} freelancer record(s) of {address}; "
                "run again with --yes to erase (this cannot be undone)",
                err=True,
            )
            raise SystemExit(1)
        report = privacy.erase_person(address, actor=CLI_ACTOR)
    click.echo(
        f"erased {report.freelancers} freelancer record(s); "
        f"{report.credentials_withdrawn} credential copy(ies) withdrawn; "
        f"{len(report.issuer_ids)} provider(s) told"
    )
