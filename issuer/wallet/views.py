"""The wallet-delivery endpoints (unauthenticated: the offer's token in the URL, the
pre-authorized code and the access token are the credentials).

- ``GET /wallet/offers/<token>``: the "Send to wallet" page; ``…/qr/<kind>.svg`` its QR codes;
- ``POST /workflows/wallet-delivery/exchanges/<token>``: the VC API exchange;
- ``GET /.well-known/openid-credential-issuer``, ``GET /.well-known/oauth-authorization-server``,
  ``GET /oid4vci/offers/<token>``, ``POST /oid4vci/token``, ``POST /oid4vci/nonce``,
  ``POST /oid4vci/credential``: OpenID4VCI 1.0.

Errors of the exchange are problem bodies (JSON); errors of the OpenID4VCI endpoints are
OAuth error bodies ``{"error", "error_description"}`` (``OAuthError``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from credentials.documents.qr import qr_svg
from credentials.errors import (
    InvalidInputError,
    MalformedCredentialError,
    MicrocredError,
    PayloadTooLargeError,
)
from credentials.verify import load_credential
from issuer.models import IssuedCredential
from issuer.services import wallet, wallet_oid4vci
from issuer.services.wallet_oid4vci import OAuthError
from microcred.platform.db import write_transaction
from microcred.platform.errors import parses_own_json, problem_body
from microcred.platform.extensions import db
from microcred.platform.security import allow_cross_origin

blp = Blueprint("wallet", __name__)
parses_own_json(blp)  # load_credential refuses lone surrogates


def _allow_bearer_header(response: Response) -> Response:
    """The credential endpoint's preflight must also allow ``Authorization`` (the access
    token is sent explicitly, never as an ambient credential, so this forges nothing)."""
    if "Access-Control-Allow-Headers" in response.headers:
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    return response


# Web wallets call these from their own origin: public, no cookies (the platform's CORS).
# Flask runs after_request functions last-registered first: ours, registered first, runs
# after the platform's.
blp.after_request(_allow_bearer_header)
allow_cross_origin(blp, methods=["GET", "POST"])


#: Wallet requests are small: a DID Authentication presentation or a proof JWT.
MAX_BODY = 64 * 1024
QR_KINDS = ("lcw", "openid")


# --- errors -----------------------------------------------------------------------------------


@blp.errorhandler(OAuthError)
def _oauth_error(exc: OAuthError) -> Response:
    response = current_app.json.response(exc.body)
    response.status_code = exc.http_status
    response.headers.update(exc.headers)
    return response


def _json_problem(exc: MicrocredError) -> Response:
    body = problem_body(exc.http_status, exc.message, error=exc.code, field=exc.field)
    response = current_app.json.response(body)
    response.status_code = exc.http_status
    return response


def _json(body: Any, status: int = 200) -> Response:
    response = current_app.json.response(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _body_bytes() -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise PayloadTooLargeError(f"the request body has more than {MAX_BODY} bytes")
    request.max_content_length = MAX_BODY
    return request.get_data(cache=True)


def _json_body() -> dict[str, Any]:
    """The exchange's request: one JSON object, parsed as strictly as a credential (no
    duplicate key, NaN or lone surrogate; bounded depth), since the presentation in it is
    checked as signed data. A body that is not a JSON object at all is the request's fault
    (``malformed_json``, naming ``body``, as the platform says of other JSON bodies), not
    a malformed credential: no credential is sent here."""
    if not request.is_json:
        raise InvalidInputError("send the request as application/json", code="unsupported_media")
    raw = _body_bytes() or b"{}"
    try:
        return load_credential(raw)
    except MalformedCredentialError:
        _refuse_if_not_a_json_object(raw)  # then it is a strict rule the body broke
        raise


def _refuse_if_not_a_json_object(raw: bytes) -> None:
    """Say in the request's words why ``raw`` (which the strict parser refused) is no JSON
    object; return when it is one. Read only on that error path."""
    try:
        parsed = json.loads(raw)
    except UnicodeDecodeError:
        raise _malformed_body("the request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _malformed_body(
            f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise _malformed_body("the request body's JSON is nested too deeply") from None
    if not isinstance(parsed, dict):
        raise _malformed_body(
            'the request body must be a JSON object: {} or {"verifiablePresentation": …}'
        )


def _malformed_body(message: str) -> InvalidInputError:
    return InvalidInputError(message, code="malformed_json", field="body")


# --- the offer page ---------------------------------------------------------------------------


@blp.get("/wallet/offers/<token>")
def offer_page(token: str) -> tuple[str, int]:
    try:
        offer = wallet.offer_by_token(token)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        page = render_template("wallet/offer.html", refusal=exc, links=None, credential=None)
        return page, exc.http_status
    credential = db.session.get(IssuedCredential, offer.credential_id)
    page = render_template(
        "wallet/offer.html",
        refusal=None,
        offer=offer,
        credential=credential,
        links=wallet.links_for(token),
        token=token,
    )
    return page, 200


@blp.get("/wallet/offers/<token>/qr/<kind>.svg")
def offer_qr(token: str, kind: str) -> Response:
    if kind not in QR_KINDS:
        raise InvalidInputError(f"the QR code is one of {', '.join(QR_KINDS)}", field="kind")
    wallet.offer_by_token(token)
    links = wallet.links_for(token)
    data = links.lcw if kind == "lcw" else links.openid_offer
    response = current_app.response_class(qr_svg(data, module_px=6), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- (a) VC API exchange ----------------------------------------------------------------------


@blp.post(f"/workflows/{wallet.WORKFLOW_ID}/exchanges/<token>")
def exchange(token: str) -> Response:
    """w3c/vcalm "Participate in an exchange": ``{}`` starts it (the VPR answers), a body
    with ``verifiablePresentation`` completes it."""
    try:
        body = _json_body()
        presentation = body.get("verifiablePresentation")
        unknown = sorted(set(body) - {"verifiablePresentation"})
        if unknown:
            raise InvalidInputError(
                f'unknown member {unknown[0]!r}: send {{}} or {{"verifiablePresentation": …}}',
                field=unknown[0],
            )
        if presentation is None:
            with write_transaction(db.session):
                return _json(wallet.presentation_request(token))
        with write_transaction(db.session):
            answer = wallet.complete_exchange(token, presentation)
        return _json(answer)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        return _json_problem(exc)


# --- (b) OpenID4VCI ---------------------------------------------------------------------------


@blp.get("/.well-known/openid-credential-issuer")
def credential_issuer_metadata() -> Response:
    return current_app.json.response(wallet_oid4vci.issuer_metadata())


@blp.get("/.well-known/oauth-authorization-server")
def authorization_server_metadata() -> Response:
    return current_app.json.response(wallet_oid4vci.authorization_server_metadata())


@blp.get("/oid4vci/offers/<token>")
def credential_offer(token: str) -> Response:
    try:
        return _json(wallet_oid4vci.offer_document(token))
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        return _json_problem(exc)


@blp.post("/oid4vci/token")
def token() -> Response:
    if request.mimetype != "application/x-www-form-urlencoded":
        raise OAuthError(
            "invalid_request", "send the token request as application/x-www-form-urlencoded"
        )
    _body_bytes()
    form = {key: request.form[key] for key in request.form}
    if any(len(request.form.getlist(key)) > 1 for key in form):
        raise OAuthError("invalid_request", "a parameter was sent more than once")
    with write_transaction(db.session):
        return _json(wallet_oid4vci.redeem_code(form))


@blp.post("/oid4vci/nonce")
def nonce() -> Response:
    with write_transaction(db.session):
        return _json({"c_nonce": wallet_oid4vci.new_nonce()})


@blp.post("/oid4vci/credential")
def credential() -> Response:
    if not request.is_json:
        raise OAuthError("invalid_credential_request", "send the request as application/json")
    try:
        body = json.loads(_body_bytes())
    except ValueError:
        raise OAuthError("invalid_credential_request", "the body is not JSON") from None
    except HTTPException:
        raise OAuthError("invalid_credential_request", "the body is too large") from None
    with write_transaction(db.session):
        answer = wallet_oid4vci.issue_credential(request.headers.get("Authorization"), body)
    return _json(answer)
