"""gunicorn's control socket: one per instance, private, never the shared per-user path."""

from __future__ import annotations

import os
import runpy
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from microcred import gunicorn_conf

CONF = Path(gunicorn_conf.__file__)


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("MICROCRED_CONTROL_SOCKET", "MICROCRED_INSTANCE_PATH", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_the_socket_lives_in_the_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = _settings(monkeypatch, MICROCRED_INSTANCE_PATH=str(tmp_path / "a"))
    second = _settings(monkeypatch, MICROCRED_INSTANCE_PATH=str(tmp_path / "b"))
    assert first["control_socket"] == str(tmp_path / "a" / "gunicorn.ctl")
    assert second["control_socket"] == str(tmp_path / "b" / "gunicorn.ctl")
    assert first["control_socket_mode"] == 0o600
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700


def test_never_the_shared_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = _settings(monkeypatch, XDG_RUNTIME_DIR=str(tmp_path))
    assert settings["control_socket"] != str(tmp_path / "gunicorn.ctl")
    assert settings["control_socket"].endswith("gunicorn.ctl")


def test_explicit_path_and_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chosen = str(tmp_path / "ctl.sock")
    assert _settings(monkeypatch, MICROCRED_CONTROL_SOCKET=chosen)["control_socket"] == chosen
    off = _settings(monkeypatch, MICROCRED_CONTROL_SOCKET="off")
    assert off["control_socket_disable"] is True
    assert "control_socket" not in off


def test_a_deep_instance_folder_gets_a_hashed_socket_in_a_private_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    runtime = tmp_path / "run"
    runtime.mkdir()
    one = _settings(monkeypatch, MICROCRED_INSTANCE_PATH=str(deep), XDG_RUNTIME_DIR=str(runtime))
    other = _settings(
        monkeypatch, MICROCRED_INSTANCE_PATH=str(deep / "x"), XDG_RUNTIME_DIR=str(runtime)
    )
    path = Path(one["control_socket"])
    assert path.parent == runtime / "microcred"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert one["control_socket"] != other["control_socket"]
    assert path.name.startswith("gunicorn-")
    assert len(path.name) == len("gunicorn-.ctl") + 16


def test_a_shared_runtime_directory_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime = tmp_path / "run"
    (runtime / "microcred").mkdir(parents=True)
    (runtime / "microcred").chmod(0o777)
    with pytest.raises(RuntimeError, match="not a private directory"):
        _settings(
            monkeypatch,
            MICROCRED_INSTANCE_PATH=str(tmp_path / ("d" * 120)),
            XDG_RUNTIME_DIR=str(runtime),
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no control socket at {path}:\n{log.read_text()}")
        time.sleep(0.1)


def test_two_instances_on_one_machine_each_keep_their_own_socket(tmp_path: Path) -> None:
    started = []
    try:
        for name in ("one", "two"):
            env = {
                **os.environ,
                "MICROCRED_ENV": "development",
                "MICROCRED_INSTANCE_PATH": str(tmp_path / name),
                "MICROCRED_BIND": f"127.0.0.1:{_free_port()}",
                "WEB_CONCURRENCY": "1",
                "XDG_RUNTIME_DIR": str(tmp_path),  # where gunicorn's own default would go
            }
            env.pop("MICROCRED_CONTROL_SOCKET", None)
            command = [sys.executable, "-m", "gunicorn", "-c", f"python:{gunicorn_conf.__name__}"]
            log = tmp_path / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [*command, "microcred.wsgi:app"],
                    env=env,
                    cwd=tmp_path,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            _wait_for(tmp_path / name / "gunicorn.ctl", process, log)
        for name in ("one", "two"):
            ctl = tmp_path / name / "gunicorn.ctl"
            assert stat.S_ISSOCK(ctl.stat().st_mode)
            assert stat.S_IMODE(ctl.stat().st_mode) == 0o600
        assert not (tmp_path / "gunicorn.ctl").exists()
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
