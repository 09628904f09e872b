"""Single sign-on with the organisation's OpenID Connect provider, and the account loose
ends: revoking an invitation, joining a second organisation, switching between them.

The rules are in ``issuer.services.sso`` and ``issuer.services.teams``. Network access
(discovery, token, JWKS) goes through the SSRF-guarded fetcher the composition root hands
over as ``app.extensions[SSO_FETCHER_KEY]`` (a ``verifier.http.SafeFetcher``), always
before the write transaction opens.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from credentials.errors import MicrocredError
from issuer.console.auth_views import limited, safe_next, start_session
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, principal, public, requires, signed_in
from issuer.models import Issuer, Membership
from issuer.services import accounts, sso, teams
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db, limiter, remote_address
from microcred.platform.refusals import ForbiddenError, NotFoundError

Page = Response | str | tuple[str, int]
SSO_FETCHER_KEY = "microcred.console.sso_fetcher"
PENDING_KEY = "oidc_pending"
#: The organisation a single sign-on session is bound to (policy refuses the others).
BOUND_KEY = "sso_issuer_id"

#: The callback is a GET: the same per-address budget as the sign-in POSTs.
limited_callback = limiter.shared_limit(
    lambda: str(current_app.config["MICROCRED_CONSOLE_SIGNIN_RATELIMIT"]),
    scope="console-signin",
    key_func=remote_address,
    methods=["GET"],
)


class SsoSettingsForm(ConsoleForm):
    issuer_url = StringField(
        "Issuer URL",
        validators=[DataRequired(), Length(max=500)],
        description="The https address of your provider, as its discovery document names "
        "it (the console reads <issuer>/.well-known/openid-configuration when you save).",
    )
    client_id = StringField("Client id", validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(
        "Client secret",
        validators=[Optional(), Length(max=500)],
        description="Stored encrypted and never shown again. Leave empty to keep the saved one.",
    )
    allowed_domains = TextAreaField(
        "E-mail domains that may join",
        validators=[Optional(), Length(max=1000)],
        description="Separated by spaces or commas, e.g. example.org. People at these "
        "domains whom your provider vouches for become members at their first sign-in. "
        "Empty: only existing members and invited people sign in this way.",
    )
    default_role = SelectField(
        "Role of new members",
        choices=[
            SelectChoice("viewer", "Viewer: read only"),
            SelectChoice("issuer", "Issuer: issue, revoke, record evidence"),
        ],
        default="viewer",
    )
    require_sso = BooleanField(
        "Require single sign-on",
        description="Members sign in only through your provider; password sign-in is "
        "refused for them. Owners may still use their password, so a broken provider "
        "cannot lock you out.",
    )


class SsoStartForm(ConsoleForm):
    organisation = StringField(
        "Organisation short name or e-mail domain",
        validators=[DataRequired(), Length(max=254)],
        description="For example northwind-skills, or northwind.example for "
        "name@northwind.example.",
    )


def _fetcher() -> Any:
    return current_app.extensions[SSO_FETCHER_KEY]


def redirect_uri() -> str:
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    return base + url_for("console.sso_callback")


# --- settings (owner) ----------------------------------------------------------------------


def _settings_page(form: SsoSettingsForm, status: int = 200) -> tuple[str, int]:
    me = signed_in()
    return (
        render_template(
            "console/sso_settings.html",
            form=form,
            current=sso.settings_of(me.issuer),
            redirect_uri=redirect_uri(),
        ),
        status,
    )


@blp.route("/sign-in-settings", methods=["GET"])
@requires("owner")
def sso_settings() -> tuple[str, int]:
    me = signed_in()
    current = sso.settings_of(me.issuer)
    form = SsoSettingsForm(formdata=None)
    if current is not None:
        form.issuer_url.data = current.issuer_url
        form.client_id.data = current.client_id
        form.allowed_domains.data = " ".join(current.domains)
        form.default_role.data = current.default_role
        form.require_sso.data = current.require_sso
    return _settings_page(form)


@blp.route("/sign-in-settings", methods=["POST"])
@requires("owner")
def save_sso_settings() -> Page:
    me = signed_in()
    form = SsoSettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    refusals: list[MicrocredError] = []
    try:
        checked = sso.check_settings(
            issuer_url=form.issuer_url.data or "",
            client_id=form.client_id.data or "",
            client_secret=form.client_secret.data or "",
            allowed_domains=form.allowed_domains.data or "",
            default_role=form.default_role.data or "",
            require_sso=bool(form.require_sso.data),
            existing=sso.settings_of(me.issuer),
        )
        db.session.rollback()  # no transaction held during the fetch
        fetcher = _fetcher()
        endpoints = sso.discover(checked.issuer_url, lambda url: fetcher.fetch_json(url).data)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        form.show_refusal(exc)
        return _settings_page(form, exc.http_status)
    with attempt(form, refusals):
        sso.save(
            signed_in().issuer,
            checked,
            endpoints,
            passphrase=current_app.config["MICROCRED_KEY_PASSPHRASE"],
            by=signed_in().user,
            ip=client_ip(),
        )
    if refusals:
        return _settings_page(form, refusals[0].http_status)
    flash("Single sign-on saved. Members can now sign in with your organisation's provider.")
    return redirect(url_for("console.sso_settings"))


@blp.route("/sign-in-settings/remove", methods=["POST"])
@requires("owner")
def remove_sso_settings() -> Page:
    me = signed_in()
    with write_transaction(db.session):
        sso.remove(me.issuer, by=me.user, ip=client_ip())
    flash("Single sign-on removed. Members sign in with their passwords.")
    return redirect(url_for("console.sso_settings"))


# --- the sign-in flow (public) -------------------------------------------------------------


def _refusal(exc: MicrocredError) -> tuple[str, int]:
    page = render_template(
        "console/error.html", title="Sign-in with your organisation failed", message=exc.message
    )
    return page, exc.http_status


@blp.route("/signin/sso", methods=["GET", "POST"])
@public
@limited
def sso_start() -> Page:
    form = SsoStartForm()
    if not form.validate_on_submit():
        page = render_template("console/sso_start.html", form=form)
        return (page, 422) if form.is_submitted() else page
    try:
        issuer, row = sso.find(form.organisation.data or "")
    except NotFoundError as exc:
        form.show_refusal(exc)
        return render_template("console/sso_start.html", form=form), 404
    started = sso.begin(issuer, row, redirect_uri())
    db.session.rollback()
    session[PENDING_KEY] = {**started.pending, "next": safe_next(request.args.get("next"))}
    # Not a redirect: the page's CSP (form-action 'self') stops a form's redirect to
    # another origin. A page that moves on by itself (meta refresh) with a link instead.
    return render_template("console/sso_redirect.html", url=started.url, issuer=issuer)


@blp.route("/signin/sso/callback", methods=["GET"])
@public
@limited_callback
def sso_callback() -> Page:
    pending = session.pop(PENDING_KEY, None)  # once: a replayed callback finds nothing
    try:
        checked = sso.check_callback(pending, request.args)
        issuer = db.session.get(Issuer, int(checked["issuer_id"]))
        row = sso.settings_of(issuer) if issuer is not None else None
        if issuer is None or row is None:
            raise sso.SignInRefusedError("this organisation no longer signs in with a provider")
        db.session.rollback()  # the provider's answers are fetched outside a transaction
        fetcher = _fetcher()
        claims = sso.exchange(
            row,
            request.args["code"],
            checked,
            redirect_uri(),
            passphrase=current_app.config["MICROCRED_KEY_PASSPHRASE"],
            post=lambda url, fields: fetcher.post_form(url, fields).data,
            fetch=lambda url: fetcher.fetch_json(url).data,
        )
        with write_transaction(db.session):
            issuer = db.session.get(Issuer, int(checked["issuer_id"]))
            row = sso.settings_of(issuer) if issuer is not None else None
            if issuer is None or row is None:
                raise sso.SignInRefusedError("this organisation no longer signs in with a provider")
            user, member = sso.admit(issuer, row, claims, ip=client_ip())
            ids = (user.id, member.issuer_id)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        return _refusal(exc)
    start_session(*ids)
    session[BOUND_KEY] = ids[1]
    return redirect(str(checked.get("next") or url_for("console.dashboard")))


# --- invitations and organisations ---------------------------------------------------------


@blp.route("/team/invitations/<invitation_id>/revoke", methods=["POST"])
@requires("owner")
def revoke_invitation(invitation_id: str) -> Page:
    me = signed_in()
    with write_transaction(db.session):
        row = teams.revoke_invitation(me.issuer, invitation_id, by=me.user, ip=client_ip())
        email = row.email
    flash(f"The invitation to {email} was withdrawn; its link no longer works.")
    return redirect(url_for("console.team"))


@blp.route("/invitations/<token>/join", methods=["POST"])
@requires("viewer")
def join_invitation(token: str) -> Page:
    """An invitation to the address of an existing account, used by that account."""
    me = signed_in()
    if session.get(BOUND_KEY) is not None:
        raise ForbiddenError(
            "you signed in through an organisation's provider; sign in with your password "
            "to join another organisation"
        )
    with write_transaction(db.session):
        member = teams.join(token, me.user, ip=client_ip())
        issuer_id, name = member.issuer_id, db.session.get(Issuer, member.issuer_id)
        label = name.name if name is not None else "the organisation"
    with write_transaction(db.session):
        joined = accounts.membership(me.user.id, issuer_id)
        stays = joined is None or not sso.password_allowed(joined)
    if stays:  # that organisation requires single sign-on: its provider vouches first
        flash(f"You joined {label}. It requires single sign-on: sign in with your organisation.")
        return redirect(url_for("console.dashboard"))
    session["issuer_id"] = issuer_id
    flash(f"You joined {label}. The switcher at the top changes organisation.")
    return redirect(url_for("console.dashboard"))


@blp.route("/switch", methods=["POST"])
@requires("viewer")
def switch_organisation() -> Page:
    me = signed_in()
    raw = request.form.get("issuer_id", "")
    target = accounts.membership(me.user.id, int(raw)) if raw.isdigit() else None
    if target is None:
        raise NotFoundError("you are not a member of that organisation")
    if session.get(BOUND_KEY) not in (None, target.issuer_id):
        raise ForbiddenError(
            "you signed in through an organisation's provider, which vouches for that "
            "organisation only; sign in with your password to switch"
        )
    if session.get(BOUND_KEY) is None and not sso.password_allowed(target):
        raise ForbiddenError(
            "that organisation requires single sign-on: use “Sign in with your organisation”"
        )
    session["issuer_id"] = target.issuer_id
    return redirect(url_for("console.dashboard"))


@blp.context_processor
def _organisations() -> dict[str, Any]:
    """The signed-in user's organisations, for the header's switcher."""

    def organisations() -> list[tuple[int, str]]:
        me = principal()
        if me is None:
            return []
        rows = db.session.execute(
            db.select(Issuer.id, Issuer.name)
            .join(Membership, Membership.issuer_id == Issuer.id)
            .where(Membership.user_id == me.user.id)
            .order_by(Issuer.name)
        )
        return [(issuer_id, name) for issuer_id, name in rows]

    return {"console_organisations": organisations}
