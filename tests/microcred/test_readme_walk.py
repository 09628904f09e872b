"""The README's curl walk, run as it stands against a served instance: `microcred init`
and `microcred demo` as `make run` does, the development server on a free port, then the
walk's fenced block in a second "shell" that has no MICROCRED_BASE_URL (its `issuers
create` must mint the DID for the port the service runs on)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("readme")]


def _walk() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From an empty database to a revocable credential (curl)")[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl, jq")
def test_the_readme_walk_runs_verbatim(tmp_path: Path) -> None:
    port = _free_port()
    (tmp_path / ".venv").symlink_to(BIN.parent)  # the walk calls .venv/bin/microcred
    shell = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MICROCRED_INSTANCE_PATH": str(tmp_path / "instance"),
        "PORT": str(port),
    }
    served = {**shell, "MICROCRED_BASE_URL": f"http://127.0.0.1:{port}"}
    for verb in ("init", "demo"):  # what `make run PORT=…` does first
        done = subprocess.run(
            [str(BIN / "microcred"), verb], cwd=tmp_path, env=served,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "microcred"), "serve", "--port", str(port)],
        cwd=tmp_path, env=served, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.2)
        walk = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", _walk()], cwd=tmp_path, env=shell,
            capture_output=True, text=True, timeout=240, check=False,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    out = walk.stdout
    # The last step is `microcred verify` of a revoked credential: exit status 1.
    assert walk.returncode == 1, walk.stdout + walk.stderr
    assert f'"did": "did:web:127.0.0.1%3A{port}:issuers:northwind"' in out
    assert "true" in out.split()  # progress: the evidence rule is met
    assert f"http://127.0.0.1:{port}/v/" in out
    verdicts = re.findall(r"\b(VALID|REVOKED)\b", out)
    assert verdicts[0] == "VALID", out
    assert verdicts[-1] == "REVOKED", out
    assert "Traceback" not in walk.stderr


def test_the_walk_names_the_tools_it_needs() -> None:
    # The walk pipes through jq and calls curl: a fresh machine may have neither.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    prose = readme.split("## From an empty database to a revocable credential (curl)")[1]
    prose = prose.split("```sh")[0]
    assert "`curl` and `jq`" in prose
    assert "apt-get install curl jq" in prose
    walk = _walk()
    assert re.search(r"\bcurl -sf\b", walk)
    assert re.search(r"\| jq\b", walk)


def test_the_walk_creates_nothing_the_demo_already_holds() -> None:
    # `make run` seeds the demo first: a handle or issuer slug it holds answers 409 in the walk.
    from issuer import demo

    walk = _walk()
    handles = re.findall(r'"handle": "([^"]+)"', walk)
    assert handles
    assert demo.FREELANCER["handle"] not in handles
    (slug,) = re.findall(r"microcred issuers create (\S+)", walk)
    assert slug != demo.ISSUER_SLUG
