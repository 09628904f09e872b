"""``POST /credentials/verify``: the W3C VC API (VCALM) verify endpoint, public like the API.

Request ``{"verifiableCredential": {…}, "options": {…}}``; answer ``{"verified",
"problemDetails", "results"}`` (VCALM ``VerifyCredentialRequest`` and
``VerificationResult``, w3c/vcalm ``oas.yaml`` and ``components/``).

Status codes follow the specification's ``/credentials/verify`` responses exactly: **200**
"Verifiable Credential successfully verified!" and **400** "invalid input!" — so a
credential that does not verify (forged, revoked, expired…) is a 400 with the full result
body, and so is a request that is not a credential at all (the body then names the
problem; 422 is not among the responses the specification defines). 413 (too large) and
429 (rate limited) are the codes VCALM allows for denial-of-service protection on its
verify endpoints.

ProblemDetails (VCALM §"Error Handling", RFC 9457) use the types of VC Data Model 2.0
§7.2, VC Data Integrity §4.7 (``https://w3id.org/security#…``) and Bitstring Status List
§3.5 (``https://www.w3.org/ns/credentials/status-list#…``). "If an error is included,
the verified property … MUST be set to false" — every problem here comes from a failed
check, so ``verified`` is false exactly when problems are listed.

Options: ``returnResults`` / ``returnProblemDetails`` (default true) and
``returnCredential`` (default false) are honoured; ``domain`` and ``challenge`` are
checked against every proof (VC Data Integrity §4.5 "Verify Proof": INVALID_DOMAIN_ERROR,
INVALID_CHALLENGE_ERROR), since they are signed proof options; anything else (such as
the test suites' ``checks``) is ignored, as unknown options are not an error here: all
checks always run, and running more never lets a failing credential pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request
from werkzeug.wrappers import Response

from credentials import formats as jwt_formats  # v-jwt
from credentials.errors import MalformedCredentialError
from credentials.formats import (
    UNSUPPORTED,
    classify,
    load_supported,
    refusal,
    refuse_unsupported,
)
from credentials.proofs import proofs_of
from microcred.platform.errors import parses_own_json, problem_body
from microcred.platform.extensions import limit_public
from microcred.platform.security import allow_cross_origin, api_headers
from verifier.web import service
from verifier.web.api import json_response
from verifier.web.inputs import is_json_type
from verifier.web.vcapi_problems import (
    ProblemDetail,
    check_problems,
    options_problems,
    presentation_problems,
    results,
    warning_problems,
)

PATH = "/credentials/verify"
VP_PATH = "/presentations/verify"
_BOOLEAN_OPTIONS = {"returnResults": True, "returnProblemDetails": True, "returnCredential": False}

blp = Blueprint("vc_api_verify", __name__)
limit_public(blp)
blp.after_request(api_headers)
allow_cross_origin(blp, methods=("POST",))  # browser wallets verify from their own origin
parses_own_json(blp)  # load_credential refuses lone surrogates


@blp.post(PATH)
def verify_credential() -> Response:
    try:
        credential, options = _parse_request()
    except MalformedCredentialError as exc:
        return _invalid_request(exc)
    # --- v-jwt: a JWT that cannot be decoded is found when it is verified ---
    try:
        result = service.verify(credential)
    except MalformedCredentialError as exc:
        return _invalid_request(exc)
    # --- end v-jwt ---
    problems = [*check_problems(result), *options_problems(options, proofs_of(credential))]
    verified = result.verified and not problems
    body: dict[str, Any] = {"verified": verified}
    if options["returnProblemDetails"]:
        # VCALM §3.8.1: warnings are ProblemDetails too; they leave "verified" true.
        body["problemDetails"] = [p.as_dict() for p in problems] + [
            p.as_dict() for p in warning_problems(result)
        ]
    if options["returnResults"]:
        body["results"] = results(result, credential)
        if result.trust is not None:
            # Who issued it, apart from "verified" (which says nothing about identity).
            body["trust"] = result.trust.as_dict()
    if options["returnCredential"]:
        body["credential"] = credential
    return json_response(body, 200 if verified else 400)


@blp.post(VP_PATH)
def verify_presentation() -> Response:
    """VCALM ``POST /presentations/verify``: ``{verifiablePresentation, options}`` →
    ``{verified, problemDetails, presentationResult, credentialResults}``; 200 when the
    presentation and every credential in it verified, 400 otherwise (as for credentials)."""
    try:
        presentation, options = _parse_request("verifiablePresentation")
    except MalformedCredentialError as exc:
        return _invalid_request(exc)
    if presentation.get("type") == "EnvelopedVerifiablePresentation":
        return _invalid_request(
            MalformedCredentialError(
                "enveloped presentations (VC-JOSE-COSE, SD-JWT) are not supported; send a "
                "presentation secured with an embedded Data Integrity proof",
                field="verifiablePresentation",
            )
        )
    result = service.verify_presentation(presentation)
    own = [
        *presentation_problems(result.checks),
        *options_problems(options, proofs_of(presentation)),
    ]
    credential_results = []
    problems = list(own)
    for entry, checked in zip(_embedded(presentation), result.credentials, strict=True):
        if checked is None:
            continue  # an envelope: its problem is among the presentation's
        found = check_problems(checked)
        problems.extend(found)
        item: dict[str, Any] = {"verified": checked.verified, "problemDetails": []}
        # Each credential's warnings with its own problems; they never fail the presentation.
        item["problemDetails"] = [p.as_dict() for p in found] + [
            p.as_dict() for p in warning_problems(checked)
        ]
        item["results"] = results(checked, entry)
        credential_results.append(item)
    verified = result.verified and not problems
    body: dict[str, Any] = {"verified": verified}
    if options["returnProblemDetails"]:
        body["problemDetails"] = [p.as_dict() for p in problems]
    if options["returnResults"]:
        body["presentationResult"] = {
            "verified": not own,
            "problemDetails": [p.as_dict() for p in own],
        }
        body["credentialResults"] = credential_results
    return json_response(body, 200 if verified else 400)


def _embedded(presentation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = presentation.get("verifiableCredential")
    entries = value if isinstance(value, list) else [] if value is None else [value]
    return [e for e in entries if isinstance(e, Mapping)]


def _parse_request(
    member: str = "verifiableCredential",
) -> tuple[Mapping[str, Any], dict[str, Any]]:
    if not is_json_type(request.mimetype):
        raise MalformedCredentialError(
            f'send the request as application/json: {{"{member}": {{…}}, "options": {{…}}}}',
            field="body",
        )
    body = load_supported(request.get_data(cache=False), whole=False)
    document = body.get(member)
    # --- v-jwt: a VC JWT sent as a string is taken as its vc+jwt envelope ---
    if member == "verifiableCredential":
        document = jwt_formats.jwt_envelope(document) or document
    # --- end v-jwt ---
    if not isinstance(document, Mapping):
        # A VC 1.1 JWT-VC sent as a string, a link: named (format.unsupported).
        found = classify(document) if document is not None else None
        if found is not None and found.kind in UNSUPPORTED and member == "verifiableCredential":
            raise refusal(found, member) or AssertionError("unsupported kinds are refused")
        raise MalformedCredentialError(
            f"{member} is required and must be a JSON object", field=member
        )
    if member == "verifiablePresentation":
        return document, _options(body.get("options"))
    options = _options(body.get("options"))
    # An EnvelopedVerifiableCredential (VC-JOSE-COSE), an Open Badges 2.0 assertion...
    refuse_unsupported(document, field=member)
    return document, options


def _options(raw: object) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise MalformedCredentialError("options must be a JSON object", field="options")
    options: dict[str, Any] = {}
    for name, default in _BOOLEAN_OPTIONS.items():
        value = raw.get(name, default)
        if not isinstance(value, bool):
            raise MalformedCredentialError(f"options.{name} must be true or false", field=name)
        options[name] = value
    challenge = raw.get("challenge")
    if challenge is not None and not isinstance(challenge, str):
        raise MalformedCredentialError("options.challenge must be a string", field="challenge")
    domain = raw.get("domain")
    domains = [domain] if isinstance(domain, str) else domain
    if domains is not None and (
        not isinstance(domains, list) or not all(isinstance(d, str) for d in domains)
    ):
        raise MalformedCredentialError(
            "options.domain must be a string or a list of strings", field="domain"
        )
    options["challenge"] = challenge
    options["domain"] = domains
    return options


def _invalid_request(exc: MalformedCredentialError) -> Response:
    """400 "invalid input!": the microcred error fields plus a VCALM-shaped body."""
    problem = ProblemDetail.parsing_error(exc.message)
    body = problem_body(400, exc.message, error=exc.code, field=exc.field)
    body.update({"verified": False, "problemDetails": [problem.as_dict()]})
    return json_response(body, 400)
