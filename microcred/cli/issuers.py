"""Administration of training providers: ``issuers`` and ``signing-keys`` (``api-keys``:
microcred/cli/api_keys.py).

These run on the server with direct database access (actor ``cli`` in the audit log).
Secrets — API keys — are printed once, when created, and never again.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from issuer.models import Issuer, SigningKey
from issuer.services import identity, issuers, signing_keys
from issuer.services.audit import CLI_ACTOR
from microcred.cli import cli
from microcred.cli.service import operation, pass_state
from microcred.cli.state import CliState

_issuer_option = click.option(
    "--issuer", "slug", required=True, metavar="SLUG", help="The training provider's slug."
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def issuer_summary(issuer: Issuer, base_url: str) -> dict[str, Any]:
    active = next((k for k in issuer.signing_keys if k.is_active), None)
    return {
        "slug": issuer.slug,
        "name": issuer.name,
        "did": issuer.did,
        "did_method": issuer.did_method,
        "did_document_url": f"{base_url}/issuers/{issuer.slug}/did.json"
        if issuer.did_method == "web"
        else None,
        "verification_method": active.verification_method if active else None,
        "identity": {
            "established": issuer.identity_method,
            "domain": issuer.identity_domain,
            "confirmed_by": issuer.identity_confirmed_by,
            "confirmed_at": _when(issuer.identity_confirmed_at),
        },
        "created_at": _when(issuer.created_at),
    }


def signing_key_summary(key: SigningKey) -> dict[str, Any]:
    return {
        "id": key.fragment,
        "verification_method": key.verification_method,
        "public_key_multibase": key.public_key_multibase,
        "state": key.state,
        "created_at": _when(key.created_at),
        "retired_at": _when(key.retired_at),
        "revoked_at": _when(key.revoked_at),
        "revocation_reason": key.revocation_reason,
    }


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2))


# --- issuers ------------------------------------------------------------------------------


@cli.group("issuers")
def issuers_group() -> None:
    """Create and list training providers (issuers)."""


@issuers_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name, e.g. 'Northwind Skills Academy'.")
@click.option("--did-key", is_flag=True, help="Use a did:key (development) instead of did:web.")
@click.option("--url", default=None, help="The provider's web site.")
@click.option("--email", default=None, help="Contact address.")
@click.option(
    "--confirmed-by",
    default=None,
    metavar="PERSON",
    help="Record that PERSON (you, the operator) checked who the provider is.",
)
@_json_option
@pass_state
def create_issuer(
    state: CliState,
    *,
    slug: str,
    name: str,
    did_key: bool,
    url: str | None,
    email: str | None,
    confirmed_by: str | None,
    as_json: bool,
) -> None:
    """Create training provider SLUG with a signing key, its DID and a first API key."""
    with operation(state) as app:
        created = issuers.create_issuer(
            slug,
            name=name,
            base_url=app.config["MICROCRED_BASE_URL"],
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            did_method="key" if did_key else "web",
            actor=CLI_ACTOR,
            profile={"url": url, "email": email},
        )
        if confirmed_by is not None:
            identity.confirm(created.issuer, by=confirmed_by, actor=CLI_ACTOR)
        summary = issuer_summary(created.issuer, app.config["MICROCRED_BASE_URL"])
    if as_json:
        _print_json({**summary, "api_key": created.api_key_token})
        return
    click.echo(f"created training provider {summary['name']!r} ({summary['slug']})")
    click.echo(f"DID:          {summary['did']}")
    if summary["did_document_url"]:
        click.echo(f"DID document: {summary['did_document_url']}")
    click.echo(f"API key:      {created.api_key_token}")
    click.echo("The API key is shown only now; store it somewhere safe.")
    if summary["identity"]["established"] is None:
        click.echo(
            "Identity:     not confirmed; verify pages show the name as the provider's own "
            f"claim until you run 'microcred issuers confirm {slug} --by YOUR-NAME' (or "
            "'issuers verify-domain')."
        )


@issuers_group.command("list")
@_json_option
@pass_state
def list_issuers(state: CliState, as_json: bool) -> None:
    """List training providers."""
    with operation(state) as app:
        rows = [issuer_summary(i, app.config["MICROCRED_BASE_URL"]) for i in issuers.list_issuers()]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        click.echo("no training providers yet (create one with 'microcred issuers create')")
    for row in rows:
        click.echo(f"{row['slug']:<28} {row['did']}")


@issuers_group.command("confirm")
@click.argument("slug")
@click.option("--by", "by", required=True, metavar="PERSON", help="Who checked the identity.")
@pass_state
def confirm_issuer(state: CliState, slug: str, by: str) -> None:
    """Record that you checked who provider SLUG is: verify pages then show its name as fact."""
    with operation(state):
        issuer = identity.confirm(issuers.get_issuer(slug), by=by, actor=CLI_ACTOR)
        name = issuer.name
    click.echo(f"identity of {name!r} ({slug}) confirmed by {by.strip()}")


@issuers_group.command("unconfirm")
@click.argument("slug")
@pass_state
def unconfirm_issuer(state: CliState, slug: str) -> None:
    """Withdraw a confirmed identity: verify pages show the name as the provider's claim."""
    with operation(state):
        identity.withdraw(issuers.get_issuer(slug), actor=CLI_ACTOR)
    click.echo(f"identity of {slug} is no longer confirmed")


@issuers_group.command("domain-did")
@click.argument("slug")
@click.argument("domain")
@pass_state
def domain_did(state: CliState, slug: str, domain: str) -> None:
    """Print the did.json provider SLUG publishes at https://DOMAIN/.well-known/did.json."""
    with operation(state):
        document = identity.domain_did_document(issuers.get_issuer(slug), domain)
    _print_json(document)


@issuers_group.command("verify-domain")
@click.argument("slug")
@click.argument("domain")
@pass_state
def verify_domain(state: CliState, slug: str, domain: str) -> None:
    """Fetch https://DOMAIN/.well-known/did.json and, when it lists the provider's current
    key, record DOMAIN as the provider's verified domain."""
    from verifier.http import SafeFetcher

    with operation(state) as app:
        development = bool(app.config["MICROCRED_ALLOW_PRIVATE_FETCH"])
        fetcher = SafeFetcher(allow_private=development, ca_certs=_ca_bundle())
        issuer = identity.verify_domain(
            issuers.get_issuer(slug),
            domain,
            fetch_json=lambda url: fetcher.fetch_json(url).data,
            actor=CLI_ACTOR,
        )
        verified = issuer.identity_domain
    click.echo(f"{slug}: domain {verified} verified (it publishes the provider's key)")


def _ca_bundle() -> str | None:
    """SSL_CERT_FILE, when set, names the CA bundle (tests use a local CA)."""
    return os.environ.get("SSL_CERT_FILE") or None


# --- signing keys -------------------------------------------------------------------------


@cli.group("signing-keys")
def signing_keys_group() -> None:
    """List, rotate and revoke a provider's Ed25519 signing keys."""


@signing_keys_group.command("list")
@_issuer_option
@_json_option
@pass_state
def list_signing_keys(state: CliState, slug: str, as_json: bool) -> None:
    """List signing keys: active (signs), retired (still verifies), revoked (removed)."""
    with operation(state):
        rows = [
            signing_key_summary(k) for k in signing_keys.list_signing_keys(issuers.get_issuer(slug))
        ]
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:<12} {row['state']:<8} {row['verification_method']}")


@signing_keys_group.command("rotate")
@_issuer_option
@_json_option
@pass_state
def rotate_signing_key(state: CliState, slug: str, as_json: bool) -> None:
    """Activate a new signing key; the old one is retired but stays in the DID document,
    so credentials it signed keep verifying."""
    with operation(state) as app:
        key = signing_keys.rotate_signing_key(
            issuers.get_issuer(slug),
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=CLI_ACTOR,
        )
        summary = signing_key_summary(key)
    if as_json:
        _print_json(summary)
        return
    click.echo(f"new active signing key {summary['id']}: {summary['verification_method']}")


@signing_keys_group.command("revoke")
@_issuer_option
@click.argument("key_id")
@click.option("--reason", required=True, help="Why, e.g. 'laptop stolen' (kept in the audit log).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def revoke_signing_key(state: CliState, slug: str, key_id: str, reason: str, yes: bool) -> None:
    """Revoke a compromised key: it leaves the DID document and credentials it signed stop
    verifying. Revoking the active key rotates first."""
    if not yes:
        click.confirm(
            f"Credentials signed with {key_id} will no longer verify. Revoke it?", abort=True
        )
    with operation(state) as app:
        key = signing_keys.revoke_signing_key(
            issuers.get_issuer(slug),
            key_id,
            reason=reason,
            passphrase=app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=CLI_ACTOR,
        )
        shown = key.fragment
    click.echo(f"revoked signing key {shown}; it is no longer in the DID document")
