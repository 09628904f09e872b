"""``microcred mail …``: mail to freelancers from the command line.

``send-expiry-notices`` runs the expiry scan now (the workers also run it daily): every
credential expiring within MICROCRED_EXPIRY_NOTICE_DAYS whose freelancer was not told yet
gets its notice queued (a worker delivers it) and ``credential.expiring`` is published.
"""

from __future__ import annotations

import click

from issuer.mail_delivery import expiry_days, send_expiry_notices
from microcred.cli import cli
from microcred.cli.service import load_app, pass_state, reported_errors
from microcred.cli.state import CliState


@cli.group()
def mail() -> None:
    """Mail to freelancers (docs/RECIPIENTS.md)."""


@mail.command("send-expiry-notices")
@click.option(
    "--days",
    type=click.IntRange(1, 3650),
    default=None,
    help="Tell credentials expiring within this many days [MICROCRED_EXPIRY_NOTICE_DAYS, 30].",
)
@pass_state
def send_expiry_notices_command(state: CliState, days: int | None) -> None:
    """Queue the expiry notice of every credential about to expire that was not told yet."""
    app = load_app(state)
    with reported_errors(), app.app_context():
        window = days if days is not None else expiry_days(app)
        told = send_expiry_notices(days=window)
    click.echo(f"{told} expiry notice(s) queued (credentials expiring within {window} days)")
