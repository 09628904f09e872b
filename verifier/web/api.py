"""``POST /api/v1/verify``: the public verification API (no API key; rate limited per address).

It is a plain Flask blueprint, not one of the issuer API's ``ApiBlueprint``s, so none of
their bearer-key authentication or JSON-only body rules apply. The answer is 200 with
every check whenever the input was a credential, verified or not; unusable input is a
4xx in the microcred error shape (see ``verifier.web.inputs``).
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from credentials.ob2.found import Ob2Found  # v-ob2
from microcred.platform.errors import parses_own_json
from microcred.platform.extensions import limit_public
from microcred.platform.security import allow_cross_origin, api_headers
from verifier.web import service
from verifier.web.inputs import credential_from_request
from verifier.web.ob2_inputs import recipient_of, refuse_url_field  # v-ob2
from verifier.web.results_json import result_body

PATH = "/api/v1/verify"

blp = Blueprint("verify_api", __name__)
limit_public(blp)
blp.after_request(api_headers)
allow_cross_origin(blp, methods=("POST",))  # any web page may verify (docs/VERIFYING.md)
parses_own_json(blp)  # load_credential refuses lone surrogates


@blp.post(PATH)
def verify() -> Response:
    try:
        refuse_url_field(request)  # v-ob2: ?url= / a multipart url field, given alone
        credential = credential_from_request(request)
        result = service.verify(credential)
    except Ob2Found as badge:  # --- v-ob2: an Open Badges 2.0 / 1.x badge ---
        result = service.verify_ob2(badge.source, recipient=recipient_of(request))
    return json_response(result_body(result))


def json_response(body: object, status: int = 200) -> Response:
    # json.dumps directly: no sorting, no pretty-printing; the hot path of the benchmark.
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(text, status=status, mimetype="application/json")
