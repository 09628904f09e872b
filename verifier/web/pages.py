"""The public pages: ``/`` (front door), ``/v/<ref>`` (what QR codes open), ``/verify``.

Public, rate limited per client address, never cached (status can change), served
under a strict Content-Security-Policy (``microcred.platform.security``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from credentials.errors import MicrocredError
from credentials.ob2.found import Ob2Found  # v-ob2
from credentials.results import VerificationResult
from credentials.verify import load_credential
from microcred.platform.errors import parses_own_json
from microcred.platform.extensions import limit_public
from microcred.platform.security import protect_pages
from verifier.web import service
from verifier.web.inputs import credential_from_form, upload_limit
from verifier.web.interfaces import StoredCredential
from verifier.web.lookup import find_credential
from verifier.web.ob2_inputs import recipient_of, refuse_url_field  # v-ob2
from verifier.web.page_model import page_model
from verifier.web.results_json import result_body
from verifier.web.security import refuse_cross_site_post
from verifier.web.words import N_, _  # i18n

blp = Blueprint("verify_pages", __name__)
limit_public(blp)
protect_pages(blp)
parses_own_json(blp)  # load_credential refuses lone surrogates

_KINDS = {
    "MicroCredential": "micro-credential",
    "Certification": "certification",
    "Certificate": "certificate",
    "Badge": "badge",
    "Competency": "competency",
    "Course": "course",
}
_FORM_ERROR_TITLES = {
    400: N_("This is not a credential we can read."),
    413: N_("The file is too large."),
    415: N_("This kind of file cannot carry a credential."),
    422: N_("No credential was found in this file."),
}
#: Titles by stable code (credentials.formats): what it is, said plainly.
_FORM_ERROR_CODES = {
    "format.unsupported": N_("This format is not supported yet."),
    "format.no_credential": N_("No credential was found in this."),
}
# --- i18n: "for the <kind>" as a whole phrase (articles and gender differ by language) ---
_KIND_PHRASES = {
    "micro-credential": N_("for the micro-credential"),
    "certification": N_("for the certification"),
    "certificate": N_("for the certificate"),
    "badge": N_("for the badge"),
    "competency": N_("for the competency"),
    "course": N_("for the course"),
    "achievement": N_("for the achievement"),
}
# --- end i18n ---


@blp.get("/")
def home() -> str:
    """The site's front door: where clients, providers and programs go next."""
    return render_template("home.html")


@blp.get("/v/<path:ref>")
def credential_page(ref: str) -> ResponseReturnValue:
    stored = find_credential(ref, service.own_sources().credentials)
    if stored is None:
        return render_template("verify/not_found.html", ref=ref[:100]), 404
    # --- fl-privacy: the issuer no longer holds a copy (the recipient's data was erased)
    if not stored.document:
        return _withdrawn(ref)
    # --- end fl-privacy ---
    result = service.verify(load_credential(stored.document))
    if _prefers_json():
        response = current_app.json.response(result_body(result))
    else:
        response = current_app.response_class(_render_result(result, stored=stored))
    response.vary.add("Accept")
    return response


@blp.get("/verify")
def verify_form() -> str:
    return _render_form()


@blp.post("/verify")
def verify_upload() -> str | tuple[str, int]:
    refuse_cross_site_post()
    try:
        try:
            refuse_url_field(request)  # v-ob2: a hosted badge's URL, given alone
            credential = credential_from_form(request)
            result = service.verify(credential)
        except Ob2Found as badge:  # --- v-ob2: an Open Badges 2.0 / 1.x badge ---
            result = service.verify_ob2(badge.source, recipient=recipient_of(request))
    except RequestEntityTooLarge:
        limit = upload_limit()
        message = _(
            "Uploads are limited to %(size)s MB; a credential file is far smaller.",
            size=_mib(limit),
        )
        return _render_form(status=413, message=message), 413
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        status = exc.http_status
        return _render_form(status=status, message=exc.message, code=exc.code), status
    return _render_result(result, stored=None)


# --- rendering ------------------------------------------------------------------------------


def _prefers_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _render_result(result: VerificationResult, *, stored: StoredCredential | None) -> str:
    model = page_model(result)
    kind = _KINDS.get(model.summary.achievement.type or "", "achievement")
    return render_template(
        "verify/result.html",
        model=model,
        achievement_kind=kind,
        achievement_phrase=_(_KIND_PHRASES[kind]),  # i18n
        checked_at=service.verifier_now(),
        source="stored" if stored is not None else "upload",
        downloads=_downloads(stored) if stored is not None else [],
        verification_url=_verification_url(stored) if stored is not None else None,
    )


def _downloads(stored: StoredCredential) -> list[dict[str, str]]:
    """The documents of one of our credentials (served by the documents feature)."""
    base = f"/credentials/{stored.id}"
    return [
        {"label": _("PDF certificate"), "url": f"{base}.pdf"},
        {"label": _("Credential (JSON)"), "url": f"{base}.json"},
        {"label": _("Badge (PNG)"), "url": f"{base}/badge.png"},
        {"label": _("Badge (SVG)"), "url": f"{base}/badge.svg"},
    ]


def _verification_url(stored: StoredCredential) -> str:
    return f"{current_app.config['MICROCRED_BASE_URL']}/v/{stored.short_code}"


def _render_form(
    status: int | None = None, message: str | None = None, code: str | None = None
) -> str:
    error: dict[str, Any] | None = None
    if status is not None:
        title = _(
            _FORM_ERROR_CODES.get(code or "")
            or _FORM_ERROR_TITLES.get(status, N_("The credential could not be verified."))
        )
        error = {"title": title, "message": message or "", "code": code}
    pasted = request.form.get("credential", "") if error and status != 413 else ""
    # --- v-ob2: the badge URL and recipient fields keep what was typed ---
    typed_url = request.form.get("url", "")[:2048] if error and status != 413 else ""
    typed_recipient = request.form.get("recipient", "")[:2048] if error and status != 413 else ""
    # --- end v-ob2 ---
    return render_template(
        "verify/form.html",
        error=error,
        pasted=pasted[:200_000],
        typed_url=typed_url,
        typed_recipient=typed_recipient,
        max_upload_mib=_mib(upload_limit()),
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


# --- fl-privacy: a credential whose stored copy was withdrawn --------------------------------


def _withdrawn(ref: str) -> ResponseReturnValue:
    """410: the credential was issued here, but its recipient's data was erased, so this
    service holds no copy to check; the holder's own file still verifies (by upload, with
    its status read from the issuer's status lists as ever)."""
    if _prefers_json():
        response = current_app.json.response(
            {
                "status": "withdrawn",
                "message": "The issuer no longer holds a copy of this credential: the "
                "recipient's personal data was erased. Verify the holder's own file at /verify.",
                "verify_url": "/verify",
            }
        )
        response.status_code = 410
    else:
        response = current_app.response_class(
            render_template("verify/withdrawn.html", ref=ref[:100]), status=410
        )
    response.vary.add("Accept")
    return response


# --- end fl-privacy ---
