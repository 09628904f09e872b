"""Deploying: where the instance folder lives, and the extras the production settings need."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from credentials.errors import ConfigurationError
from microcred.platform import config
from microcred.platform.config import instance_path_from_env
from tests.conftest import CliRun, app_config

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"


def test_instance_path_from_the_environment_wins(tmp_path: Path) -> None:
    environ = {"MICROCRED_INSTANCE_PATH": str(tmp_path / "x"), "XDG_DATA_HOME": "/elsewhere"}
    assert instance_path_from_env(environ) == str(tmp_path / "x")


def test_a_checkout_keeps_its_instance_folder() -> None:
    assert instance_path_from_env({}) == str(ROOT / "instance")


def test_an_install_uses_the_users_data_folder_never_the_venv(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Installed: two folders up from microcred/platform/ is site-packages, no pyproject.toml.
    monkeypatch.setattr(config, "_CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert instance_path_from_env({"XDG_DATA_HOME": "/data"}) == "/data/microcred"
    assert instance_path_from_env({"XDG_DATA_HOME": "relative"}) == str(
        tmp_path / "home" / ".local" / "share" / "microcred"
    )
    assert instance_path_from_env({}) == str(tmp_path / "home" / ".local" / "share" / "microcred")


def _without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes both `import redis` and importlib's find_spec say "not installed".
    monkeypatch.setitem(sys.modules, "redis", None)


def test_redis_storage_without_the_redis_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from microcred.app import create_app

    _without_redis(monkeypatch)
    settings: dict[str, Any] = app_config("sqlite://", tmp_path, RATELIMIT_STORAGE_URI=REDIS)
    with pytest.raises(ConfigurationError, match=r"pip install 'microcred\[redis\]'"):
        create_app(settings)


def test_init_with_redis_storage_and_no_redis_package_is_one_error_line(
    runner: CliRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_redis(monkeypatch)
    runner.env["RATELIMIT_STORAGE_URI"] = REDIS
    result = runner("init")
    assert result.exit_code == 1
    assert "microcred[redis]" in result.stderr
    assert "Traceback" not in result.output


def test_init_with_the_readme_production_exports(runner: CliRun) -> None:
    """The README's production exports, on the machine's Redis (the redis extra is in the
    lock) and the test database."""
    runner.env.update(
        MICROCRED_ENV="production",
        MICROCRED_BASE_URL="https://creds.example.com",
        RATELIMIT_STORAGE_URI=REDIS,
        RATELIMIT_ENABLED="true",
    )
    result = runner("init")
    assert result.exit_code == 0, result.output
    assert "instance folder:" in result.stdout
    assert "base URL:        https://creds.example.com (recorded)" in result.stdout
