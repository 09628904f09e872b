"""Faults of the services microcred stands on, and the endpoints that report them.

- The database down, frozen or overloaded: the request is answered 503 with the usual
  problem body (``error: database_unavailable``) and ``Retry-After``, as JSON on the APIs
  and as an error page in browsers. The timeouts in ``microcred.platform.db`` bound how
  long that takes; the pool is invalidated on a disconnect, so the service recovers by
  itself when the database returns.
- Redis (the rate-limit storage) down or frozen: requests carry on. flask-limiter counts
  limits per process in memory until Redis answers again (config.py sets
  RATELIMIT_IN_MEMORY_FALLBACK_ENABLED and RATELIMIT_SWALLOW_ERRORS) and logs the switch
  both ways on the ``microcred.ratelimit`` logger.
- ``/healthz`` checks each dependency and answers 503 while one is down; ``/livez`` says
  only that the process serves requests, and touches nothing.

docs/DEPLOYMENT.md ("Faults and health") is the operator's view of the same.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from microcred.platform.db import DATABASE_UNAVAILABLE
from microcred.platform.errors import error_response, problem_body
from microcred.platform.extensions import db, limiter

logger = logging.getLogger(__name__)

#: Seconds a client is asked to wait before retrying while a dependency is down.
RETRY_AFTER_SECONDS = 5

#: The endpoints the rate limiter leaves alone: probes must not wait on Redis.
PROBE_ENDPOINTS = frozenset({"healthz", "livez"})

_REDIS_SCHEMES = ("redis", "rediss", "valkey")


def handle_database_unavailable(exc: Exception) -> Response:
    _discard_session()
    logger.warning("database unavailable on %s %s: %s", request.method, request.path, _reason(exc))
    body = problem_body(
        503,
        "The database is unavailable or did not answer in time; retry in a few seconds.",
        error="database_unavailable",
    )
    return error_response(body, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _discard_session() -> None:
    # A lost connection is already invalidated, so this rollback does no I/O; after a
    # cancelled statement it ends the failed transaction.
    try:
        db.session.rollback()
    except Exception as exc:  # the 503 must go out whatever state the session is in
        logger.warning("rollback after a database fault failed: %s", _reason(exc))


def _reason(exc: BaseException) -> str:
    """The driver's message, first line only (it may name hosts: server logs only)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


# --- health ---------------------------------------------------------------------------------


def livez() -> Response:
    """The process is up and serving; no dependency is touched (restart it if not)."""
    response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response


def healthz() -> Response:
    """Each dependency that requests need, checked now; 503 while any is down."""
    checks: dict[str, dict[str, Any]] = {"database": _timed(_check_database)}
    if _uses_redis():
        checks["redis"] = _timed(_check_redis)
    checks["keyStore"] = _timed(_check_key_store)
    down = sorted(name for name, check in checks.items() if check["status"] != "ok")
    response = jsonify(status="unavailable" if down else "ok", checks=checks)
    response.headers["Cache-Control"] = "no-store"
    if down:
        logger.warning("health check: %s down", ", ".join(down))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _timed(check: Callable[[], str | None]) -> dict[str, Any]:
    started = time.perf_counter()
    problem = check()
    result: dict[str, Any] = {"status": "down" if problem else "ok"}
    if problem:
        result["error"] = problem
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _check_database() -> str | None:
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("health check: database: %s", _reason(exc))
        return "unreachable or not answering"
    return None


def _uses_redis() -> bool:
    uri = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    return bool(current_app.config.get("RATELIMIT_ENABLED")) and uri.startswith(_REDIS_SCHEMES)


def _check_redis() -> str | None:
    # limits' check() pings and swallows every error; the socket timeouts bound it.
    if limiter.storage.check():
        return None
    return "unreachable or not answering (rate limits are counted per process meanwhile)"


def _check_key_store() -> str | None:
    directory = Path(str(current_app.config["MICROCRED_KEYS_DIR"]))
    if not directory.exists():
        return None  # created with the first issuer's key
    if not directory.is_dir() or not os.access(directory, os.R_OK | os.X_OK):
        logger.warning("health check: key store %s is not a readable directory", directory)
        return "not a readable directory"
    return None


def _is_probe() -> bool:
    return request.endpoint in PROBE_ENDPOINTS


def init_app(app: Flask) -> None:
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, handle_database_unavailable)
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/livez", "livez", livez)
    # flask-limiter's own logger has a NullHandler, which keeps its "storage unreachable"
    # warning out of Python's last-resort stderr output: log under our name instead.
    limiter.logger = logging.getLogger("microcred.ratelimit")
    _exempt_probes_from_rate_limits()


@functools.cache  # once per process: one limiter serves every app the process builds
def _exempt_probes_from_rate_limits() -> None:
    limiter.request_filter(_is_probe)
