"""``microcred api-keys``: a provider's API keys, their scopes, expiry and rotation.

Tokens are printed once, when created, and never again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import click

from issuer.models import ApiKey
from issuer.scopes import SCOPES, scopes_of
from issuer.services import api_keys, issuers
from issuer.services.audit import CLI_ACTOR
from microcred.cli import cli
from microcred.cli.issuers import _issuer_option, _json_option, _print_json, _when
from microcred.cli.service import operation, pass_state
from microcred.cli.state import CliState


def api_key_state(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "rotated" if key.replaced_by else "active"


def api_key_summary(key: ApiKey) -> dict[str, Any]:
    return {
        "prefix": key.display_prefix,
        "name": key.name,
        "scopes": [s for s in SCOPES if s in scopes_of(key.scopes)],
        "state": api_key_state(key, datetime.now(UTC)),
        "created_at": _when(key.created_at),
        "expires_at": _when(key.expires_at),
        "last_used_at": _when(key.last_used_at),
        "revoked_at": _when(key.revoked_at),
        "replaced_by": f"mc_{key.replaced_by}" if key.replaced_by else None,
    }


@cli.group("api-keys")
def api_keys_group() -> None:
    """Create, list, revoke and rotate a provider's API keys."""


@api_keys_group.command("create")
@_issuer_option
@click.option("--name", required=True, help="What the key is for, e.g. 'lms-integration'.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="What the key may do; repeat for several (default: all). read: every GET; issue: "
    "freelancers, projects, assessments and issuance; revoke: revoke, suspend, unsuspend; "
    "manage: micro-certifications and the provider's profile.",
)
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    help="Lifetime in days [MICROCRED_API_KEY_LIFETIME_DAYS, 90].",
)
@click.option("--never-expires", is_flag=True, help="No expiry (prefer rotating keys).")
@_json_option
@pass_state
def create_api_key(  # noqa: PLR0917 - click passes each option as an argument
    state: CliState,
    slug: str,
    name: str,
    scopes: tuple[str, ...],
    expires_in_days: int | None,
    never_expires: bool,
    as_json: bool,
) -> None:
    """Create an API key; the key is printed once."""
    if never_expires and expires_in_days is not None:
        raise click.UsageError("give --expires-in-days or --never-expires, not both")
    lifetime: timedelta | None = api_keys.CONFIGURED
    if never_expires:
        lifetime = None
    elif expires_in_days is not None:
        lifetime = timedelta(days=expires_in_days)
    with operation(state):
        new = api_keys.create_api_key(
            issuers.get_issuer(slug),
            name=name,
            actor=CLI_ACTOR,
            scopes=scopes or None,
            lifetime=lifetime,
        )
        summary = api_key_summary(new.api_key)
    _print_new_key(summary, new.token, as_json)


@api_keys_group.command("list")
@_issuer_option
@_json_option
@pass_state
def list_api_keys(state: CliState, slug: str, as_json: bool) -> None:
    """List API keys (prefix, name, scopes, state, expiry, last used)."""
    with operation(state):
        rows = [api_key_summary(k) for k in api_keys.list_api_keys(issuers.get_issuer(slug))]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        until = f"until {row['expires_at']}" if row["expires_at"] else "no expiry"
        if row["revoked_at"]:
            until = f"revoked {row['revoked_at']}"
        used = row["last_used_at"] or "never used"
        scopes = ",".join(row["scopes"])
        click.echo(
            f"{row['prefix']:<14} {row['name']:<20} {scopes:<24} {row['state']:<8} "
            f"{until:<40} last used: {used}"
        )


@api_keys_group.command("revoke")
@_issuer_option
@click.argument("prefix")
@pass_state
def revoke_api_key(state: CliState, slug: str, prefix: str) -> None:
    """Revoke the API key with PREFIX (mc_xxxxxxxx); it stops working at once."""
    with operation(state):
        key = api_keys.revoke_api_key(issuers.get_issuer(slug), prefix, actor=CLI_ACTOR)
        shown = key.display_prefix
    click.echo(f"revoked API key {shown}")


@api_keys_group.command("rotate")
@_issuer_option
@click.argument("prefix")
@click.option(
    "--grace-hours",
    type=click.IntRange(min=0),
    help="How long the old key keeps working; 0 revokes it at once "
    "[MICROCRED_API_KEY_ROTATION_GRACE_HOURS, 24].",
)
@_json_option
@pass_state
def rotate_api_key(
    state: CliState, slug: str, prefix: str, grace_hours: int | None, as_json: bool
) -> None:
    """Replace the API key with PREFIX by a new one with the same name and scopes.

    The old key keeps working for the grace period, so its clients can switch over.
    """
    grace = timedelta(hours=grace_hours) if grace_hours is not None else None
    with operation(state):
        issuer = issuers.get_issuer(slug)
        new = api_keys.rotate_api_key(issuer, prefix, actor=CLI_ACTOR, grace=grace)
        summary = api_key_summary(new.api_key)
        old = api_key_summary(api_keys.find_api_key(issuer, prefix))
    _print_new_key(summary, new.token, as_json, replaced=old)


def _print_new_key(
    summary: dict[str, Any],
    token: str,
    as_json: bool,
    *,
    replaced: dict[str, Any] | None = None,
) -> None:
    if as_json:
        extra = {"replaced": replaced} if replaced else {}
        _print_json({**summary, "api_key": token, **extra})
        return
    if replaced:
        if replaced["revoked_at"]:
            click.echo(f"revoked {replaced['prefix']}")
        else:
            click.echo(f"{replaced['prefix']} keeps working until {replaced['expires_at']}")
    until = summary["expires_at"] or "never (no expiry)"
    click.echo(
        f"API key {summary['prefix']} ({summary['name']}; scopes: {' '.join(summary['scopes'])}; "
        f"expires: {until}): {token}"
    )
    click.echo("The API key is shown only now; store it somewhere safe.")
