"""Privacy in the console (issue 14, item 5): deleting a freelancer (owners; a confirm
page, then a POST), exporting what is held about one (a JSON download), and choosing how
credentials name the recipient's e-mail address (owners, on the organisation page).

The rules are ``issuer.services.privacy``'s: what deletion erases and what it keeps.
"""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.org_profile import ProfileForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.services import accounts, freelancers, privacy
from microcred.platform.refusals import UnprocessableError

Page = Response | str | tuple[str, int]

RECIPIENT_CHOICES = [
    SelectChoice("hashed", "A salted hash of the e-mail address (recommended)"),
    SelectChoice("plain", "The e-mail address as it is"),
]


class DeleteFreelancerForm(ConsoleForm):
    """Nothing to fill in: the CSRF token is the form."""


class RecipientIdentityForm(ConsoleForm):
    recipient_email = RadioField(
        "How credentials name the recipient's e-mail address", choices=RECIPIENT_CHOICES
    )


@blp.route("/freelancers/<freelancer_id>/delete")
@requires("owner")
def freelancer_delete_confirm(freelancer_id: str) -> str:
    me = signed_in()
    freelancer = freelancers.get_freelancer(me.issuer, freelancer_id)
    held = privacy.held_counts(freelancer)
    return render_template(
        "console/freelancer_delete.html",
        freelancer=freelancer,
        held=held,
        form=DeleteFreelancerForm(),
    )


@blp.route("/freelancers/<freelancer_id>/delete", methods=["POST"])
@requires("owner")
def freelancer_delete(freelancer_id: str) -> Page:
    me = signed_in()
    freelancer = freelancers.get_freelancer(me.issuer, freelancer_id)  # 404 before anything
    form = DeleteFreelancerForm()
    refusals: list[MicrocredError] = []
    report: privacy.ErasureReport | None = None
    with attempt(form, refusals):
        report = privacy.delete_freelancer(
            me.issuer, freelancer.id, actor=accounts.actor_of(me.user), ip=client_ip()
        )
    if refusals or report is None:
        return render_template(
            "console/freelancer_delete.html",
            freelancer=freelancer,
            held=privacy.held_counts(freelancer),
            form=form,
        ), refusals[0].http_status if refusals else 422
    # No name in the message: it would sit in the session after the erasure.
    withdrawn = report.credentials_withdrawn
    flash(
        "The freelancer was deleted and their personal data erased"
        + (
            f"; {withdrawn} credential(s) now verify only from the holder's file."
            if withdrawn
            else "."
        )
    )
    return redirect(url_for("console.freelancer_list"))


@blp.route("/freelancers/<freelancer_id>/export")
@requires("issuer")
def freelancer_export(freelancer_id: str) -> Response:
    me = signed_in()
    data = privacy.export_freelancer(me.issuer, freelancer_id)
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="personal-data-{freelancer_id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/organisation/recipient-identity", methods=["POST"])
@requires("owner")
def update_recipient_identity() -> Page:
    me = signed_in()
    form = RecipientIdentityForm()
    refusals: list[MicrocredError] = []
    if form.validate_on_submit():
        with attempt(form, refusals):
            privacy.set_recipient_email(
                me.issuer,
                str(form.recipient_email.data),
                actor=accounts.actor_of(me.user),
                ip=client_ip(),
            )
    else:
        refusals.append(
            UnprocessableError(
                "Choose how credentials name the recipient's e-mail address.",
                field="recipient_email",
            )
        )
    if refusals:
        page = render_template(
            "console/org_profile.html",
            form=ProfileForm(formdata=None, obj=me.issuer),
            issuer=me.issuer,
            recipient_error=refusals[0].message,
        )
        return page, refusals[0].http_status
    flash("Recipient identity saved: it applies to credentials issued from now on.")
    return redirect(url_for("console.profile"))
