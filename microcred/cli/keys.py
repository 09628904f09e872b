"""``microcred keys create|list``: the local Ed25519 key store (development keys, CLI signing)."""

from __future__ import annotations

import json
import os

import click

from credentials.errors import MicrocredError
from credentials.keys import KeyStore, key_passphrase
from microcred.cli import cli
from microcred.cli.state import CliState

pass_state = click.make_pass_decorator(CliState)


def open_key_store(state: CliState) -> KeyStore:
    production = os.environ.get("MICROCRED_ENV", "development") == "production"
    passphrase = key_passphrase(os.environ, production=production)
    return KeyStore(state.keys_path, passphrase=passphrase)


def fail(error: MicrocredError, *, exit_code: int = 2) -> None:
    """Print a library error as one clear line and exit (no traceback for users)."""
    click.echo(f"error: {error.message}", err=True)
    raise SystemExit(exit_code)


@cli.group()
def keys() -> None:
    """Create and list Ed25519 signing keys in the key store (./keys by default)."""


@keys.command("create")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the key as a JSON object.")
@pass_state
def create(state: CliState, name: str, as_json: bool) -> None:
    """Create key NAME and print its did:key and verification method id."""
    try:
        info = open_key_store(state).create(name)
    except MicrocredError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps(info.as_dict(), indent=2))
        return
    click.echo(f"created key {info.name!r} in {state.keys_path}")
    click.echo(f"did:                 {info.did}")
    click.echo(f"verification method: {info.verification_method}")


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as a JSON array.")
@pass_state
def list_keys(state: CliState, as_json: bool) -> None:
    """List the keys in the key store."""
    try:
        infos = open_key_store(state).list()
    except MicrocredError as exc:
        fail(exc)
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    if not infos:
        click.echo(f"no keys in {state.keys_path} (create one with 'microcred keys create NAME')")
        return
    for info in infos:
        click.echo(f"{info.name:<20} {info.did}")
