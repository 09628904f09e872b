"""Alembic environment for Flask-Migrate (``microcred init`` runs ``upgrade``).

Custom types render as their plain SQLAlchemy equivalents, so revision files depend on
nothing in the application: a migration written today still runs after models move.
"""

import logging
from logging.config import fileConfig
from typing import Any

from alembic import context
from flask import current_app

from microcred.platform.db import UtcDateTime

config = context.config
# Configure alembic's own logging only when nothing else did (the CLI); under the app or
# pytest the existing handlers stay in place.
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
target_db = migrate_ext.db


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def get_metadata() -> Any:
    return target_db.metadatas[None] if hasattr(target_db, "metadatas") else target_db.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=target_db.engine.url.render_as_string(hide_password=False),
        target_metadata=get_metadata(),
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def process_revision_directives(context: Any, revision: Any, directives: Any) -> None:
        # An autogenerate without changes writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(migrate_ext.configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("compare_type", True)
    conf_args.setdefault("render_item", render_item)

    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode changes a SQLite table by copying it, dropping it and renaming the
            # copy. With foreign keys enforced, the drop deletes every row that refers to
            # the table through ON DELETE CASCADE: all of a provider's keys, credentials and
            # members when ``issuers`` is rebuilt (Alembic's "batch migrations" guide). The
            # pragma only takes effect outside a transaction, so it goes to the driver
            # before the migration's transaction begins.
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _refuse_dangling_references(connection)
        finally:
            if sqlite:
                # SQLite's DDL is not transactional for Alembic: each migration commits on
                # its own, and a read after them autobegins a transaction that would make
                # the pragma a no-op, leaving the pooled connection unenforced.
                if connection.in_transaction():
                    connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


def _sqlite_foreign_keys(connection: Any, *, on: bool) -> None:
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _refuse_dangling_references(connection: Any) -> None:
    """With enforcement off, a migration could leave a row pointing nowhere: check every
    table afterwards and fail loudly (the migrations ran, so restore the backup taken
    before upgrading; docs/DEPLOYMENT.md, "Upgrading")."""
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise RuntimeError(f"the migration left rows referring to missing rows: {dangling[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
