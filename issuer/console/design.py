"""Certificate design (issue 13, items 2 and 3): the layout of the PDF certificate, the two
colours, the signatory's name, title and signature, with a live preview.

The design is the organisation's: every certificate the provider issues is drawn with it
(the ``issuers`` row holds it, as the API's ``branding`` does). It is saved through
``issuers.update_profile``, which checks it with ``issuers.check_design``, the rule the
API's ``PATCH /api/v1/issuer`` goes through too. The design shapes only the PDF: a
credential's signed JSON never changes, so what was issued keeps verifying.

The preview draws a sample certificate (a sample freelancer, one of the provider's
certifications or a sample one, a QR code to an address of the verify page's shape) with
the form's unsaved values. It is drawn by the sharing feature's renderer, which the
composition root hands over as ``app.extensions[CERTIFICATE_PREVIEW_KEY]`` (the console
may not import it): in the render pool, under its time and memory budget, and cached by a
digest of everything drawn, so asking twice costs a file read. A rate limit per account
bounds what one person can ask for (``MICROCRED_CONSOLE_PREVIEW_RATELIMIT``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from credentials.documents.certificate_model import (
    LAYOUTS,
    Branding,
    CertificateCompetency,
    CertificateData,
    CertificateProject,
)
from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, principal, requires, signed_in
from issuer.models import Issuer, MicroCertification
from issuer.services import accounts, certifications, images, issuers
from microcred.platform.extensions import limiter

Page = Response | str | tuple[str, int]
#: ``app.extensions`` key of ``preview(data: CertificateData, fmt: "pdf" | "png") -> bytes``.
CERTIFICATE_PREVIEW_KEY = "microcred.console.certificate_preview"

LAYOUT_CHOICES = [
    SelectChoice("classic", "Classic — landscape, a double frame in your colours"),
    SelectChoice("modern", "Modern — landscape, a band in your primary colour down the left side"),
    SelectChoice("compact", "Compact — portrait, a strip of your colours along the top"),
]
if tuple(choice.value for choice in LAYOUT_CHOICES) != LAYOUTS:  # pragma: no cover
    raise RuntimeError("the layout choices must name every layout of the renderer")
#: The form's fields that shape the preview, in the order of the preview's address.
PREVIEW_FIELDS = (
    "layout",
    "primary_color",
    "accent_color",
    "signatory_name",
    "signatory_title",
    "certification",
)


class DesignForm(ConsoleForm):
    layout = RadioField("Layout", choices=LAYOUT_CHOICES, default="classic")
    primary_color = StringField(
        "Primary colour",
        validators=[Length(max=7)],
        description="The frame or band, your name and the certification's title. It must "
        "reach a contrast of 4.5:1 against white (WCAG AA).",
    )
    accent_color = StringField(
        "Accent colour",
        validators=[Length(max=7)],
        description="Rules and dots. A light accent is allowed; text in it is darkened.",
    )
    signatory_name = StringField("Signatory's name", validators=[Length(max=200)])
    signatory_title = StringField(
        "Signatory's title",
        validators=[Length(max=200)],
        description="Without a signatory, the certificate names the organisation.",
    )
    signature = FileField(
        "Signature image (PNG or SVG)",
        description="Drawn above the signatory's name. An SVG is cleaned of scripts and "
        "outside references; at most 384 KiB. The preview shows it once saved.",
    )
    remove_signature = BooleanField("Remove the current signature")
    certification = SelectField("Preview with", choices=[], validate_choice=False)


def _form(*, posted: bool = False) -> DesignForm:
    """The form with the saved design; ``posted``: with the request's values over it."""
    issuer = signed_in().issuer
    extra: dict[str, Any] = {} if posted else {"formdata": None}
    form = DesignForm(
        **extra,
        data={
            "layout": issuer.certificate_layout or "classic",
            "primary_color": issuer.primary_color or Branding.primary,
            "accent_color": issuer.accent_color or Branding.accent,
            "signatory_name": issuer.signatory_name or "",
            "signatory_title": issuer.signatory_title or "",
        },
    )
    form.certification.choices = [SelectChoice("", "A sample certification")] + [
        SelectChoice(c.id, c.name)
        for c in certifications.all_certifications(issuer)
        if not c.retired
    ]
    return form


def _design_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's (or the preview address's) values as the service's design fields."""
    return {
        "certificate_layout": values.get("layout") or "classic",
        "primary_color": (values.get("primary_color") or "").strip() or None,
        "accent_color": (values.get("accent_color") or "").strip() or None,
        "signatory_name": values.get("signatory_name") or "",
        "signatory_title": values.get("signatory_title") or "",
    }


def _preview_query(form: DesignForm) -> str:
    values = {name: getattr(form, name).data or "" for name in PREVIEW_FIELDS}
    return urlencode(values)


def _page(form: DesignForm, status: int = 200) -> Page:
    me = signed_in()
    query = _preview_query(form)
    warnings = issuers.design_warnings({"accent_color": (form.accent_color.data or "").strip()})
    page = render_template(
        "console/design.html",
        form=form,
        issuer=me.issuer,
        preview_png=url_for("console.design_preview", fmt="png") + "?" + query,
        preview_pdf=url_for("console.design_preview", fmt="pdf") + "?" + query,
        warnings=warnings,
    )
    return page, status


@blp.route("/design")
@requires("owner")
def design() -> Page:
    return _page(_form())


@blp.route("/design", methods=["POST"])
@requires("owner")
def save_design() -> Page:
    """Save the design, or (``action=preview``, the no-script way) only show its preview."""
    me = signed_in()
    form = _form(posted=True)
    if not form.validate_on_submit():
        return _page(form, 422)
    refusals: list[MicrocredError] = []
    previewing = request.form.get("action") == "preview"
    with attempt(form, refusals):
        changes = _checked(_design_of(form.data))  # previewing: checked, nothing saved
        if not previewing:
            upload = form.signature.data
            if isinstance(upload, FileStorage) and upload.filename:
                # One byte over the limit is enough to refuse; a bigger body is not read.
                data = upload.stream.read(images.MAX_IMAGE_CHARS * 3 // 4 + 1)
                changes["signature_image"] = images.uploaded_image(data, field="signature")
            elif form.remove_signature.data:
                changes["signature_image"] = None
            issuers.update_profile(
                me.issuer, changes, actor=accounts.actor_of(me.user), ip=client_ip()
            )
    if refusals:
        return _page(form, refusals[0].http_status)
    if previewing:
        return _page(form)
    flash("Certificate design saved. Certificates are drawn with it from now on.")
    return redirect(url_for("console.design"))


#: The service's names of the design fields that the form calls otherwise.
_FORM_FIELDS = {"certificate_layout": "layout", "signature_image": "signature"}


def _checked(design: Mapping[str, Any]) -> dict[str, Any]:
    """``issuers.check_design``, its refusals naming the form's fields."""
    try:
        return issuers.check_design(design)
    except MicrocredError as exc:
        exc.field = _FORM_FIELDS.get(exc.field or "", exc.field)
        raise


def _certification(issuer: Issuer, certification_id: str) -> MicroCertification | None:
    if not certification_id:
        return None
    return certifications.get_certification(issuer, certification_id)


def sample_certificate(
    issuer: Issuer, design: Mapping[str, Any], certification: MicroCertification | None
) -> CertificateData:
    """The sample the preview draws: the provider's name, DID and logo, the given design,
    a sample freelancer, and ``certification`` (or a sample one)."""
    base_url = str(current_app.config["MICROCRED_BASE_URL"])
    logo = issuer.logo_image if (issuer.logo_image or "").startswith("data:image/") else None
    values: dict[str, Any] = {
        "logo_data_uri": logo,
        "primary": design.get("primary_color") or Branding.primary,
        "accent": design.get("accent_color") or Branding.accent,
        "signatory_name": design.get("signatory_name"),
        "signatory_title": design.get("signatory_title"),
        "signature_data_uri": issuer.signature_image,
        "layout": design.get("certificate_layout") or "classic",
    }
    try:
        branding = Branding(**values)
    except MicrocredError:  # a logo stored in a form the PDF cannot embed: left out
        branding = Branding(**{**values, "logo_data_uri": None})
    if certification is not None:
        name = certification.name
        description = certification.description or ""
        criteria = certification.criteria_narrative or ""
        competencies = [c.name for c in certification.competencies] or ["Sample competency"]
    else:
        name = "Sample micro-certification in data analysis"
        description = "A sample certification: the preview shows your design with it."
        criteria = "Accepted gig projects for every competency."
        competencies = ["Data cleaning", "Exploratory analysis", "Reporting"]
    projects = ["Sales dashboard for a bakery chain", "Survey analysis for a charity"]
    return CertificateData(
        recipient_name="Sam Example",
        certification_name=name,
        description=description,
        criteria=criteria,
        competencies=[
            CertificateCompetency(name=item, projects=projects[: 1 + i % 2])
            for i, item in enumerate(competencies)
        ],
        projects=[
            CertificateProject(title=title, platform="Sample platform", client="A client")
            for title in projects
        ],
        issuer_name=issuer.name,
        issuer_id=issuer.did,
        issued_on=datetime.now(UTC).date(),
        expires_on=None,
        credential_id="urn:uuid:00000000-0000-4000-8000-000000000000",
        # The shape of a verify address (/v/<12-character short code>); it leads nowhere.
        verify_url=f"{base_url}/v/SAMPLE000000",
        branding=branding,
    )


def _preview_user() -> str:
    """The limit's key: the account (the policy has sent anyone signed out away already;
    should the limiter ask first, the client's address stands in)."""
    found = principal()
    return f"console-user:{found.user.id}" if found else f"console-ip:{request.remote_addr}"


def _preview_limit() -> str:
    return str(current_app.config.get("MICROCRED_CONSOLE_PREVIEW_RATELIMIT") or "60 per minute")


@blp.route("/design/preview.png", defaults={"fmt": "png"})
@blp.route("/design/preview.pdf", defaults={"fmt": "pdf"})
@requires("owner")
@limiter.limit(_preview_limit, key_func=_preview_user)
def design_preview(fmt: Literal["png", "pdf"]) -> Response:
    """The sample certificate with the design in the address (unsaved values)."""
    me = signed_in()
    design = _checked(_design_of(request.args))
    certification = _certification(me.issuer, request.args.get("certification", ""))
    data = sample_certificate(me.issuer, design, certification)
    render: Callable[[CertificateData, str], bytes] = current_app.extensions[
        CERTIFICATE_PREVIEW_KEY
    ]
    body = render(data, fmt)
    response = Response(body, mimetype="image/png" if fmt == "png" else "application/pdf")
    if fmt == "pdf":
        response.headers["Content-Disposition"] = 'inline; filename="certificate-preview.pdf"'
    return response
