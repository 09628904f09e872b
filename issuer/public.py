"""Public, unauthenticated endpoints of the issuing side: DID documents and status lists.

``did:web:HOST:issuers:SLUG`` resolves to ``https://HOST/issuers/SLUG/did.json``. The
document lists every non-revoked key under ``assertionMethod`` (rotated keys included, so
old credentials keep verifying).

``/issuers/SLUG/status/{revocation|suspension}/N`` serves the signed
``BitstringStatusListCredential`` number N of a provider as ``application/json`` (the
widest-understood type for a JSON-LD credential), with ``Cache-Control: public,
max-age=60`` (a revocation reaches caching verifiers within a minute), a strong ETag
(conditional requests get a 304) and ``Access-Control-Allow-Origin: *`` so that browser
wallets can check status. The list is signed once per change, never per request
(``issuer.services.status_lists.StatusListPublisher``).

Rate limited per client address.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from issuer.models import STATUS_PURPOSES
from issuer.services import base_urls, issuers, signing_keys
from issuer.services.status_lists import publisher
from microcred.platform.extensions import limit_public
from microcred.platform.refusals import NotFoundError
from microcred.platform.security import allow_cross_origin

#: DID Core's media type for the JSON representation of a DID document.
DID_JSON_MEDIA_TYPE = "application/did+json"
STATUS_LIST_MEDIA_TYPE = "application/json"
#: How long verifiers may reuse a status list: the delay before a revocation shows.
STATUS_LIST_MAX_AGE = 60

blp = Blueprint("issuer_public", __name__)
limit_public(blp)
# Browser wallets and verifiers resolve DIDs and check status from any origin.
allow_cross_origin(blp, methods=("GET", "HEAD"))


@blp.get("/issuers/<slug>/did.json")
def did_document(slug: str) -> Response:
    issuer = issuers.get_issuer(slug)
    if issuer.did_method != "web":
        raise NotFoundError(
            f"training provider {slug!r} uses did:key: its DID document is derived from the "
            "DID itself and not served here"
        )
    document = signing_keys.did_document(issuer)
    # Reached under a host the provider's DIDs were minted for before a base URL move: old
    # credentials resolve their old DID here (issuer.services.base_urls).
    former = base_urls.former_for_host(current_app, slug, request.host)
    if former is not None:
        document = base_urls.former_did_document(former.did) or document
    body = json.dumps(document, indent=2) + "\n"
    response = current_app.response_class(body, mimetype=DID_JSON_MEDIA_TYPE)
    # Short caching: a revoked key must disappear from verifiers' view within minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    response.add_etag()
    return response.make_conditional(request)


@blp.get("/issuers/<slug>/status/<purpose>/<int(min=1):number>")
def status_list(slug: str, purpose: str, number: int) -> Response:
    found = publisher(current_app) if purpose in STATUS_PURPOSES else None
    published = found.published(slug, purpose, number) if found is not None else None
    if published is None:
        raise NotFoundError(f"no {purpose} status list {number} for training provider {slug!r}")
    body = published.body
    former = base_urls.former_for_host(current_app, slug, request.host)
    if former is not None:  # the list as old credentials name it (see did_document)
        url = f"{former.base_url}/issuers/{slug}/status/{purpose}/{number}"
        document = base_urls.former_status_list(current_app, url)
        body = json.dumps(document, separators=(",", ":")) if document else body
    response = current_app.response_class(body, mimetype=STATUS_LIST_MEDIA_TYPE)
    response.headers["Cache-Control"] = f"public, max-age={STATUS_LIST_MAX_AGE}"
    if body is published.body:
        response.set_etag(published.etag)
    else:
        response.add_etag()
    return response.make_conditional(request)
