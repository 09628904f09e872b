"""Signing up, in and out, password reset by e-mail link, and accepting an invitation.

Sign-in, sign-up and the reset request are rate-limited per client address
(MICROCRED_CONSOLE_SIGNIN_RATELIMIT); an account locks after repeated failures
(``issuer.services.accounts.sign_in``). Every refusal of a sign-in reads the same, so the
page never tells whether an e-mail address has an account.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from credentials.errors import MicrocredError
from issuer.console import mailing, sessions
from issuer.console.blueprint import attempt, blp, form_page
from issuer.console.forms import (
    AcceptInvitationForm,
    ForgotForm,
    NewPasswordForm,
    SignInForm,
    SignUpForm,
)
from issuer.console.policy import client_ip, principal, public
from issuer.services import accounts, sso, teams
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db, limiter, remote_address

Page = Response | str | tuple[str, int]


def _signin_limit() -> str:
    return str(current_app.config["MICROCRED_CONSOLE_SIGNIN_RATELIMIT"])


#: Per client address, POSTs only (showing the form is free), shared by the three forms
#: an attacker would hammer.
limited = limiter.shared_limit(
    _signin_limit, scope="console-signin", key_func=remote_address, methods=["POST"]
)


def refused_message() -> str:
    config = current_app.config
    return (
        "Sign-in failed: the e-mail address or the password is wrong, or the account is "
        f"locked for {config['MICROCRED_CONSOLE_LOCK_MINUTES']} minutes after "
        f"{config['MICROCRED_CONSOLE_LOCK_AFTER']} failed attempts in a row. "
        "If you forgot your password, reset it."
    )


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path of ours, never another site."""
    if target and target.startswith("/console") and "//" not in target and "\\" not in target:
        return target
    return url_for("console.dashboard")


def start_session(user_id: int, issuer_id: int) -> None:
    """Sign in: a new session id (no fixation), then who is signed in."""
    session.clear()
    sessions.rotate(session)
    session["user_id"] = user_id
    session["issuer_id"] = issuer_id


@blp.route("/signup", methods=["GET", "POST"])
@public
@limited
def sign_up() -> Page:
    form = SignUpForm()
    if not form.validate_on_submit():
        page = render_template("console/sign_up.html", form=form)
        return (page, 422) if form.is_submitted() else page
    refusals: list[MicrocredError] = []
    config = current_app.config
    with attempt(form, refusals):
        created = accounts.sign_up(
            organisation=form.organisation.data,
            slug=form.slug.data or "",
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            base_url=config["MICROCRED_BASE_URL"],
            passphrase=config["MICROCRED_KEY_PASSPHRASE"],
            ip=client_ip(),
        )
        user_id, issuer_id = created.user.id, created.issuer.id
    if refusals:
        return form_page("console/sign_up.html", form, refusals)
    start_session(user_id, issuer_id)
    flash("Welcome! Your organisation is ready.")
    return redirect(url_for("console.dashboard"))


@blp.route("/signin", methods=["GET", "POST"])
@public
@limited
def sign_in() -> Page:
    form = SignInForm()
    if request.method == "GET" and principal() is not None:
        return redirect(safe_next(request.args.get("next")))
    if not form.validate_on_submit():
        page = render_template("console/sign_in.html", form=form)
        return (page, 422) if form.is_submitted() else page
    config = current_app.config
    with write_transaction(db.session):  # commits the failure count too
        outcome = accounts.sign_in(
            form.email.data or "",
            form.password.data or "",
            lock_after=int(config["MICROCRED_CONSOLE_LOCK_AFTER"]),
            lock_for=timedelta(minutes=int(config["MICROCRED_CONSOLE_LOCK_MINUTES"])),
            ip=client_ip(),
        )
        # A user with no membership left (removed from the team) is refused like any other.
        found = accounts.memberships(outcome.user) if outcome.user else []
        # Organisations that require single sign-on refuse passwords (owners excepted).
        usable = [item for item in found if sso.password_allowed(item)]
        member = usable[0] if usable else None
        ids = (outcome.user.id, member.issuer_id) if outcome.user and member else None
    if ids is None and found:
        form.form_errors.append(
            "Your organisation requires single sign-on: use “Sign in with your organisation”."
        )
        return render_template("console/sign_in.html", form=form), 403
    if ids is None:
        form.form_errors.append(refused_message())
        return render_template("console/sign_in.html", form=form), 401
    start_session(*ids)
    return redirect(safe_next(request.args.get("next")))


@blp.route("/signout", methods=["POST"])
@public
def sign_out() -> Response:
    found = principal()
    if found is not None:
        with write_transaction(db.session):
            accounts.record(found.user, found.issuer.id, "user.sign_out", ip=client_ip())
    sessions.destroy(session)
    return redirect(url_for("console.sign_in", signed_out=1))


@blp.route("/password/forgot", methods=["GET", "POST"])
@public
@limited
def forgot_password() -> Page:
    form = ForgotForm()
    if not form.validate_on_submit():
        page = render_template("console/forgot.html", form=form)
        return (page, 422) if form.is_submitted() else page
    lifetime = accounts.RESET_LIFETIME
    with write_transaction(db.session):
        found = accounts.request_reset(form.email.data or "", lifetime=lifetime)
        target = (found[0].email, found[1]) if found else None
    if target is not None:
        mailing.send_reset(*target, hours=int(lifetime.total_seconds() // 3600))
    # The same answer whether or not the address has an account.
    return render_template("console/forgot_sent.html", email=form.email.data)


@blp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Page:
    accounts.live_token(token, "reset")  # NotFoundError: the error page says why
    form = NewPasswordForm()
    if not form.validate_on_submit():
        page = render_template("console/reset.html", form=form)
        return (page, 422) if form.is_submitted() else page
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        accounts.reset_password(token, form.password.data, ip=client_ip())
    if refusals:
        return form_page("console/reset.html", form, refusals)
    flash("Your password was changed and every session of your account ended. Sign in.")
    return redirect(url_for("console.sign_in"))


@blp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> Page:
    invitation = teams.invitation(token)  # NotFoundError: the error page says why
    form = AcceptInvitationForm()
    # An address with an account joins by signing in (teams.join), with no new password.
    existing = accounts.find_user(invitation.email) is not None
    context = {"invitation": invitation, "existing": existing, "token": token}
    if existing:
        page = render_template("console/accept.html", form=form, **context)
        return (page, 409) if request.method == "POST" else page
    if not form.validate_on_submit():
        page = render_template("console/accept.html", form=form, **context)
        return (page, 422) if form.is_submitted() else page
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        teams.accept(token, name=form.name.data, password=form.password.data, ip=client_ip())
    if refusals:
        return form_page("console/accept.html", form, refusals, **context)
    flash(f"You joined {invitation.issuer.name}. Sign in with your e-mail address and password.")
    return redirect(url_for("console.sign_in"))
