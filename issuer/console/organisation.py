"""Organisation and trust, part 1 (issue 13, item 2): the provider's API keys and signing
keys, for owners. Every action is the service the CLI and the API use
(``issuer.services.api_keys``, ``issuer.services.signing_keys``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import ApiKey
from issuer.scopes import SCOPES, configured_lifetime, scopes_of
from issuer.services import accounts, api_keys, signing_keys
from issuer.services.api_keys import NewApiKey

Page = Response | str | tuple[str, int]

#: What each scope lets a key do, as the API key page explains it (issuer/scopes.py).
SCOPE_HINTS = {
    "read": "read everything: certifications, freelancers, credentials, the audit log",
    "issue": "record freelancers and projects, issue credentials",
    "revoke": "revoke, suspend and reinstate credentials",
    "manage": "change certifications and the organisation's profile",
    # --- fl-webhooks ---
    "webhooks": "register webhook endpoints, read their delivery log, send again",
    # --- end fl-webhooks ---
}
#: The expiry choices, in days; "0" is never.
EXPIRY_CHOICES = [
    SelectChoice("30", "30 days"),
    SelectChoice("90", "90 days"),
    SelectChoice("180", "180 days"),
    SelectChoice("365", "1 year"),
    SelectChoice("0", "Never (not recommended)"),
]


class ApiKeyForm(ConsoleForm):
    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=100)],
        description="What the key is for, e.g. 'LMS sync'. Shown in the audit log.",
    )
    scopes = SelectMultipleField(
        "What the key may do", choices=[SelectChoice(s, s) for s in SCOPES], default=["read"]
    )
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")


def _default_days() -> str:
    """The configured lifetime (MICROCRED_API_KEY_LIFETIME_DAYS) when it is a choice."""
    lifetime = configured_lifetime()
    days = str(lifetime.days) if lifetime is not None else "0"
    return days if days in {choice.value for choice in EXPIRY_CHOICES} else "90"


def key_state(key: ApiKey, now: datetime) -> str:
    """revoked, expired, rotated (the old key of a rotation, working until it expires) or
    active."""
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "rotated" if key.replaced_by is not None else "active"


def _api_keys_page(
    form: ApiKeyForm | None = None, new: NewApiKey | None = None, status: int = 200
) -> tuple[str, int]:
    me = signed_in()
    if form is None:
        form = ApiKeyForm(formdata=None)
        form.expires.data = _default_days()
    now = datetime.now(UTC)
    keys = api_keys.list_api_keys(me.issuer)
    page = render_template(
        "console/org_api_keys.html",
        form=form,
        rows=[
            (key, key_state(key, now), sorted(scopes_of(key.scopes), key=SCOPES.index))
            for key in reversed(keys)
        ],
        scope_hints=SCOPE_HINTS,
        new=new,
    )
    return page, status


@blp.route("/api-keys")
@requires("owner")
def api_keys_page() -> tuple[str, int]:
    return _api_keys_page()


@blp.route("/api-keys", methods=["POST"])
@requires("owner")
def create_api_key() -> Page:
    me = signed_in()
    form = ApiKeyForm()
    if not form.validate_on_submit():
        return _api_keys_page(form, status=422)
    refusals: list[MicrocredError] = []
    days = int(form.expires.data)
    with attempt(form, refusals):
        new = api_keys.create_api_key(
            me.issuer,
            name=form.name.data or "",
            scopes=form.scopes.data or [],
            lifetime=timedelta(days=days) if days else None,
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
    if refusals:
        return _api_keys_page(form, status=refusals[0].http_status)
    # Shown once, on this answer (no-store): only its SHA-256 is kept.
    return _api_keys_page(new=new, status=201)


@blp.route("/api-keys/<prefix>/rotate", methods=["POST"])
@requires("owner")
def rotate_api_key(prefix: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        new = api_keys.rotate_api_key(
            me.issuer, prefix, actor=accounts.actor_of(me.user), ip=client_ip()
        )
    if refusals:
        raise refusals[0]
    return _api_keys_page(new=new, status=201)


@blp.route("/api-keys/<prefix>/revoke", methods=["POST"])
@requires("owner")
def revoke_api_key(prefix: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        key = api_keys.revoke_api_key(
            me.issuer, prefix, actor=accounts.actor_of(me.user), ip=client_ip()
        )
        shown = key.display_prefix
    if refusals:
        raise refusals[0]
    flash(f"API key {shown} revoked: it is refused from the next request on.")
    return redirect(url_for("console.api_keys_page"))


# --- signing keys ----------------------------------------------------------------------


@blp.route("/signing-keys")
@requires("owner")
def signing_keys_page() -> str:
    me = signed_in()
    keys: list[Any] = signing_keys.list_signing_keys(me.issuer)
    return render_template(
        "console/org_signing_keys.html",
        keys=list(reversed(keys)),
        can_rotate=me.issuer.did_method == "web",
        did_document_url=url_for("issuer_public.did_document", slug=me.issuer.slug)
        if me.issuer.did_method == "web"
        else None,
    )


@blp.route("/signing-keys/rotate", methods=["POST"])
@requires("owner")
def rotate_signing_key() -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        key = signing_keys.rotate_signing_key(
            me.issuer,
            passphrase=current_app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
        shown = key.fragment
    if refusals:
        raise refusals[0]
    flash(
        f"New signing key {shown} signs from now on. The previous key is retired and stays "
        "published, so what it signed still verifies."
    )
    return redirect(url_for("console.signing_keys_page"))


@blp.route("/signing-keys/<fragment>/retire", methods=["POST"])
@requires("owner")
def retire_signing_key(fragment: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        successor = signing_keys.retire_signing_key(
            me.issuer,
            fragment,
            passphrase=current_app.config["MICROCRED_KEY_PASSPHRASE"],
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
        shown = successor.fragment
    if refusals:
        raise refusals[0]
    flash(
        f"Signing key {fragment} retired: it signs nothing more and stays published, so what "
        f"it signed still verifies. The new key {shown} signs from now on."
    )
    return redirect(url_for("console.signing_keys_page"))
