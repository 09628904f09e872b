"""Public, unauthenticated endpoints of the issuing side: providers' DID documents.

``did:web:HOST:issuers:SLUG`` resolves to ``https://HOST/issuers/SLUG/did.json``. The
document lists every non-revoked key under ``assertionMethod`` (rotated keys included, so
old credentials keep verifying). Rate limited per client address.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from issuer.services import issuers, signing_keys
from microcred.errors import not_found
from microcred.extensions import limit_public

#: DID Core's media type for the JSON representation of a DID document.
DID_JSON_MEDIA_TYPE = "application/did+json"

blp = Blueprint("issuer_public", __name__)
limit_public(blp)


@blp.get("/issuers/<slug>/did.json")
def did_document(slug: str) -> Response:
    issuer = issuers.get_issuer(slug)
    if issuer.did_method != "web":
        raise not_found(
            f"training provider {slug!r} uses did:key: its DID document is derived from the "
            "DID itself and not served here"
        )
    body = json.dumps(signing_keys.did_document(issuer), indent=2) + "\n"
    response = current_app.response_class(body, mimetype=DID_JSON_MEDIA_TYPE)
    # Short caching: a revoked key must disappear from verifiers' view within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.add_etag()
    return response.make_conditional(request)
