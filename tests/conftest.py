"""Shared fixtures: the app on every database backend, its test client, the CLI runner and
test-data factories.

Backends: ``database`` is parametrized over SQLite (always) and PostgreSQL (when
``TEST_DATABASE_URL`` is set, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``;
otherwise those variants are skipped with the reason). Any test that uses ``app``,
``client``, ``runner`` or ``make`` therefore runs once per backend, with ids like
``test_x[sqlite]`` / ``test_x[postgresql]``.

Each pytest-xdist worker gets its own SQLite file and its own PostgreSQL database
(``microcred_test_<worker>_<pid>``, created through an admin connection to TEST_DATABASE_URL
and dropped at the end). The schema is built once per worker by running the Alembic
migrations; every test starts from empty tables (TRUNCATE / DELETE, not re-migration).

``app`` does not push an application context: requests made with ``client`` get their
own, as in production. Use ``make`` (``tests.issuer.factories.Factory``) to create data;
it returns plain values (ids, tokens), never ORM objects bound to a closed session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient

from credentials import key_wrapping
from microcred.app import create_app
from microcred.platform import MIGRATIONS_DIR
from microcred.platform.db import normalize_database_url
from microcred.platform.extensions import db
from tests.issuer.factories import Factory

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_PASSPHRASE = b"microcred-test-suite-passphrase"
TEST_SECRET_KEY = "microcred-test-suite-secret-key-0123456789"
TEST_BASE_URL = "https://microcred.example"


def app_config(database_url: str, tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """The configuration every test app starts from (overrides win)."""
    return {
        "MICROCRED_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "MICROCRED_KEY_PASSPHRASE": TEST_PASSPHRASE,
        "MICROCRED_BASE_URL": TEST_BASE_URL,
        "MICROCRED_KEYS_DIR": str(tmp_path / "keys"),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        **overrides,
    }


#: Argon2id at OWASP's cost takes ~40 ms per wrap and per unlock, and nearly every test
#: makes a provider (a wrap) and signs (an unlock): the suite wraps with the cheapest valid
#: parameters instead, as Django's test settings swap in a fast password hasher.
#: tests/credentials/test_key_wrapping.py checks the real ones.
TEST_KDF = key_wrapping.KdfParameters(memory_kib=64, iterations=1, lanes=1)


@pytest.fixture(autouse=True, scope="session")
def _fast_key_wrapping() -> Iterator[None]:
    with mock.patch.object(key_wrapping, "CURRENT_KDF", TEST_KDF):
        yield


# --- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    """A migrated database of one backend, private to this xdist worker."""

    backend: str
    url: str

    def reset(self) -> None:
        """Empty every table (the schema and alembic_version stay).

        DELETE, children first: on these tiny tables it takes ~10 ms where PostgreSQL's
        TRUNCATE of sixteen tables takes ~125 ms.
        """
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
        finally:
            engine.dispose()


def _migrate(url: str, tmp_path: Path) -> None:
    import flask_migrate

    app = create_app(app_config(url, tmp_path))
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        db.engine.dispose()


@pytest.fixture(scope="session")
def worker_name(worker_id: str) -> str:
    return "main" if worker_id == "master" else worker_id


@pytest.fixture(
    scope="session",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL)"
                ),
            ],
        ),
    ],
)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_name: str
) -> Iterator[Database]:
    tmp = tmp_path_factory.mktemp(f"db-{request.param}-{worker_name}")
    if request.param == "sqlite":
        database = Database("sqlite", f"sqlite:///{tmp / 'microcred-test.db'}")
        _migrate(database.url, tmp)
        yield database
        return
    admin_url = sa.engine.make_url(normalize_database_url(TEST_DATABASE_URL))
    # The process id keeps two runs on one server (two checkouts, say) out of each other's way.
    name = f"microcred_test_{worker_name}_{os.getpid()}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        database = Database(
            "postgresql", admin_url.set(database=name).render_as_string(hide_password=False)
        )
        _migrate(database.url, tmp)
        yield database
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


# --- the app ------------------------------------------------------------------------------


@pytest.fixture
def make_app(database: Database, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database with config overrides; engines are disposed after."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app(app_config(database.url, tmp_path, **overrides))
        apps.append(app)
        return app

    database.reset()
    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


# --- the CLI ------------------------------------------------------------------------------


@dataclass
class CliRun:
    """Runs ``microcred`` against the test database, with test secrets in the environment."""

    runner: CliRunner
    database_url: str
    keys_dir: Path
    env: dict[str, str]

    def __call__(self, *args: str, input: str | None = None) -> Result:
        import microcred.app
        from microcred.cli import cli

        # Record the apps the command creates, to close their database connections after.
        created: list[Flask] = []
        real_create_app = microcred.app.create_app

        def recording_create_app(*a: Any, **k: Any) -> Flask:
            created.append(real_create_app(*a, **k))
            return created[-1]

        options = ["--database-url", self.database_url, "--keys-dir", str(self.keys_dir)]
        try:
            with mock.patch.object(microcred.app, "create_app", recording_create_app):
                return self.runner.invoke(cli, [*options, *args], env=self.env, input=input)
        finally:
            for app in created:
                with app.app_context():
                    db.session.remove()
                    for engine in db.engines.values():
                        engine.dispose()


@pytest.fixture
def runner(database: Database, tmp_path: Path, app: Flask) -> CliRun:
    """``runner("issuers", "create", "acme", "--name", "Acme")`` → click Result."""
    env = {
        "MICROCRED_ENV": "testing",
        "MICROCRED_KEY_PASSPHRASE": TEST_PASSPHRASE.decode(),
        "SECRET_KEY": TEST_SECRET_KEY,
        "MICROCRED_BASE_URL": TEST_BASE_URL,
        "MICROCRED_INSTANCE_PATH": str(tmp_path / "instance"),
        "RATELIMIT_ENABLED": "false",
        "DATABASE_URL": database.url,
    }
    return CliRun(CliRunner(), database.url, tmp_path / "keys", env)


# --- one real browser per test process --------------------------------------------------------

#: Debian's Chromium, headless, with nothing that phones home (tests never reach the internet).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, shared by every browser test of a worker.

    Playwright's sync API allows one instance per thread, so the verifier's and the
    sharing pages' tests must share this one rather than start their own.
    """
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
