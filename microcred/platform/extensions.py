"""Flask extensions, created unbound here and bound to an app by ``create_app``.

Nothing in this module reads configuration: the app factory calls ``init_app``, and rate
limits are callables that read the app's config per request.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy

from microcred.platform.db import Base
from microcred.platform.errors import ErrorSchema


class MicrocredApi(Api):  # type: ignore[misc]  # flask-smorest ships no type hints
    """flask-smorest's Api with our error shape documented and our own error handlers.

    flask-smorest's handler answers ``{code, status, message}`` and drops the ``Allow``
    header of a 405; ``microcred.platform.errors`` handles every error instead.
    """

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        pass

    def _register_pagination_header(self) -> None:
        # Lists carry their pagination in the body (issuer.api.pagination), not in an
        # X-Pagination header: keep flask-smorest's unused schema out of the document.
        pass


def remote_address() -> str:
    """The client address (behind a proxy only when ProxyFix is configured to trust it)."""
    return request.remote_addr or "unknown"


db: SQLAlchemy = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = MicrocredApi()
limiter = Limiter(key_func=remote_address)


def _public_limit() -> str:
    return str(current_app.config["MICROCRED_PUBLIC_RATELIMIT"])


def limit_public(blueprint: Blueprint) -> None:
    """Rate-limit a blueprint of public endpoints per client address.

    All public blueprints share one budget (MICROCRED_PUBLIC_RATELIMIT), so a client cannot
    multiply its allowance by spreading requests over DID documents, verification pages…
    """
    limiter.shared_limit(_public_limit, scope="public", key_func=remote_address)(blueprint)


__all__ = ["api", "db", "limit_public", "limiter", "migrate", "remote_address"]
