"""``@idempotent``: one transaction per mutating request, replayable with ``Idempotency-Key``.

Usage (outermost below ``route``, so it sees the finished response)::

    @blp.route("", methods=["POST"])
    @idempotent
    @blp.arguments(ThingInSchema)
    @blp.response(201, ThingSchema)
    def create_thing(data): ...

Without the header the view simply runs in one transaction (committed on 2xx, rolled back
otherwise). With it:

- first use: the view runs; on 2xx its response (status, body, Content-Type, Location) is
  stored in the *same* transaction as the change, so either both exist or neither does;
- same key, same request (method, path, canonical JSON body): the stored response is
  replayed byte for byte with ``Idempotent-Replayed: true``; nothing runs again;
- same key, different request: 422 ``idempotency_key_reused``;
- two concurrent first uses: UNIQUE (issuer, key) lets one commit; the other fails
  (on the record, or earlier on the winner's change) and replays the winner's response.

Failed requests (4xx/5xx) are not stored: they changed nothing, so retrying with the same
key after fixing the cause is allowed. Records expire after
``MICROCRED_IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import Response, current_app, request
from sqlalchemy import delete, select

from issuer.auth import current_principal
from issuer.models import IdempotencyRecord
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import InvalidInputError, UnprocessableError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
#: Visible ASCII, 1-255 characters (a UUID is the usual choice).
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
_STORED_HEADERS = ("Content-Type", "Location")

F = TypeVar("F", bound=Callable[..., Any])


def request_fingerprint() -> str:
    """SHA-256 of method, path, query and the body (canonical JSON when it parses)."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(
            json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")
    except ValueError:
        body = raw
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode("utf-8") + b"\n")
    digest.update(body)
    return digest.hexdigest()


def _read_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidInputError(
            f"The {HEADER} header must be 1-255 visible ASCII characters (a UUID works).",
            code="invalid_idempotency_key",
            field=HEADER,
        )
    return key


def _find(issuer_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.issuer_id == issuer_id, IdempotencyRecord.key == key
        )
    )


def _cutoff() -> datetime:
    ttl = timedelta(hours=current_app.config.get("MICROCRED_IDEMPOTENCY_TTL_HOURS", 24))
    return datetime.now(UTC) - ttl


def _expired(record: IdempotencyRecord) -> bool:
    return record.created_at < _cutoff()


def _replay(record: IdempotencyRecord, fingerprint: str, key: str) -> Response:
    if record.fingerprint != fingerprint:
        raise UnprocessableError(
            f"{HEADER} {key!r} was already used for a different request "
            f"(first: {record.method} {record.path}); use a new key for a new request.",
            code="idempotency_key_reused",
            field=HEADER,
        )
    response = current_app.response_class(record.response_body, status=record.status_code)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _store(issuer_id: int, key: str, fingerprint: str, response: Response) -> None:
    # An expired record with this key gives way. Only expired ones: a live record that a
    # concurrent request just committed must make our insert fail (and replay), not vanish.
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.issuer_id == issuer_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at < _cutoff(),
        )
    )
    db.session.add(
        IdempotencyRecord(
            issuer_id=issuer_id,
            key=key,
            fingerprint=fingerprint,
            method=request.method,
            path=request.full_path.rstrip("?"),
            status_code=response.status_code,
            response_body=response.get_data(as_text=True),
            response_headers={
                h: response.headers[h] for h in _STORED_HEADERS if h in response.headers
            },
        )
    )
    db.session.flush()  # a concurrent first use fails here, inside the transaction


def idempotent(view: F) -> F:
    """Run a mutating view in one transaction; replay it for a repeated Idempotency-Key."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        principal = current_principal()
        key = _read_key()
        fingerprint = request_fingerprint() if key else ""
        if key is not None:
            stored = _find(principal.issuer_id, key)
            if stored is not None and not _expired(stored):
                return _replay(stored, fingerprint, key)
        try:
            with write_transaction(db.session):
                response = current_app.make_response(view(*args, **kwargs))
                if not 200 <= response.status_code < 300:
                    db.session.rollback()
                elif key is not None:
                    _store(principal.issuer_id, key, fingerprint, response)
        except Exception:
            # A concurrent request with this key may have won while this one ran; its
            # change makes this one fail (a unique slug, the record itself): replay it.
            winner = _find(principal.issuer_id, key) if key else None
            if winner is None:
                raise
            return _replay(winner, fingerprint, key or "")
        if key is not None and not 200 <= response.status_code < 300:
            winner = _find(principal.issuer_id, key)
            if winner is not None:
                return _replay(winner, fingerprint, key)
        return response

    # flask-smorest reads _apidoc: document the header on every idempotent operation.
    apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
    apidoc["idempotent"] = True
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
