"""Self-submitted evidence on the freelancer's side (issue 14, item 4): submit a gig project
to one of your providers (/account/projects/new), and the client's single-use page that
confirms (with a rating) or declines it (/account/client/<token>: GET shows, POST acts).

Routes on the account blueprint, so CSRF (every POST) and the account session hold as on
every account page. The rules are ``issuer.services.submissions``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from credentials.errors import MicrocredError
from issuer.account.submission_forms import ClientAnswerForm, SubmissionForm
from issuer.account.views import Page, _require, blp
from issuer.models import GigProject, RecipientAccount
from issuer.services import submissions
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db, limiter, remote_address
from microcred.platform.mail import MailMessage, send_mail


def _submit_limit() -> str:
    return str(current_app.config["MICROCRED_EVIDENCE_SUBMIT_RATELIMIT"])


#: Per client address, POSTs only: submissions, and the client's answers.
per_client = limiter.shared_limit(
    _submit_limit, scope="account-evidence", key_func=remote_address, methods=["POST"]
)


@blp.context_processor
def _submitted() -> dict[str, Any]:
    def submitted_projects(account: RecipientAccount) -> list[submissions.Submission]:
        return submissions.submissions(account)

    return {"submitted_projects": submitted_projects}


def _form(account: RecipientAccount, form: SubmissionForm | None = None) -> SubmissionForm:
    found = submissions.choices(account)
    form = form or SubmissionForm()
    form.provider.choices = [SelectChoice("", _("Choose a provider"))] + [
        SelectChoice(c.freelancer.id, c.provider) for c in found
    ]
    form.competencies.choices = [
        SelectChoice(competency.id, f"{choice.provider} · {certification.name}: {competency.name}")
        for choice in found
        for certification, competencies in choice.certifications
        for competency in competencies
    ]
    return form


def _page(account: RecipientAccount, form: SubmissionForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "account/submit_project.html",
        form=form,
        choices=submissions.choices(account),
    )
    return page, status


@blp.get("/account/projects/new")
def submit_project_form() -> Page:
    account = _require()
    if isinstance(account, Response):
        return account
    return _page(account, _form(account, SubmissionForm(formdata=None)))


@blp.post("/account/projects")
@per_client
def submit_project() -> Page:
    account = _require()
    if isinstance(account, Response):
        return account
    form = _form(account)
    if not form.validate():
        return _page(account, form, 422)
    try:
        with write_transaction(db.session):
            project, token = submissions.submit(
                account,
                form.provider.data or "",
                form.data_for_service(),
                form.competencies.data or [],
            )
            mail = _client_mail(project, token) if token else None
            title = project.title
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        target = getattr(form, str(exc.field or ""), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, exc.message]
        else:
            form.form_errors.append(exc.message)
        return _page(account, form, exc.http_status)
    if mail is not None:
        send_mail(mail)
    submitted = _("“%(title)s” is submitted: the provider will assess it.", title=title)
    flash(f"{submitted} {_('We asked your client to confirm it.')}" if mail else submitted)
    return redirect(url_for("account.overview") + "#submitted")


def _client_mail(project: GigProject, token: str) -> MailMessage:
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    link = f"{base}{url_for('account.client_answer', token=token)}"
    days = submissions.CLIENT_LINK_LIFETIME.days
    who = project.freelancer.name
    text = (
        f"{who} says they did the project “{project.title}” for you, and asked us to let "
        f"you confirm it.\n\nConfirm or decline: {link}\n\nThe link works once, within "
        f"{days} days. If you do not know this project, decline it or ignore this mail.\n"
    )
    html = (
        f"<p>{escape(who)} says they did the project “{escape(project.title)}” for you, and "
        f'asked us to let you confirm it.</p><p><a href="{escape(link)}">Confirm or decline '
        f"the project</a></p><p>The link works once, within {days} days. If you do not know "
        "this project, decline it or ignore this mail.</p>"
    )
    return MailMessage(
        to=(str(project.client_email),),
        subject=f"Please confirm a project by {who}"[:200],
        text=text,
        html=html,
    )


@blp.route("/account/client/<token>", methods=["GET", "POST"])
@per_client
def client_answer(token: str) -> Page:
    if request.method == "GET":
        view = submissions.client_view(token)
        return render_template(
            "account/client_confirm.html", view=view, token=token, form=ClientAnswerForm()
        )
    return _client_post(token)


def _client_post(token: str) -> Page:
    form = ClientAnswerForm()
    action = request.form.get("action", "")
    if action not in ("confirm", "decline"):
        view = submissions.client_view(token)
        form.form_errors.append(_("Choose confirm or decline."))
        return render_template(
            "account/client_confirm.html", view=view, token=token, form=form
        ), 422
    if action == "confirm" and (not form.validate() or form.rating.data is None):
        view = submissions.client_view(token)
        if form.rating.data is None and not form.rating.errors:
            form.rating.errors = [_("A rating from 0 to 5 is needed to confirm.")]
        return render_template(
            "account/client_confirm.html", view=view, token=token, form=form
        ), 422
    with write_transaction(db.session):
        if action == "confirm":
            submissions.confirm(token, form.rating.data, form.comment.data)
        else:
            submissions.decline(token)
    return render_template("account/client_done.html", confirmed=action == "confirm")
