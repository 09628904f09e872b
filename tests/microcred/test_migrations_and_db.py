"""The Alembic migrations build exactly the models' schema; connection settings per backend."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect, text

from microcred.app import create_app
from microcred.platform import MIGRATIONS_DIR
from microcred.platform.extensions import db
from tests.conftest import Database, app_config


def test_migrated_schema_matches_the_models(app: Flask, database: Database) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"{database.backend}: write a migration for {differences}"


def test_migrations_run_down_and_up_again(tmp_path: Path) -> None:
    app = create_app(app_config(f"sqlite:///{tmp_path / 'roundtrip.db'}", tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        assert "issued_credentials" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(directory=str(MIGRATIONS_DIR), revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        assert "status_allocations" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_a_table_rebuilt_on_sqlite_keeps_the_rows_that_refer_to_it(tmp_path: Path) -> None:
    # 0010e rebuilds ``issuers`` on SQLite (a new CHECK constraint); with foreign keys
    # enforced, dropping the old table cascaded to every provider's API keys, credentials
    # and members. A provider and its key must come through every migration above 0009a.
    app = create_app(app_config(f"sqlite:///{tmp_path / 'rebuild.db'}", tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR), revision="0009a_console_certs")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO issuers (id, slug, name, did, did_method, created_at, "
                    "updated_at) VALUES (1, 'old', 'Old', 'did:web:old.example', 'web', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO api_keys (id, issuer_id, name, prefix, secret_hash, "
                    "created_at, created_by, scopes) VALUES (1, 1, 'k', 'keep0001', 'x', "
                    "'2026-01-01 00:00:00', 'cli', 'read')"
                )
            )
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT prefix FROM api_keys")).scalars().all() == [
                "keep0001"
            ]
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_status_index_uniqueness_is_a_database_constraint(app: Flask) -> None:
    with app.app_context():
        constraints = inspect(db.engine).get_unique_constraints("status_allocations")
    assert ["status_list_id", "index"] in [c["column_names"] for c in constraints]


def test_connection_settings(app: Flask, database: Database) -> None:
    with app.app_context():
        if database.backend == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        else:
            assert db.engine.dialect.driver == "psycopg"
            assert db.engine.pool._pre_ping is True
        db.session.remove()
