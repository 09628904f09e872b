"""The platform: what every feature stands on, and nothing that is a feature.

- ``config``: settings from defaults, the instance file and ``MICROCRED_*`` variables;
- ``db``: the SQLAlchemy base, naming conventions and ``write_transaction``;
- ``errors``: the one error shape, and the edge that maps every error to problem+json
  for the APIs and to an HTML page for browsers;
- ``extensions``: the Flask extension objects (database, migrations, API, rate limiter);
- ``limits``: the edge's input limits (body size chunked or not, JSON nesting, NUL);
- ``outages``: the 503 answer when the database is unavailable, and /healthz and /livez;
- ``migrations/``: the Alembic scripts (``MIGRATIONS_DIR``).

It imports the core (``credentials``), Flask and SQLAlchemy, never a feature
(``issuer``, ``verifier``, ``sharing``) nor the composition root (``microcred.app``,
``microcred.cli``, ``microcred.wsgi``); import-linter's ``layers`` contract checks it.
"""

from __future__ import annotations

from pathlib import Path

#: The Alembic scripts, shipped in the wheel as package data.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

__all__ = ["MIGRATIONS_DIR"]
