"""Micro-certifications in the console (issue 13, item 3): the list, one certification,
creating and editing it (competencies with skill-framework alignments, the evidence rule,
the expiry policy), and archiving it.

The rules are ``issuer.services.certifications``'s, the same functions the API's
POST/PATCH /micro-certifications call; the form only maps its fields onto the mapping they
take (``cert_forms``). "Archive" is the API's retire: the certification issues no more,
and what it issued stays verifiable.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.cert_forms import ArtworkForm, CertificationForm
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import MicroCertification
from issuer.services import accounts, certifications, frameworks, images
from microcred.platform.refusals import UnprocessableError

Page = Response | str | tuple[str, int]


@blp.route("/certifications")
@requires("viewer")
def certification_list() -> str:
    me = signed_in()
    items = certifications.all_certifications(me.issuer)
    return render_template(
        "console/cert_list.html",
        active=[c for c in items if not c.retired],
        archived=[c for c in items if c.retired],
        issued=certifications.issued_counts(me.issuer),
    )


@blp.route("/certifications/<certification_id>")
@requires("viewer")
def certification_detail(certification_id: str) -> tuple[str, int]:
    me = signed_in()
    certification = certifications.get_certification(me.issuer, certification_id)
    return _detail_page(certification, ArtworkForm(formdata=None))


def _detail_page(
    certification: MicroCertification, artwork_form: ArtworkForm, status: int = 200
) -> tuple[str, int]:
    me = signed_in()
    page = render_template(
        "console/cert_detail.html",
        certification=certification,
        issued=certifications.issued_count(certification),
        artwork_form=artwork_form,
        # The public badge route, with the edit time so the browser fetches a new upload.
        badge_url=url_for(
            "sharing_documents.achievement_image",
            slug=me.issuer.slug,
            cert_id=certification.id,
            fmt="png",
            v=int(certification.updated_at.timestamp()),
        ),
    )
    return page, status


@blp.route("/certifications/new", methods=["GET", "POST"])
@requires("issuer")
def certification_new() -> Page:
    form = CertificationForm()
    if request.method == "GET":
        form.add_blank_rows()
        return _form_page(form, None)
    return _save(form, None)


@blp.route("/certifications/<certification_id>/edit", methods=["GET", "POST"])
@requires("issuer")
def certification_edit(certification_id: str) -> Page:
    me = signed_in()
    certification = certifications.get_certification(me.issuer, certification_id)
    if certification.retired:
        flash("This certification is archived: it can be read, not changed.")
        return redirect(url_for("console.certification_detail", certification_id=certification.id))
    if request.method == "GET":
        form = CertificationForm(formdata=None)
        form.fill(certification)
        form.add_blank_rows()
        return _form_page(form, certification)
    return _save(CertificationForm(), certification)


@blp.route("/certifications/<certification_id>/image", methods=["POST"])
@requires("issuer")
def certification_image(certification_id: str) -> Page:
    """Upload the badge artwork; the page then shows it through the public badge route."""
    me = signed_in()
    certification = certifications.get_certification(me.issuer, certification_id)
    form = ArtworkForm()
    if not form.validate():
        return _detail_page(certification, form, 422)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        # Read no more than can be stored (base64 adds a third): a larger file is refused,
        # not loaded whole.
        data = form.artwork.data.read(images.MAX_IMAGE_CHARS * 3 // 4 + 1)
        certifications.update_certification(
            me.issuer,
            certification.id,
            {"image": images.uploaded_image(data, field="artwork")},
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
    if refusals:
        return _detail_page(certification, form, refusals[0].http_status)
    flash("The badge artwork is saved: the preview shows it as credentials will.")
    return redirect(url_for("console.certification_detail", certification_id=certification.id))


@blp.route("/certifications/<certification_id>/archive", methods=["POST"])
@requires("issuer")
def certification_archive(certification_id: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        certification = certifications.retire_certification(
            me.issuer, certification_id, actor=accounts.actor_of(me.user), ip=client_ip()
        )
    if refusals:
        raise refusals[0]
    flash(f"{certification.name} is archived: it issues no more; what it issued stays valid.")
    return redirect(url_for("console.certification_detail", certification_id=certification_id))


def _save(form: CertificationForm, certification: MicroCertification | None) -> Page:
    """Create or update from a posted form; "add another" re-renders with one more row."""
    me = signed_in()
    if "add_row" in request.form:
        form.add_blank_rows(1)
        return _form_page(form, certification)
    if not form.validate():
        return _form_page(form, certification, 422)
    refusals: list[MicrocredError] = []
    saved: MicroCertification | None = None
    with attempt(form, refusals):
        data = form.data_for_service()
        if not data["competencies"]:
            raise UnprocessableError("Name at least one competency.")
        actor = accounts.actor_of(me.user)
        if certification is None:
            saved = certifications.create_certification(
                me.issuer, data, actor=actor, ip=client_ip()
            )
        else:
            saved = certifications.update_certification(
                me.issuer, certification.id, data, actor=actor, ip=client_ip()
            )
    if refusals or saved is None:
        return _form_page(form, certification, refusals[0].http_status if refusals else 422)
    flash(f"{saved.name} is saved.")
    return redirect(url_for("console.certification_detail", certification_id=saved.id))


def _form_page(
    form: CertificationForm, certification: MicroCertification | None, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "console/cert_form.html",
            form=form,
            certification=certification,
            presets=frameworks.PRESETS,
            issued_under=certifications.issued_under_current(certification) if certification else 0,
        ),
        status,
    )
