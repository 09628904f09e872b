"""The errors services raise when they refuse a request: one tree, no HTTP framework.

Every class here is a ``credentials.errors.MicrocredError``: it carries a stable ``code``
(each class has a default; a raise may name a more precise one), a ``message`` for people,
the ``field`` at fault and, through its class, the HTTP status. Services, the CLI and the
views raise these and nothing from werkzeug; ``microcred.platform.errors`` is the one place
that turns them into a problem+json body or an HTML page (``handle_microcred_error``), and
the CLI prints the message. This module imports neither Flask nor werkzeug, so a service
can be called — and its refusals caught — outside any request.

- ``InvalidInputError``      400 ``invalid_input``: input that cannot be processed
- ``UnauthorizedError``      401 ``unauthorized``: no credential (API key), or a bad one
- ``ForbiddenError``         403 ``forbidden``: the caller may not do this
- ``NotFoundError``          404 ``not_found``: an unknown id (or another provider's)
- ``ConflictError``          409 ``conflict``: clashes with the current state
- ``PayloadTooLargeError``   413 ``payload_too_large``: a body over the limit
- ``UnsupportedMediaError``  415 ``unsupported_media``: a body of the wrong kind
- ``UnprocessableError``     422 ``validation_failed``: well-formed input breaking a rule

The core's own errors (``CredentialValidationError``, ``SigningError``, ``KeyStoreError``
...) are raised as they are; those re-exported here from ``credentials.errors`` are the
same classes, so catching either name catches both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from credentials.errors import (
    ConflictError,
    InvalidInputError,
    MicrocredError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaError,
)

__all__ = [
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "MicrocredError",
    "NotFoundError",
    "PayloadTooLargeError",
    "UnauthorizedError",
    "UnprocessableError",
    "UnsupportedMediaError",
]


class UnauthorizedError(MicrocredError):
    """The request carries no credential, or one that is not valid (RFC 6750's 401).

    ``challenge`` is the authentication scheme's challenge, e.g. ``Bearer realm="x"``; the
    edge sends it as ``WWW-Authenticate``."""

    code = "unauthorized"
    http_status = 401

    def __init__(
        self,
        message: str,
        *,
        challenge: str,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.challenge = challenge


class ForbiddenError(MicrocredError):
    """The caller is known (or needs no identity) but may not do this.

    ``challenge``, when given, goes out as ``WWW-Authenticate`` (RFC 6750's
    ``insufficient_scope``)."""

    code = "forbidden"
    http_status = 403

    def __init__(
        self,
        message: str,
        *,
        challenge: str | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.challenge = challenge


class UnprocessableError(InvalidInputError):
    """Well-formed input that breaks a rule (a duplicate name, an impossible date range).

    ``errors`` maps every field at fault to its messages, for refusals that name several
    (the evidence rule, a schema's checks); by default it is ``{field: [message]}``."""

    code = "validation_failed"
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
        code: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, field=field, details=details, code=code)
        self.errors = {name: list(texts) for name, texts in (errors or {}).items()}

    def field_errors(self) -> dict[str, list[str]]:
        return dict(self.errors) if self.errors else super().field_errors()
