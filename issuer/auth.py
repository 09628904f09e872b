"""Bearer API-key authentication for ``/api/v1``.

A request is authenticated once (the rate limiter's key function and the blueprint's
``before_request`` share the result, kept in the request's WSGI environ: unlike ``g`` it
can never outlive the request, even when an app context is shared). Failures are 401 with a
``WWW-Authenticate: Bearer`` challenge (RFC 6750); a valid key yields a ``Principal``
scoped to one training provider, and every service query filters by that provider.

A key also carries scopes (``issuer.scopes``): an endpoint that needs one the key lacks
answers 403 ``insufficient_scope``, naming the scope (RFC 6750 §3.1). An expired key is a
401 ``api_key_expired`` that says when it expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import request

from issuer.models import Issuer
from issuer.scopes import ALL_SCOPES, SCOPES
from issuer.services import api_keys
from issuer.services.issuance_records import IssuerRecord
from microcred.platform.db import DATABASE_UNAVAILABLE, write_transaction
from microcred.platform.extensions import db, remote_address
from microcred.platform.refusals import ForbiddenError, UnauthorizedError

REALM = "microcred"
_ENVIRON_KEY = "microcred.authentication"

_REFUSALS = {
    "malformed": "The bearer token is not a microcred API key (expected mc_<prefix>_<secret>).",
    "unknown": "The API key is not valid.",
    "revoked": "The API key has been revoked; ask the provider's administrator for a new one.",
    "expired": "The API key expired on {expired_at}; ask the provider's administrator for a "
    "new one (microcred api-keys rotate or create).",
}
_ERRORS = {"expired": "api_key_expired"}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: an API key of one training provider."""

    issuer_id: int
    api_key_id: int
    api_key_name: str
    actor: str
    #: The provider as read with the key (no further query): what issuance signs with.
    issuer_record: IssuerRecord
    scopes: frozenset[str] = ALL_SCOPES

    @property
    def issuer(self) -> Issuer:
        issuer = db.session.get(Issuer, self.issuer_id)
        assert issuer is not None  # noqa: S101 - the key's issuer cannot vanish mid-request
        return issuer


def _unauthorized(
    description: str, *, error: str, challenge_error: str | None
) -> UnauthorizedError:
    challenge = f'Bearer realm="{REALM}"'
    if challenge_error:
        challenge += f', error="{challenge_error}"'
    return UnauthorizedError(description, code=error, challenge=challenge)


def _authenticate() -> Principal | UnauthorizedError:
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return _unauthorized(
            "This endpoint needs an API key: send 'Authorization: Bearer mc_…'.",
            error="authentication_required",
            challenge_error=None,
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized(
            "The Authorization header must be 'Bearer <API key>'.",
            error="malformed_authorization",
            challenge_error="invalid_request",
        )
    result = api_keys.authenticate_token(token.strip())
    if result.api_key is None:
        refusal = result.refusal or "unknown"
        expired_at = result.expired_at.isoformat() if result.expired_at else ""
        return _unauthorized(
            _REFUSALS[refusal].format(expired_at=expired_at),
            error=_ERRORS.get(refusal, f"{refusal}_api_key"),
            challenge_error="invalid_token",
        )
    key = result.api_key
    principal = Principal(
        issuer_id=key.issuer_id,
        api_key_id=key.id,
        api_key_name=key.name,
        actor=f"api-key:{key.display_prefix}",
        issuer_record=key.issuer,
        scopes=key.scopes,
    )
    now = datetime.now(UTC)
    if api_keys.needs_last_used_update(key, now):
        with write_transaction(db.session):
            api_keys.touch_last_used(key.id, now)
    return principal


def authenticate_request() -> Principal | UnauthorizedError:
    """The request's principal, or the 401 to answer with (computed once per request).

    The database being unavailable is remembered too and raised again (the edge answers
    503): the rate limiter's key and the view both ask, and a hung database must not be
    waited for twice.
    """
    if _ENVIRON_KEY not in request.environ:
        try:
            request.environ[_ENVIRON_KEY] = _authenticate()
        except DATABASE_UNAVAILABLE as exc:
            request.environ[_ENVIRON_KEY] = exc
    result: Principal | UnauthorizedError | Exception = request.environ[_ENVIRON_KEY]
    if isinstance(result, DATABASE_UNAVAILABLE):
        raise result
    return result  # type: ignore[return-value]  # Principal or UnauthorizedError


def current_principal() -> Principal:
    """The authenticated principal; raises the 401 if the request has none."""
    result = authenticate_request()
    if isinstance(result, UnauthorizedError):
        raise result
    return result


def require_scope(scope: str) -> Principal:
    """The authenticated principal if its key has ``scope``; 401 or 403 otherwise."""
    principal = current_principal()
    if scope not in principal.scopes:
        granted = " ".join(s for s in SCOPES if s in principal.scopes) or "none"
        raise ForbiddenError(
            f"This API key lacks the {scope!r} scope that {request.method} {request.path} "
            f"needs (it has: {granted}); create a key with --scope {scope}.",
            code="insufficient_scope",
            challenge=f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"',
        )
    return principal


def rate_limit_key() -> str:
    """Per API key when the key is valid, else per client address (guessing keys is not free)."""
    try:
        result = authenticate_request()
    except DATABASE_UNAVAILABLE:
        # Not the limiter's failure: flask-limiter would take it for its storage's (and
        # loop between its fallback and recovery). The view's authentication raises it.
        return f"ip:{remote_address()}"
    if isinstance(result, Principal):
        return f"api-key:{result.api_key_id}"
    return f"ip:{remote_address()}"
