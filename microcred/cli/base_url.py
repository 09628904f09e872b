"""``microcred issuers move-base-url``: the service moves to another public URL.

Every training provider gets the did:web of the new URL; its old DID stays resolvable,
so credentials issued before the move keep verifying (issuer.services.base_urls and
docs/DEPLOYMENT.md, "Changing the base URL").
"""

from __future__ import annotations

import click

from microcred.cli.issuers import _json_option, _print_json, issuers_group
from microcred.cli.service import operation, pass_state
from microcred.cli.state import CliState


@issuers_group.command("move-base-url")
@click.option("--from", "old", required=True, metavar="OLD", help="The recorded base URL.")
@click.option("--to", "new", required=True, metavar="NEW", help="The new MICROCRED_BASE_URL.")
@_json_option
@pass_state
def move_base_url(state: CliState, old: str, new: str, as_json: bool) -> None:
    """Move every provider from base URL OLD to NEW, keeping old credentials verifiable.

    Then restart the service with MICROCRED_BASE_URL=NEW.
    """
    from issuer.services import base_urls

    state.check_base_url = False  # the disagreement is what this verb fixes
    with operation(state):
        moved = base_urls.move_base_url(old, new)
    if as_json:
        _print_json([{"slug": m.slug, "old_did": m.old_did, "new_did": m.new_did} for m in moved])
        return
    for m in moved:
        click.echo(f"{m.slug}: {m.old_did} -> {m.new_did}")
    click.echo(f"base URL recorded: {new.rstrip('/')}")
    click.echo(f"restart the service with MICROCRED_BASE_URL={new.rstrip('/')}")
