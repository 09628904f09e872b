"""Issued credentials in the console (issue 13, item 5): the list (filter by status,
certification and freelancer; keyset pages that stay fast at 100,000 credentials), one
credential, and revoking, suspending or reinstating it with a reason.

The rules are ``issuer.services.credentials``'s, the functions the API's
``/credentials/<id>/revoke|suspend|unsuspend`` call: a status change flips the
credential's bit in its status list in the same transaction, so the public verify page
shows the new status at the next request.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import IssuedCredential
from issuer.services import accounts, certifications, credentials, overview
from microcred.platform.i18n import LANGUAGES
from microcred.platform.refusals import UnprocessableError

Page = Response | str | tuple[str, int]

#: The list's status filter: the console says "active" where the API says "valid".
STATUS_CHOICES = (
    ("", "Any status"),
    ("valid", "Active"),
    ("expiring", "Active, expiring within 30 days"),
    ("suspended", "Suspended"),
    ("revoked", "Revoked"),
    ("expired", "Expired"),
)
STATUS_LABELS = {
    "valid": "Active",
    "expiring": "Expiring soon",
    "suspended": "Suspended",
    "revoked": "Revoked",
    "expired": "Expired",
}


class ReasonForm(ConsoleForm):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Give a reason: it is kept in the audit log."), Length(max=500)],
        description="Up to 500 characters. Kept in the audit log; a revocation's reason is "
        "kept with the credential.",
    )


#: The three status changes: the service's function, the past tense for the message.
ACTIONS = {
    "revoke": "revoked",
    "suspend": "suspended",
    "reinstate": "reinstated",
}


@blp.route("/credentials")
@requires("viewer")
def credential_list() -> tuple[str, int]:
    me = signed_in()
    status = request.args.get("status", "")
    certification = request.args.get("certification", "")
    search = request.args.get("q", "")
    after = request.args.get("after") or None
    problem: str | None = None
    try:
        page = credentials.credentials_page(
            me.issuer,
            status=status or None,
            certification=certification or None,
            search=search or None,
            after=after,
        )
    except UnprocessableError as exc:
        problem = exc.message
        page = credentials.CredentialPage(rows=[], older=None)
    query = {
        k: v for k, v in (("status", status), ("certification", certification), ("q", search)) if v
    }
    body = render_template(
        "console/credential_list.html",
        page=page,
        status=status,
        certification=certification,
        search=search,
        after=after,
        problem=problem,
        query=query,
        status_choices=STATUS_CHOICES,
        status_labels=STATUS_LABELS,
        certifications=certifications.all_certifications(me.issuer),
    )
    return body, 422 if problem else 200


@blp.route("/credentials/<credential_id>")
@requires("viewer")
def credential_detail(credential_id: str) -> tuple[str, int]:
    me = signed_in()
    credential = credentials.get_credential(me.issuer, credential_id)
    return _detail(credential, {})


def _detail(
    credential: IssuedCredential,
    forms: dict[str, ReasonForm],
    status: int = 200,
    problem: str | None = None,
) -> tuple[str, int]:
    state = credentials.credential_status(credential)
    actors = [SimpleNamespace(actor=a) for a in (credential.issued_by, credential.override_by) if a]
    page = render_template(
        "console/credential_detail.html",
        credential=credential,
        state=state,
        state_label=STATUS_LABELS[state],
        problem=problem,
        # "user:<id>" shown as the member's e-mail, as the audit log shows it.
        names=overview.actor_names(actors),  # type: ignore[arg-type]
        forms={name: forms.get(name) or ReasonForm(formdata=None, prefix=name) for name in ACTIONS},
        languages=LANGUAGES,
    )
    return page, status


@blp.route("/credentials/<credential_id>/revoke", methods=["POST"], defaults={"action": "revoke"})
@blp.route("/credentials/<credential_id>/suspend", methods=["POST"], defaults={"action": "suspend"})
@blp.route(
    "/credentials/<credential_id>/reinstate", methods=["POST"], defaults={"action": "reinstate"}
)
@requires("issuer")
def credential_status_change(credential_id: str, action: str) -> Page:
    me = signed_in()
    credential = credentials.get_credential(me.issuer, credential_id)
    form = ReasonForm(prefix=action)
    if not form.validate():
        return _detail(credential, {action: form}, 422)
    refusals: list[MicrocredError] = []
    actor = accounts.actor_of(me.user)
    with attempt(form, refusals):
        if action == "revoke":
            credentials.revoke(
                me.issuer, credential.id, reason=form.reason.data, actor=actor, ip=client_ip()
            )
        elif action == "suspend":
            credentials.suspend(
                me.issuer, credential.id, reason=form.reason.data, actor=actor, ip=client_ip()
            )
        else:
            credentials.unsuspend(
                me.issuer, credential.id, reason=form.reason.data, actor=actor, ip=client_ip()
            )
    if refusals:
        credential = credentials.get_credential(me.issuer, credential_id)
        return _detail(
            credential, {action: form}, refusals[0].http_status, problem=refusals[0].message
        )
    flash(f"The credential is {ACTIONS[action]}: its public page says so now.")
    return redirect(url_for("console.credential_detail", credential_id=credential.id))
