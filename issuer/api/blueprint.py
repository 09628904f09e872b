"""``ApiBlueprint``: a flask-smorest Blueprint for the authenticated ``/api/v1`` API.

Every route of such a blueprint:

- requires a bearer API key (401 otherwise) and shares one per-key rate limit;
- limits JSON bodies to ``MICROCRED_API_MAX_BODY`` (413) and accepts only JSON (415);
- needs a scope of its key (``issuer.scopes``; 403 ``insufficient_scope`` otherwise):
  ``read`` for GET, the blueprint's ``write_scope`` for other methods, unless the view is
  marked with ``@requires_scope(...)``;
- is documented with the bearer security scheme, its scope, and the error responses it
  can give (401, 403, 429 always; 404 with path ids; 400/413/415/422 with a body; the
  ``Idempotency-Key`` header for ``@idempotent`` views).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from issuer.auth import current_principal, rate_limit_key, require_scope
from issuer.scopes import ALL_SCOPES, READ
from microcred.platform.extensions import limiter
from microcred.platform.refusals import PayloadTooLargeError, UnsupportedMediaError

SECURITY_SCHEME = "bearerAuth"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SCOPE_ATTR = "_microcred_api_scope"

F = TypeVar("F", bound=Callable[..., Any])


def requires_scope(scope: str) -> Callable[[F], F]:
    """Mark a view as needing ``scope`` instead of its blueprint's default (under ``route``)."""
    if scope not in ALL_SCOPES:
        raise ValueError(f"unknown API key scope {scope!r}")

    def mark(view: F) -> F:
        setattr(view, _SCOPE_ATTR, scope)
        return view

    return mark


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
    def __init__(self, *args: Any, write_scope: str, **kwargs: Any) -> None:
        """``write_scope``: what POST, PUT, PATCH and DELETE need unless a view says otherwise."""
        if write_scope not in ALL_SCOPES:
            raise ValueError(f"unknown API key scope {write_scope!r}")
        super().__init__(*args, **kwargs)
        self.write_scope = write_scope
        self.before_request(_before_api_request)
        self.before_request(self._check_scope)
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
        # Remember whether the path names an object, to document its 404, and its scope.
        for method, method_doc in self._docs[self._endpoints[-1]].items():
            if isinstance(method_doc, dict):
                method_doc["path_has_ids"] = "<" in rule
                method_doc["api_scope"] = self.scope_for(view_func, method.upper())

    def scope_for(self, view: Any, method: str) -> str:
        marked: str | None = getattr(view, _SCOPE_ATTR, None)
        return marked or (READ if method in _READ_METHODS else self.write_scope)

    def _check_scope(self) -> None:
        view = current_app.view_functions.get(request.endpoint or "")
        require_scope(self.scope_for(view, request.method))

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
        scope = doc_info.get("api_scope", READ)
        # OpenAPI 3.1 lets a non-OAuth scheme list the roles an operation needs.
        doc["security"] = [{SECURITY_SCHEME: [scope]}]
        responses = doc.setdefault("responses", {})
        responses.setdefault(401, "UNAUTHORIZED")
        responses.setdefault(403, "FORBIDDEN")
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
            parameters = doc.setdefault("parameters", [])
            if not any(p.get("name") == IDEMPOTENCY_PARAMETER["name"] for p in parameters):
                parameters.append(dict(IDEMPOTENCY_PARAMETER))
            responses.setdefault(422, "UNPROCESSABLE_ENTITY")
        doc["responses"] = dict(sorted(responses.items(), key=_status_order))
        return doc
