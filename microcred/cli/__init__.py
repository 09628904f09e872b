"""The ``microcred`` console script: global options first, then a verb.

Each group of verbs lives in its own module and registers itself on ``cli`` when
imported below; commands that need the Flask app create it lazily through
``CliState.app()`` so that ``keys``, ``sign`` and ``verify`` work without a database.
"""

from __future__ import annotations

import click

from microcred.cli.state import CliState


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--keys-dir",
    envvar="MICROCRED_KEYS_DIR",
    type=click.Path(file_okay=False),
    default=None,
    help="Key store directory (default: ./keys; env MICROCRED_KEYS_DIR).",
)
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="SQLAlchemy database URL (default: SQLite in the instance folder; env DATABASE_URL).",
)
@click.option(
    "--base-url",
    envvar="MICROCRED_BASE_URL",
    default=None,
    help="Public base URL used in ids, QR codes and did:web (env MICROCRED_BASE_URL).",
)
@click.version_option(package_name="microcred")
@click.pass_context
def cli(
    ctx: click.Context, keys_dir: str | None, database_url: str | None, base_url: str | None
) -> None:
    """microcred: issue and verify Open Badges 3.0 micro-credentials."""
    ctx.obj = CliState(keys_dir=keys_dir, database_url=database_url, base_url=base_url)


def main() -> None:
    cli()


# Verb modules register their commands on import (order = order in --help).
from microcred.cli import api_keys as _api_keys  # noqa: E402, F401
from microcred.cli import base_url as _base_url  # noqa: E402, F401
from microcred.cli import credentials as _credentials  # noqa: E402, F401
from microcred.cli import issuers as _issuers  # noqa: E402, F401
from microcred.cli import keys as _keys  # noqa: E402, F401
from microcred.cli import mail as _mail  # noqa: E402, F401  # fl-mail

# --- fl-privacy ---
from microcred.cli import privacy as _privacy  # noqa: E402, F401
from microcred.cli import queue as _queue  # noqa: E402, F401
from microcred.cli import service as _service  # noqa: E402, F401
from microcred.cli import sign as _sign  # noqa: E402, F401
# --- end fl-privacy ---
