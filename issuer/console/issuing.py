"""Issuing one credential from the console (issue 13, item 5): choose the freelancer and
the micro-certification, see a preview of what would be signed (the unsigned JSON, the
evidence rule's evaluation, the PDF and the badge), then issue.

``issuer.services.issuance.preview_credential`` reads what ``issue_credential`` would
sign and stores nothing: no status list index is drawn, nothing is signed. The PDF and
badge of the preview are drawn by the sharing side's renderers (through the render pool)
from that unsigned draft; the composition root hands the renderer over as
``app.extensions[PREVIEW_DOCUMENTS_KEY]`` (the console never imports ``sharing``).

A freelancer who does not meet the evidence rule is issued only with the override box
ticked and a reason (the reason is stated in the credential). A form carries a one-time
token: sending it twice (a double click, a reload) shows the credential the first
sending issued, never a second one.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from flask import current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import Freelancer, Issuer, MicroCertification
from issuer.services import accounts, certifications, freelancers, issuance
from issuer.services.issuance import MAX_OVERRIDE_REASON, Preview
from issuer.services.issuance_records import ProjectRecord
from microcred.platform.i18n import DEFAULT_LANGUAGE, LANGUAGES
from microcred.platform.refusals import NotFoundError, UnprocessableError

Page = Response | str | tuple[str, int]

#: Where the composition root puts the sharing side's preview renderer:
#: ``(draft, "pdf" | "png") -> bytes``.
PREVIEW_DOCUMENTS_KEY: Final = "microcred.console.preview_documents"
#: Tokens of issued forms this session remembers (the newest ones), for double submits.
REMEMBERED_TOKENS: Final = 20


class ChooseForm(ConsoleForm):
    freelancer = StringField(
        "Freelancer",
        validators=[DataRequired("Name the freelancer."), Length(max=254)],
        description="Their identifier (frl_…) or e-mail address.",
    )
    certification = SelectField(
        "Micro-certification",
        validators=[DataRequired("Choose a micro-certification.")],
        # An id not offered (another provider's, an archived one) is refused by the lookup,
        # with a sentence naming it.
        validate_choice=False,
    )

    def offer(self, issuer: Issuer) -> None:
        self.certification.choices = [("", "Choose…")] + [
            (c.id, c.name) for c in certifications.all_certifications(issuer) if not c.retired
        ]


class IssueForm(ConsoleForm):
    freelancer = HiddenField(validators=[DataRequired()])
    certification = HiddenField(validators=[DataRequired()])
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
    override = BooleanField(
        "Override the evidence rule",
        description="Issue although the rule is not met. The reason is stated in the "
        "credential, for every verifier to read.",
    )
    reason = TextAreaField(
        "Reason for the override",
        validators=[Optional(), Length(max=MAX_OVERRIDE_REASON)],
        description=f"Required with an override; up to {MAX_OVERRIDE_REASON} characters.",
    )
    language = SelectField(
        "Language of the PDF certificate",
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        default=DEFAULT_LANGUAGE,
        description="Its own words and dates are printed in this language; names, the "
        "micro-certification and the projects as they were written.",
    )


def _freelancer(issuer: Issuer, given: str) -> Freelancer:
    """The provider's freelancer by identifier or e-mail address (404 naming the field)."""
    text = given.strip()
    found = freelancers.find_by_email(issuer, text.lower()) if "@" in text else _by_id(issuer, text)
    if found is None:
        raise NotFoundError(f"You have no freelancer {text!r}.", field="freelancer")
    return found


def _by_id(issuer: Issuer, freelancer_id: str) -> Freelancer | None:
    try:
        return freelancers.get_freelancer(issuer, freelancer_id)
    except NotFoundError:
        return None


def _certification(issuer: Issuer, certification_id: str) -> MicroCertification:
    try:
        return certifications.get_certification(issuer, certification_id)
    except NotFoundError:
        raise NotFoundError(
            f"You have no micro-certification {certification_id!r}.", field="certification"
        ) from None


@blp.route("/issue")
@requires("issuer")
def issue() -> Page:
    """Choose; with both query parameters (a freelancer's page links here), the preview."""
    me = signed_in()
    form = ChooseForm(formdata=request.args if request.args else None)
    form.offer(me.issuer)
    if "freelancer" not in request.args and "certification" not in request.args:
        return render_template("console/issue_choose.html", form=form)
    if not form.validate():
        return render_template("console/issue_choose.html", form=form), 422
    try:
        freelancer = _freelancer(me.issuer, form.freelancer.data)
        certification = _certification(me.issuer, form.certification.data)
    except NotFoundError as exc:
        form.show_refusal(exc)
        return render_template("console/issue_choose.html", form=form), 404
    confirm = IssueForm(
        formdata=None,
        freelancer=freelancer.id,
        certification=certification.id,
        token=secrets.token_urlsafe(16),
    )
    return _preview_page(me.issuer, freelancer, certification, confirm)


def _preview_page(
    issuer: Issuer,
    freelancer: Freelancer,
    certification: MicroCertification,
    form: IssueForm,
    status: int = 200,
) -> tuple[str, int]:
    preview = issuance.preview_credential(
        issuer, freelancer_id=freelancer.id, certification_id=certification.id
    )
    query = {"freelancer": freelancer.id, "certification": certification.id}
    page = render_template(
        "console/issue_preview.html",
        preview=preview,
        freelancer=freelancer,
        certification=certification,
        document=json.dumps(preview.document, indent=2, ensure_ascii=False),
        pdf_urls=[
            (
                code,
                name,
                url_for("console.issue_preview_document", ext="pdf", language=code, **query),
            )
            for code, name in LANGUAGES.items()
        ],
        badge_url=url_for("console.issue_preview_document", ext="png", **query),
        form=form,
    )
    return page, status


@blp.route("/issue", methods=["POST"])
@requires("issuer")
def issue_confirm() -> Page:
    me = signed_in()
    form = IssueForm()
    issued_by_token = _remembered(form.token.data or "")
    if issued_by_token is not None:
        flash("This form was sent already: here is the credential it issued.")
        return redirect(url_for("console.credential_detail", credential_id=issued_by_token))
    if not form.validate() and not (form.freelancer.data and form.certification.data):
        raise UnprocessableError("The form lacks the freelancer or the micro-certification.")
    freelancer = _freelancer(me.issuer, form.freelancer.data or "")
    certification = _certification(me.issuer, form.certification.data or "")
    if form.errors:
        return _preview_page(me.issuer, freelancer, certification, form, 422)
    reason = (form.reason.data or "").strip()
    if form.override.data and not reason:
        form.reason.errors = ["An override needs a reason: it is stated in the credential."]
        return _preview_page(me.issuer, freelancer, certification, form, 422)
    if reason and not form.override.data:
        form.override.errors = ["Tick the override box to issue with this reason."]
        return _preview_page(me.issuer, freelancer, certification, form, 422)
    refusals: list[MicrocredError] = []
    issued_id: str | None = None
    with attempt(form, refusals):
        issued = issuance.issue_credential(
            me.issuer,
            freelancer_id=freelancer.id,
            certification_id=certification.id,
            override_reason=reason if form.override.data else None,
            language=form.language.data,
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
        issued_id = issued.id
    if refusals or issued_id is None:
        exc = refusals[0] if refusals else None
        if exc is not None and exc.code == "evidence_rule_not_met":
            form.form_errors[-1:] = [
                "The evidence rule is not met (see the evaluation above). To issue anyway, "
                "tick the override box and give a reason."
            ]
        return _preview_page(
            me.issuer, freelancer, certification, form, exc.http_status if exc else 422
        )
    _remember(form.token.data or "", issued_id)
    flash(f"The credential is issued to {freelancer.name}.")
    return redirect(url_for("console.credential_detail", credential_id=issued_id))


def _remembered(token: str) -> str | None:
    issued: dict[str, str] = session.get("issued_tokens") or {}
    return issued.get(token) if token else None


def _remember(token: str, credential_id: str) -> None:
    issued = dict(session.get("issued_tokens") or {})
    issued[token] = credential_id
    session["issued_tokens"] = dict(list(issued.items())[-REMEMBERED_TOKENS:])


# --- the preview's PDF and badge ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Evidence:
    project: ProjectRecord


@dataclass(frozen=True, slots=True)
class DraftCredential:
    """The preview, lent to the sharing side's renderers as a ``StoredCredential``."""

    document: str
    issued_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    issuer: Issuer
    freelancer: Freelancer
    certification: MicroCertification
    evidence: Sequence[_Evidence] = field(default_factory=tuple)
    id: str = "preview"
    credential_id: str = "urn:uuid:preview"
    short_code: str = "preview"
    revoked_at: datetime | None = None
    suspended: bool = False
    signing_key: Any = None
    language: str | None = None


def _draft(
    preview: Preview,
    issuer: Issuer,
    freelancer: Freelancer,
    certification: MicroCertification,
    language: str | None = None,
) -> DraftCredential:
    return DraftCredential(
        document=issuance.dump_document(preview.document),
        issued_at=preview.issued_at,
        valid_from=preview.issued_at,
        valid_until=preview.draft.valid_until,
        issuer=issuer,
        freelancer=freelancer,
        certification=certification,
        evidence=tuple(_Evidence(p) for p in preview.draft.backing),
        credential_id=str(preview.document.get("id", "urn:uuid:preview")),
        language=language,
    )


@blp.route("/issue/preview.pdf", defaults={"ext": "pdf"})
@blp.route("/issue/preview.png", defaults={"ext": "png"})
@requires("issuer")
def issue_preview_document(ext: str) -> Response:
    """The PDF or the badge of the preview: drawn from the unsigned draft, stored nowhere."""
    me = signed_in()
    freelancer = _freelancer(me.issuer, request.args.get("freelancer", ""))
    certification = _certification(me.issuer, request.args.get("certification", ""))
    preview = issuance.preview_credential(
        me.issuer, freelancer_id=freelancer.id, certification_id=certification.id
    )
    language = issuance.certificate_language(request.args.get("language"))
    draft = _draft(preview, me.issuer, freelancer, certification, language)
    render: Callable[[DraftCredential, str], bytes] = current_app.extensions[PREVIEW_DOCUMENTS_KEY]
    body = render(draft, ext)
    response = Response(body, mimetype="application/pdf" if ext == "pdf" else "image/png")
    response.headers["Content-Disposition"] = f'inline; filename="preview.{ext}"'
    return response
