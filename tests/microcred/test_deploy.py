"""Deploying: where the instance folder lives, and the extras the production settings need."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
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


def _readme_production_exports() -> dict[str, str]:
    """The variables the README's "Running in production" block exports, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Running in production")[1].split("\n## ")[0]
    match = re.search(r"^export (.*?[^\\])$", section, re.DOTALL | re.MULTILINE)
    assert match is not None, "no export in the README's production block"
    return dict(word.split("=", 1) for word in shlex.split(match[1].replace("\\\n", " ")))


def test_init_with_the_readme_production_exports(runner: CliRun) -> None:
    """The README's production exports, on the machine's Redis (the redis extra is in the
    lock) and the test database; the placeholders (…) filled in with test values. They
    once made `microcred init` crash with a traceback."""
    exports = _readme_production_exports()
    assert exports["RATELIMIT_STORAGE_URI"] == REDIS
    filled = {
        "DATABASE_URL": runner.env["DATABASE_URL"],
        "SECRET_KEY": runner.env["SECRET_KEY"],
        "MICROCRED_KEY_PASSPHRASE": runner.env["MICROCRED_KEY_PASSPHRASE"],
    }
    assert {name for name, value in exports.items() if "…" in value} == set(filled)
    runner.env.update({**exports, **filled, "RATELIMIT_ENABLED": "true"})
    result = runner("init")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "instance folder:" in result.stdout
    base_url = exports["MICROCRED_BASE_URL"]
    assert f"base URL:        {base_url} (recorded)" in result.stdout


# --- what the docs and the packaging promise (issue 16, "Deploy") -------------------------

#: The gunicorn config argument that works from a wheel install as well as from a checkout.
GUNICORN_CONFIG = "-c python:microcred.gunicorn_conf"


def _fenced_lines(markdown: str) -> list[str]:
    """The lines of a Markdown text's fenced code blocks: the commands it tells one to run."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", markdown, re.DOTALL | re.MULTILINE)
    return [line for block in blocks for line in block.splitlines()]


@pytest.mark.parametrize("doc", ["README.md", "docs/DEPLOYMENT.md"])
def test_every_documented_gunicorn_command_works_from_an_install(doc: str) -> None:
    # `-c microcred/gunicorn_conf.py` is a path that only a checkout has: from a wheel
    # install gunicorn fails to start with it.
    commands = [
        line
        for line in _fenced_lines((ROOT / doc).read_text(encoding="utf-8"))
        if re.search(r"(^|\s)gunicorn\s", line) and not line.lstrip().startswith("#")
    ]
    assert commands, f"{doc} shows no gunicorn command"
    for line in commands:
        assert GUNICORN_CONFIG in line, f"{doc}: {line.strip()}"


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_redis_extra_is_declared_and_locked() -> None:
    # RATELIMIT_STORAGE_URI=redis://… needs the redis package: an extra, pinned in the lock.
    (pin,) = _pyproject()["project"]["optional-dependencies"]["redis"]
    assert re.fullmatch(r"redis==[0-9.]+", pin), pin
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
    assert pin in lock
    assert "--extra=redis" in next(line for line in lock if "pip-compile --" in line)


def test_the_build_backend_has_a_bounded_range_and_an_spdx_license() -> None:
    # A table-form project.license is deprecated (setuptools stops building it after
    # 2027-02-18): the SPDX string needs setuptools>=77, and an upper bound keeps a future
    # setuptools from breaking the build.
    project = _pyproject()
    assert isinstance(project["project"]["license"], str)
    (backend,) = project["build-system"]["requires"]
    requirement = re.fullmatch(r"setuptools>=(\d+),<(\d+)", backend)
    assert requirement is not None, backend
    assert int(requirement[1]) >= 77


def test_make_run_with_a_port_serves_under_that_ports_base_url(tmp_path: Path) -> None:
    # `make run PORT=…` once minted the demo issuer's did:web for :5000, so its own
    # credentials read "Not valid" on the port actually served. A stand-in venv whose
    # microcred prints the base URL each step sees.
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "microcred"
    fake.write_text('#!/bin/sh\necho "$1 $MICROCRED_BASE_URL"\n')
    fake.chmod(0o755)
    (venv / ".installed").touch()  # newer than the lock: make installs nothing
    environ = {k: v for k, v in os.environ.items() if k != "MICROCRED_BASE_URL"}
    done = subprocess.run(
        ["make", "-s", "-o", "system-deps", "run", f"VENV={venv}", "PORT=5123"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split("\n")[:3] == [
        "init http://127.0.0.1:5123",
        "demo http://127.0.0.1:5123",
        "serve http://127.0.0.1:5123",
    ]
