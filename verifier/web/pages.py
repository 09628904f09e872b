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
from credentials.results import VerificationResult
from credentials.verify import load_credential
from microcred.platform.errors import parses_own_json
from microcred.platform.extensions import limit_public
from microcred.platform.security import protect_pages
from verifier.web import service
from verifier.web.inputs import credential_from_form, upload_limit
from verifier.web.interfaces import StoredCredential
from verifier.web.lookup import find_credential
from verifier.web.page_model import page_model
from verifier.web.results_json import result_body
from verifier.web.security import refuse_cross_site_post

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
    400: "This is not a credential we can read.",
    413: "The file is too large.",
    415: "This kind of file cannot carry a credential.",
    422: "No credential was found in this file.",
}
#: Titles by stable code (credentials.formats): what it is, said plainly.
_FORM_ERROR_CODES = {
    "format.unsupported": "This format is not supported yet.",
    "format.no_credential": "No credential was found in this.",
}


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
        credential = credential_from_form(request)
        result = service.verify(credential)
    except RequestEntityTooLarge:
        limit = upload_limit()
        message = f"Uploads are limited to {_mib(limit)} MB; a credential file is far smaller."
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
        checked_at=service.verifier_now(),
        source="stored" if stored is not None else "upload",
        downloads=_downloads(stored) if stored is not None else [],
        verification_url=_verification_url(stored) if stored is not None else None,
    )


def _downloads(stored: StoredCredential) -> list[dict[str, str]]:
    """The documents of one of our credentials (served by the documents feature)."""
    base = f"/credentials/{stored.id}"
    return [
        {"label": "PDF certificate", "url": f"{base}.pdf"},
        {"label": "Credential (JSON)", "url": f"{base}.json"},
        {"label": "Badge (PNG)", "url": f"{base}/badge.png"},
        {"label": "Badge (SVG)", "url": f"{base}/badge.svg"},
    ]


def _verification_url(stored: StoredCredential) -> str:
    return f"{current_app.config['MICROCRED_BASE_URL']}/v/{stored.short_code}"


def _render_form(
    status: int | None = None, message: str | None = None, code: str | None = None
) -> str:
    error: dict[str, Any] | None = None
    if status is not None:
        title = _FORM_ERROR_CODES.get(code or "") or _FORM_ERROR_TITLES.get(
            status, "The credential could not be verified."
        )
        error = {"title": title, "message": message or "", "code": code}
    pasted = request.form.get("credential", "") if error and status != 413 else ""
    return render_template(
        "verify/form.html",
        error=error,
        pasted=pasted[:200_000],
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
