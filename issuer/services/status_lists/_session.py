"""The session's connection, for Core statements on the hot paths."""

from __future__ import annotations

from typing import Any

from microcred.platform.extensions import db


def session_connection() -> Any:
    # Core statements on the session's connection: the ORM's per-statement bookkeeping
    # would cost more than the queries themselves on the issuance path.
    return db.session.connection()
