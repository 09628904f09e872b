"""Freelancers in the console (issue 13, item 4): the list (search, pages), adding and
editing one, a freelancer's page (gig projects, assessments, progress per certification),
and importing from CSV with a preview.

The rules are the services': ``freelancers`` (fields, the unique e-mail), ``freelancer_import``
(the CSV, its verdicts), ``evidence`` (progress: the rule issuance applies).

The CSV import is two requests. The upload answers a preview and saves nothing; the
preview page carries the file back in a hidden field with an HMAC (the app's secret key,
over the provider, the member and the content), so "Import" adds exactly the rows of the
file that was previewed, checked again at that moment. An edited or forged field is
refused (400).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from flask import Response, current_app, flash, redirect, render_template, request, url_for

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp, form_page
from issuer.console.forms import ConsoleForm
from issuer.console.freelancer_forms import FreelancerForm, ImportForm, show_problems
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import Freelancer
from issuer.services import accounts, certifications, evidence, freelancer_import, freelancers
from microcred.platform.refusals import InvalidInputError
from microcred.platform.tokens import same_secret

Page = Response | str | tuple[str, int]
PER_PAGE = 50


@blp.route("/freelancers")
@requires("viewer")
def freelancer_list() -> str:
    me = signed_in()
    query = request.args.get("q", "")[:200]
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        page = 1
    found = freelancers.search(me.issuer, query, page=page, per_page=PER_PAGE)
    return render_template("console/freelancer_list.html", found=found, query=query)


@blp.route("/freelancers/new", methods=["GET", "POST"])
@requires("issuer")
def freelancer_new() -> Page:
    if request.method == "GET":
        return render_template(
            "console/freelancer_form.html", form=FreelancerForm(), freelancer=None
        )
    return _save(FreelancerForm(), None)


@blp.route("/freelancers/<freelancer_id>/edit", methods=["GET", "POST"])
@requires("issuer")
def freelancer_edit(freelancer_id: str) -> Page:
    me = signed_in()
    freelancer = freelancers.get_freelancer(me.issuer, freelancer_id)
    if request.method == "GET":
        form = FreelancerForm(formdata=None)
        form.fill(freelancer)
        return render_template("console/freelancer_form.html", form=form, freelancer=freelancer)
    return _save(FreelancerForm(), freelancer)


def _save(form: FreelancerForm, freelancer: Freelancer | None) -> Page:
    me = signed_in()
    data = form.data_for_service()
    if not show_problems(form, freelancers.field_problems(data)):
        return form_page("console/freelancer_form.html", form, [], freelancer=freelancer)
    refusals: list[MicrocredError] = []
    saved: Freelancer | None = None
    with attempt(form, refusals):
        actor = accounts.actor_of(me.user)
        if freelancer is None:
            saved = freelancers.create_freelancer(me.issuer, data, actor=actor, ip=client_ip())
        else:
            saved = freelancers.update_freelancer(
                me.issuer, freelancer.id, data, actor=actor, ip=client_ip()
            )
    if refusals or saved is None:
        return form_page("console/freelancer_form.html", form, refusals, freelancer=freelancer)
    flash(f"{saved.name} is saved.")
    return redirect(url_for("console.freelancer_detail", freelancer_id=saved.id))


@blp.route("/freelancers/<freelancer_id>")
@requires("viewer")
def freelancer_detail(freelancer_id: str) -> str:
    me = signed_in()
    freelancer = freelancers.get_freelancer(me.issuer, freelancer_id)
    progress = [
        (c, evidence.progress(me.issuer, freelancer.id, c.id))
        for c in certifications.all_certifications(me.issuer)
        if not c.retired
    ]
    return render_template(
        "console/freelancer_detail.html", freelancer=freelancer, progress=progress
    )


# --- CSV import ---------------------------------------------------------------------------


def _signature(payload: str) -> str:
    me = signed_in()
    key = str(current_app.secret_key).encode()
    message = f"freelancer-import\n{me.issuer.id}\n{me.user.id}\n{payload}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@blp.route("/freelancers/import", methods=["GET", "POST"])
@requires("issuer")
def freelancer_import_page() -> Page:
    """GET: the upload form. POST: the preview of the uploaded file; nothing is saved."""
    me = signed_in()
    form = ImportForm()
    if request.method == "GET":
        return render_template("console/freelancer_import.html", form=form, parsed=None)
    if not form.validate():
        return form_page("console/freelancer_import.html", form, [], parsed=None)
    upload = form.file.data
    try:  # no more than the limit is read; a larger upload is spooled to a file: close it
        data = upload.read(freelancer_import.MAX_BYTES + 1)
    finally:
        upload.close()
    parsed = freelancer_import.preview(me.issuer, data)
    payload = base64.b64encode(data).decode() if not parsed.errors else ""
    page = render_template(
        "console/freelancer_import.html",
        form=form,
        parsed=parsed,
        payload=payload,
        signature=_signature(payload) if payload else "",
    )
    return page, 422 if parsed.errors else 200


@blp.route("/freelancers/import/confirm", methods=["POST"])
@requires("issuer")
def freelancer_import_confirm() -> Page:
    """Add the valid new rows of the previewed file, in one transaction."""
    me = signed_in()
    payload = request.form.get("payload", "")
    given = request.form.get("signature", "")
    if not payload or not same_secret(given, _signature(payload)):
        raise InvalidInputError(
            "The import could not be matched with the file you previewed. Upload the file again."
        )
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:  # signed, so only a changed secret gets here
        raise InvalidInputError("Upload the file again.") from exc
    form = ConsoleForm(formdata=None)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        parsed = freelancer_import.import_rows(
            me.issuer, data, actor=accounts.actor_of(me.user), ip=client_ip()
        )
    if refusals:
        raise refusals[0]
    added = len(parsed.new)
    flash(
        f"{added} freelancer{'s' if added != 1 else ''} added; "
        f"{len(parsed.existing)} already here and left as they were; "
        f"{len(parsed.refused)} row{'s' if len(parsed.refused) != 1 else ''} with errors skipped."
    )
    return redirect(url_for("console.freelancer_list"))


@blp.route("/freelancers/import/template.csv")
@requires("issuer")
def freelancer_import_template() -> Response:
    return Response(
        freelancer_import.TEMPLATE,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="freelancers-template.csv"'},
    )
