"""``microcred init | serve | demo``: set up, run and seed the service.

Also the helpers the administration verbs share: running one operation in the app
context and one transaction, and turning refusals into one ``error: …`` line with exit
code 1 (conflicts, refused operations) or 2 (bad or unknown arguments) — never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError

from credentials.errors import InvalidInputError, MicrocredError
from microcred.cli import cli
from microcred.cli.state import CliState
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db

pass_state = click.make_pass_decorator(CliState)

GUNICORN_COMMAND = "gunicorn -c python:microcred.gunicorn_conf microcred.wsgi:app"


@contextmanager
def reported_errors() -> Iterator[None]:
    """Print refusals as ``error: …`` and exit 1 (refused) or 2 (bad or unknown input)."""
    try:
        yield
    except MicrocredError as exc:
        # Bad or unknown input (400, 404, 422: all InvalidInputError) is a usage error.
        click.echo(f"error: {exc.message}", err=True)
        raise SystemExit(2 if isinstance(exc, InvalidInputError) else 1) from None
    except IntegrityError:
        # Lost a race with a concurrent command (same slug, same key): nothing was written.
        click.echo("error: the change conflicts with data written meanwhile; retry", err=True)
        raise SystemExit(1) from None


def load_app(state: CliState, *, quiet_logs: bool = True) -> Flask:
    # Alembic's INFO lines would bury the command's output: warnings only (except for
    # `serve`, whose request log is the point).
    if quiet_logs and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    with reported_errors():
        return state.app()


@contextmanager
def operation(state: CliState) -> Iterator[Flask]:
    """The app, inside its context and one write transaction, with errors reported."""
    app = load_app(state)
    with reported_errors(), app.app_context(), write_transaction(db.session):
        yield app


@cli.command()
@pass_state
def init(state: CliState) -> None:
    """Create the instance folder and key store, migrate the database to the latest schema,
    and record the base URL (the service refuses to start under one its issuers' DIDs were
    not minted for).

    Safe to run again: existing data is kept.
    """
    from flask_migrate import upgrade

    from issuer.services.base_urls import record_base_url
    from microcred.platform import MIGRATIONS_DIR

    state.check_base_url = False  # recording it below is the check
    app = load_app(state)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    keys_dir = Path(app.config["MICROCRED_KEYS_DIR"])
    keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    click.echo(f"instance folder: {app.instance_path}")
    click.echo(f"key store:       {keys_dir}")
    with reported_errors(), app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        database = db.engine.url.render_as_string(hide_password=True)
        click.echo(f"database:        {database} (up to date)")
        base_url = app.config["MICROCRED_BASE_URL"]
        with write_transaction(db.session):
            record_base_url(base_url)
    click.echo(f"base URL:        {base_url} (recorded)")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True, help="Flask debug mode (never on a public interface).")
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run a queue worker (bulk issuance) in this process too.",
)
@pass_state
def serve(state: CliState, host: str, port: int, debug: bool, worker: bool) -> None:
    """Run the development server. Production runs under gunicorn (see below), with
    separate `microcred worker` processes."""
    app = load_app(state, quiet_logs=False)
    base = app.config["MICROCRED_BASE_URL"]
    click.echo(f"microcred development server on http://{host}:{port}")
    if worker:
        from microcred.platform import queue

        queue.consumer(app, workers=1, in_thread=True).start()
        click.echo("  queue worker:   1 thread in this process (--no-worker to leave it out)")
    click.echo(f"  API reference:  {base}/api/v1/docs")
    click.echo(f"  OpenAPI:        {base}/api/v1/openapi.json")
    click.echo(f"production: {GUNICORN_COMMAND}")
    app.run(host=host, port=port, debug=debug, use_reloader=False, load_dotenv=False)


@cli.command()
@pass_state
def demo(state: CliState) -> None:
    """Seed a demo training provider, micro-certification, freelancer and gig projects.

    Idempotent: a second run finds the same records. Each run prints a new demo API key
    (keys are stored hashed, so an old one cannot be shown again; it is revoked).
    """
    from issuer.demo import seed_demo

    with operation(state) as app:
        data = seed_demo(
            base_url=app.config["MICROCRED_BASE_URL"],
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
        )
        base = app.config["MICROCRED_BASE_URL"]
        lines = [
            f"training provider: {data.issuer.name} ({data.issuer.slug})",
            f"  DID:             {data.issuer.did}",
            f"micro-certification: {data.certification.name} ({data.certification.id})",
            f"freelancer:        {data.freelancer.name} ({data.freelancer.id})",
            f"evidence rule met: {'yes' if data.evaluation.met else 'no'}",
            "",
            "Try:",
            f"  API reference    {base}/api/v1/docs",
            f"  DID document     {base}/issuers/{data.issuer.slug}/did.json",
            f"  public profile   {base}/p/{data.freelancer.handle}",
            *_credential_lines(base, data.credential),
            # --- fl-account: the freelancer's side ---
            *_account_lines(app, base, data.credential),
            # --- end fl-account ---
            "",
            "Console (sign in; the password is new on every run, shown once):",
            f"  {base}/console/signin",
            f"  e-mail:   {data.owner_email}",
            f"  password: {data.owner_password}",
            "",
            f"demo API key (shown once): {data.api_key}",
            f'  curl -H "Authorization: Bearer {data.api_key}" \\',
            f'    "{base}/api/v1/freelancers/{data.freelancer.id}/progress'
            f'?certification={data.certification.id}"',
        ]
    click.echo("\n".join(lines))


# --- fl-account ---
def _account_lines(app: Flask, base: str, credential: object) -> list[str]:
    """The freelancer's side: a claim link of the demo credential (new on every run, single
    use; added in the command's transaction) and where to sign in (docs/RECIPIENTS.md)."""
    from issuer.account.interfaces import CLAIM_LINKS_KEY

    credential_id = getattr(credential, "id", None)
    if credential_id is None:
        return []
    claim_url = app.extensions[CLAIM_LINKS_KEY](credential_id)
    return [
        "",
        "Freelancer's account (the claim link is new on every run and works once):",
        f"  claim            {claim_url}",
        f"  sign in          {base}/account/signin",
        f"                   {_where_mail_goes(app)}",
    ]


def _where_mail_goes(app: Flask) -> str:
    """Where the sign-in link's mail goes on this instance, as microcred.platform.mail
    sends it: the demo operator must find it without SMTP (it belongs to no provider, so
    the console's Mail page never lists it: it opens the freelancer's account)."""
    from microcred.platform import mail

    if app.config.get("MICROCRED_SMTP_URL"):
        return "(the link is mailed through MICROCRED_SMTP_URL)"
    folder = mail.outbox_folder(app)
    if folder is not None:
        return f"(no SMTP: the link's mail is the newest {folder}/*.eml)"
    return "(no SMTP: the link's mail is in the log, WARNING, microcred.platform.mail)"


# --- end fl-account ---


def _credential_lines(base: str, credential: object) -> list[str]:
    """Where to look at the demo credential: what the QR code opens, and its documents."""
    if credential is None:
        return []
    short_code = getattr(credential, "short_code", "")
    uuid = getattr(credential, "id", "")
    return [
        f"  verification     {base}/v/{short_code}",
        f"  certificate PDF  {base}/credentials/{uuid}.pdf",
        f"  badge PNG / SVG  {base}/credentials/{uuid}/badge.png  (…/badge.svg)",
        f"  credential JSON  {base}/credentials/{uuid}.json",
        f"  share & LinkedIn {base}/credentials/{uuid}/share",
    ]
