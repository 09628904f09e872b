"""Configuration from the environment, and production's refusal of unsafe settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from credentials.errors import ConfigurationError
from credentials.keys import DEV_PASSPHRASE
from microcred.app import create_app
from microcred.platform.config import DEV_SECRET_KEY, load_config
from microcred.platform.db import engine_options, normalize_database_url

STRONG_SECRET = "k3Q9x7Vb2mP8wR4tY6uZ1aS5dF0gH3jL"
STRONG_PASSPHRASE = "a long and secret production passphrase"

CONFIG_VARIABLES = (
    "MICROCRED_ENV",
    "DATABASE_URL",
    "MICROCRED_BASE_URL",
    "SECRET_KEY",
    "MICROCRED_KEY_PASSPHRASE",
    "MICROCRED_KEYS_DIR",
    "MICROCRED_ALLOW_PRIVATE_FETCH",
    "RATELIMIT_ENABLED",
    "RATELIMIT_STORAGE_URI",
    "MAX_CONTENT_LENGTH",
    "MICROCRED_API_MAX_BODY",
    "MICROCRED_INSTANCE_PATH",
    "MICROCRED_DB_CONNECT_TIMEOUT",
    "MICROCRED_DB_STATEMENT_TIMEOUT",
    "MICROCRED_DB_BUSY_TIMEOUT",
    "MICROCRED_REDIS_TIMEOUT",
)


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment: only what a test sets is there."""
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCRED_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def _production(environ: pytest.MonkeyPatch, **values: str) -> None:
    settings = {
        "MICROCRED_ENV": "production",
        "SECRET_KEY": STRONG_SECRET,
        "MICROCRED_KEY_PASSPHRASE": STRONG_PASSPHRASE,
        "MICROCRED_BASE_URL": "https://creds.example.org",
        **values,
    }
    for name, value in settings.items():
        if value:
            environ.setenv(name, value)
        else:
            environ.delenv(name, raising=False)


def test_development_defaults(environ: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = create_app()
    assert app.config["MICROCRED_ENV"] == "development"
    assert app.config["MICROCRED_BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.config["MICROCRED_KEY_PASSPHRASE"] == DEV_PASSPHRASE
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///microcred.db"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    assert app.config["MICROCRED_API_MAX_BODY"] == 1024 * 1024
    assert app.instance_path == str(tmp_path / "instance")
    assert Path(app.config["MICROCRED_KEYS_DIR"]).is_absolute()


def test_sqlite_default_lives_in_the_instance_folder(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from microcred.platform.extensions import db

    app = create_app()
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "instance" / "microcred.db")
        db.engine.dispose()


def test_environment_values_are_read(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("MICROCRED_BASE_URL", "https://creds.example.org/")
    environ.setenv("DATABASE_URL", "postgres://u:p@db.internal/microcred")
    environ.setenv("RATELIMIT_STORAGE_URI", "redis://cache:6379/0")
    environ.setenv("MICROCRED_API_MAX_BODY", "2048")
    environ.setenv("RATELIMIT_ENABLED", "off")
    environ.setenv("MICROCRED_DB_CONNECT_TIMEOUT", "4.5")
    environ.setenv("MICROCRED_DB_STATEMENT_TIMEOUT", "0.25")
    environ.setenv("MICROCRED_REDIS_TIMEOUT", "0.5")
    app = create_app()
    assert app.config["MICROCRED_BASE_URL"] == "https://creds.example.org"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.internal/microcred"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_timeout": 4.5,
        "connect_args": {"connect_timeout": 5, "options": "-c statement_timeout=250"},
    }
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert app.config["RATELIMIT_STORAGE_OPTIONS"] == {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    assert app.config["MICROCRED_API_MAX_BODY"] == 2048
    assert app.config["RATELIMIT_ENABLED"] is False


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/microcred.db", "sqlite:////var/lib/microcred.db"),
    ],
)
def test_database_urls_use_psycopg3(given: str, expected: str) -> None:
    assert normalize_database_url(given) == expected


def test_engine_options_per_backend() -> None:
    # The documented defaults: a 2 s connect timeout (libpq's least), 3 s statements.
    assert engine_options("postgresql+psycopg://h/db") == {
        "pool_pre_ping": True,
        "pool_timeout": 2.0,
        "connect_args": {"connect_timeout": 2, "options": "-c statement_timeout=3000"},
    }
    assert engine_options("sqlite:///x.db") == {}


@pytest.mark.parametrize(
    "name",
    [
        "MICROCRED_DB_CONNECT_TIMEOUT",
        "MICROCRED_DB_STATEMENT_TIMEOUT",
        "MICROCRED_DB_BUSY_TIMEOUT",
        "MICROCRED_REDIS_TIMEOUT",
    ],
)
@pytest.mark.parametrize("value", ["soon", "0", "-1", "7200"])
def test_timeouts_must_be_positive_seconds(
    environ: pytest.MonkeyPatch, name: str, value: str
) -> None:
    environ.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        create_app()


def test_overrides_win_over_the_environment(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("MICROCRED_BASE_URL", "https://from-env.example")
    app = create_app({"MICROCRED_BASE_URL": "https://override.example"})
    assert app.config["MICROCRED_BASE_URL"] == "https://override.example"


def test_production_with_real_secrets_starts(environ: pytest.MonkeyPatch) -> None:
    _production(environ)
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG_SECRET
    assert app.config["MICROCRED_KEY_PASSPHRASE"] == STRONG_PASSPHRASE.encode()


def test_production_allows_http_on_localhost(environ: pytest.MonkeyPatch) -> None:
    _production(environ, MICROCRED_BASE_URL="http://localhost:8000")
    assert create_app().config["MICROCRED_BASE_URL"] == "http://localhost:8000"


@pytest.mark.parametrize(
    ("settings", "field", "words"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY", "must be set"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY", "development"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY", "too short"),
        ({"MICROCRED_KEY_PASSPHRASE": ""}, "MICROCRED_KEY_PASSPHRASE", "must be set"),
        (
            {"MICROCRED_KEY_PASSPHRASE": DEV_PASSPHRASE.decode()},
            "MICROCRED_KEY_PASSPHRASE",
            "development",
        ),
        ({"MICROCRED_BASE_URL": "http://creds.example.org"}, "MICROCRED_BASE_URL", "https"),
        ({"MICROCRED_ALLOW_PRIVATE_FETCH": "true"}, "MICROCRED_ALLOW_PRIVATE_FETCH", "development"),
    ],
    ids=[
        "no-secret-key",
        "dev-secret-key",
        "short-secret-key",
        "no-passphrase",
        "dev-passphrase",
        "public-http-base-url",
        "private-fetch",
    ],
)
def test_production_refuses_unsafe_settings(
    environ: pytest.MonkeyPatch, settings: dict[str, str], field: str, words: str
) -> None:
    _production(environ, **settings)
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    assert caught.value.field == field
    assert words in caught.value.message


def test_production_refusal_applies_to_overrides_too(environ: pytest.MonkeyPatch) -> None:
    _production(environ)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": DEV_SECRET_KEY})


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("MICROCRED_ENV", "staging", "one of"),
        ("RATELIMIT_ENABLED", "perhaps", "true or false"),
        ("MAX_CONTENT_LENGTH", "ten", "integer"),
        ("MICROCRED_API_MAX_BODY", "10", "at least"),
        ("MICROCRED_BASE_URL", "creds.example.org", "absolute"),
    ],
)
def test_malformed_values_are_named(
    environ: pytest.MonkeyPatch, name: str, value: str, words: str
) -> None:
    environ.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        create_app()
    assert caught.value.field == name
    assert words in caught.value.message


def test_nothing_is_read_at_import_time() -> None:
    # load_config is a pure function of the mapping it is given.
    config = load_config({"MICROCRED_ENV": "testing"})
    assert config["TESTING"] is True
    assert config["RATELIMIT_ENABLED"] is False


def test_production_refuses_a_short_key_passphrase_at_startup(
    environ: pytest.MonkeyPatch,
) -> None:
    _production(environ, MICROCRED_KEY_PASSPHRASE="only11chars")
    with pytest.raises(ConfigurationError, match="MICROCRED_KEY_PASSPHRASE has 11 characters"):
        create_app()
    _production(environ, MICROCRED_KEY_PASSPHRASE="twelve chars")
    assert create_app().config["MICROCRED_KEY_PASSPHRASE"] == b"twelve chars"


def test_production_refuses_a_one_character_key_passphrase(environ: pytest.MonkeyPatch) -> None:
    # Issue 16 found production starting with MICROCRED_KEY_PASSPHRASE=x.
    _production(environ, MICROCRED_KEY_PASSPHRASE="x")
    with pytest.raises(ConfigurationError, match="MICROCRED_KEY_PASSPHRASE has 1 character"):
        create_app()


def test_testing_keeps_short_key_passphrases(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("MICROCRED_ENV", "testing")
    environ.setenv("MICROCRED_KEY_PASSPHRASE", "short")
    assert create_app().config["MICROCRED_KEY_PASSPHRASE"] == b"short"
