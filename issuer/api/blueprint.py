"""``ApiBlueprint``: a flask-smorest Blueprint for the authenticated ``/api/v1`` API.

Every route of such a blueprint:

- requires a bearer API key (401 otherwise) and shares one per-key rate limit;
- limits JSON bodies to ``MICROCRED_API_MAX_BODY`` (413) and accepts only JSON (415);
- is documented with the bearer security scheme and the error responses it can give
  (401, 429 always; 404 with path ids; 400/413/415/422 with a body; the
  ``Idempotency-Key`` header for ``@idempotent`` views).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from issuer.auth import current_principal, rate_limit_key
from microcred.platform.extensions import limiter
from microcred.platform.refusals import PayloadTooLargeError, UnsupportedMediaError

SECURITY_SCHEME = "bearerAuth"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": (
        "Retry-safe requests: the same key with the same request replays the first "
        "response (Idempotent-Replayed: true); with a different request it is a 422."
    ),
}


def _api_limit() -> str:
    return str(current_app.config["MICROCRED_API_RATELIMIT"])


def _has_body() -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")


def _before_api_request() -> None:
    limit = int(current_app.config["MICROCRED_API_MAX_BODY"])
    request.max_content_length = limit
    current_principal()  # 401 before anything else is looked at
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(
            f"The request body has {request.content_length} bytes; this API accepts at most "
            f"{limit} bytes of JSON."
        )
    if request.method in _BODY_METHODS and _has_body() and not request.is_json:
        raise UnsupportedMediaError(
            "Send the request body as JSON with 'Content-Type: application/json' "
            f"(got {request.mimetype or 'no Content-Type'!r}).",
            code="unsupported_media_type",
        )


def _status_order(item: tuple[Any, Any]) -> tuple[bool, str]:
    return str(item[0]) == "default", str(item[0])


class ApiBlueprint(Blueprint):  # type: ignore[misc]  # flask-smorest is untyped
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(_before_api_request)
        self._prepare_doc_cbks.append(self._prepare_api_doc)
        limiter.shared_limit(_api_limit, scope="api", key_func=rate_limit_key)(self)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Any = None,
        provide_automatic_options: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **kwargs)
        # Remember whether the path names an object, to document its 404.
        for method_doc in self._docs[self._endpoints[-1]].values():
            if isinstance(method_doc, dict):
                method_doc["path_has_ids"] = "<" in rule

    def arguments(self, schema: type[ma.Schema] | ma.Schema, *args: Any, **kwargs: Any) -> Any:
        # webargs instantiates a Schema *class* on every request (about 60 µs, a fiftieth
        # of an issuance); an instance is built once here and reused (loading is stateless).
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)

    def query_arguments(self, schema: type[ma.Schema] | ma.Schema) -> Any:
        """Query-string arguments; unknown parameters are errors (typos get reported)."""
        return self.arguments(schema, location="query", unknown=None)

    @staticmethod
    def _prepare_api_doc(
        doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        doc["security"] = [{SECURITY_SCHEME: []}]
        responses = doc.setdefault("responses", {})
        responses.setdefault(401, "UNAUTHORIZED")
        responses.setdefault(429, "TOO_MANY_REQUESTS")
        if doc_info.get("path_has_ids"):
            responses.setdefault(404, "NOT_FOUND")
        if "requestBody" in doc:
            for status, name in (
                (400, "BAD_REQUEST"),
                (413, "REQUEST_ENTITY_TOO_LARGE"),
                (415, "UNSUPPORTED_MEDIA_TYPE"),
            ):
                responses.setdefault(status, name)
        if doc_info.get("idempotent"):
            doc.setdefault("parameters", []).append(dict(IDEMPOTENCY_PARAMETER))
            responses.setdefault(422, "UNPROCESSABLE_ENTITY")
        doc["responses"] = dict(sorted(responses.items(), key=_status_order))
        return doc
