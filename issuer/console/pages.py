"""The signed-in pages of this step: the dashboard, the team, the audit log, and the
member's own password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from credentials.errors import MicrocredError
from issuer.console import charts, mailing
from issuer.console.blueprint import attempt, blp, form_page
from issuer.console.forms import ChangePasswordForm, ConsoleForm, InviteForm, RoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.services import accounts, overview, teams, verification_counts
from microcred.platform.db import utcnow

Page = Response | str | tuple[str, int]
AUDIT_PER_PAGE = 50


#: The chart's spans, chosen by a link (``?days=``); anything else is the first.
CHART_DAYS = (30, 90)


@blp.route("/")
@requires("viewer")
def dashboard() -> str:
    me = signed_in()
    asked = request.args.get("days", "")
    days = int(asked) if asked.isdigit() and int(asked) in CHART_DAYS else CHART_DAYS[0]
    series = verification_counts.per_day(me.issuer, days=days, today=utcnow().date())
    return render_template(
        "console/dashboard.html",
        counts=overview.counts(me.issuer),
        expiring_days=overview.EXPIRING_DAYS,
        chart=charts.bars(series),
        days=days,
        spans=CHART_DAYS,
        first_day=charts.day_label(series[0][0]),
        last_day=charts.day_label(series[-1][0]),
    )


def _team_page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    me = signed_in()
    return (
        render_template(
            "console/team.html",
            members=teams.members(me.issuer),
            invitations=teams.pending_invitations(me.issuer) if me.can("owner") else [],
            form=invite_form or InviteForm(formdata=None),
        ),
        status,
    )


@blp.route("/team")
@requires("viewer")
def team() -> tuple[str, int]:
    return _team_page()


@blp.route("/team/invite", methods=["POST"])
@requires("owner")
def invite() -> Page:
    me = signed_in()
    form = InviteForm()
    if not form.validate_on_submit():
        return _team_page(form, 422)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        email = accounts.normalize_email(form.email.data or "")
        token = teams.invite(me.issuer, email, form.role.data, by=me.user, ip=client_ip())
    if refusals:
        return _team_page(form, refusals[0].http_status)
    mailing.send_invitation(
        email, token, organisation=me.issuer.name, role=form.role.data, inviter=me.user.name
    )
    flash(f"Invitation sent to {email} ({form.role.data}).")
    return redirect(url_for("console.team"))


@blp.route("/team/members/<int:membership_id>/role", methods=["POST"])
@requires("owner")
def change_role(membership_id: int) -> Page:
    me = signed_in()
    form = RoleForm()
    if not form.validate_on_submit():
        abort(422)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        teams.change_role(me.issuer, membership_id, form.role.data, by=me.user, ip=client_ip())
    if refusals:
        raise refusals[0]
    flash("Role changed.")
    return redirect(url_for("console.team"))


@blp.route("/team/members/<int:membership_id>/remove", methods=["POST"])
@requires("owner")
def remove_member(membership_id: int) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        teams.remove(me.issuer, membership_id, by=me.user, ip=client_ip())
    if refusals:
        raise refusals[0]
    flash("Member removed.")
    return redirect(url_for("console.team"))


@blp.route("/audit")
@requires("owner")
def audit_log() -> str:
    me = signed_in()
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1
    events, more = overview.audit_page(me.issuer, page=number, per_page=AUDIT_PER_PAGE)
    return render_template(
        "console/audit.html",
        events=events,
        names=overview.actor_names(events),
        page=number,
        more=more,
    )


@blp.route("/account/password", methods=["GET", "POST"])
@requires("viewer")
def change_password() -> Page:
    me = signed_in()
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        page = render_template("console/password.html", form=form)
        return (page, 422) if form.is_submitted() else page
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        accounts.change_password(
            me.user, form.current_password.data, form.password.data, ip=client_ip()
        )
    if refusals:
        return form_page("console/password.html", form, refusals)
    # Every session of the account ended, this one included: sign in with the new one.
    return redirect(url_for("console.sign_in", password_changed=1))
