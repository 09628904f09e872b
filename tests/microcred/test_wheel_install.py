"""Install and run as documented: a wheel built from the tracked files, installed into a
fresh venv, initialised and served by gunicorn from an empty folder (docs/DEPLOYMENT.md).

The fresh venv reuses this venv's dependencies through a ``.pth`` line (no network, a few
seconds) and gets the wheel itself with ``--no-deps``; the tests check that microcred is
then imported from the wheel, not from this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREES = ("credentials", "issuer", "microcred", "sharing", "verifier", "templates")
#: What docs/DEPLOYMENT.md and the README tell an operator to run, word for word.
GUNICORN_ARGS = ("-c", "python:microcred.gunicorn_conf", "microcred.wsgi:app")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]


def _tracked(*paths: str) -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "--", *paths], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.split()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(the wheel, the build log), built as `python -m build` does (an sdist, then the wheel
    from it) from a copy of the tracked files: a fresh clone, with no stale build/ folder
    and no untracked file to slip in."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    for name in _tracked("."):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    out = work / "dist"
    build = subprocess.run(
        # sdist, then the wheel from the sdist: both must carry templates/ and be silent
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = build.stdout + build.stderr
    assert build.returncode == 0, log
    return next(out.glob("microcred-*.whl")), log


def test_build_has_no_warnings(built: tuple[Path, str]) -> None:
    _, log = built
    # "byte-compiling is disabled" only echoes PYTHONDONTWRITEBYTECODE; anything else
    # (a deprecated license table, a package missing from the list) fails.
    noise = re.compile(r"byte-compiling is disabled")
    warnings = [
        line
        for line in log.splitlines()
        if re.search(r"warn|deprecat", line, re.IGNORECASE) and not noise.search(line)
    ]
    assert warnings == []


def test_wheel_holds_every_tracked_file_of_the_packages(built: tuple[Path, str]) -> None:
    wheel, _ = built
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if ".dist-info/" not in n}
    expected = {
        "microcred_templates/" + name.removeprefix("templates/")
        if name.startswith("templates/")
        else name
        for name in _tracked(*TREES)
    }
    assert expected - shipped == set()  # templates, static, contexts, migrations
    assert shipped - expected == set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def installed(built: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel; its dependencies come from this venv."""
    wheel, _ = built
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--quiet", "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return venv


@pytest.fixture(scope="module")
def served(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """init + demo + gunicorn, run from an empty folder with a fresh HOME."""
    home = tmp_path_factory.mktemp("home")
    cwd = tmp_path_factory.mktemp("empty")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": f"{installed / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(home),
        "MICROCRED_BASE_URL": base,
        "MICROCRED_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "",
    }
    microcred = str(installed / "bin" / "microcred")

    def run(*args: str) -> str:
        done = subprocess.run(
            [microcred, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return done.stdout

    where = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import microcred; print(microcred.__file__)"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(str(installed)), where  # the wheel, not this checkout
    init = run("init")
    demo = run("demo")
    log = home / "gunicorn.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(installed / "bin" / "python"), "-m", "gunicorn", *GUNICORN_ARGS],
            cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310  # http only
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text()) from None
                time.sleep(0.2)
        yield {"base": base, "init": init, "demo": demo, "home": str(home), "cwd": str(cwd),
               "env": env}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_init_puts_the_instance_in_the_users_data_folder(
    served: dict[str, Any], installed: Path
) -> None:
    instance = Path(served["home"]) / ".local" / "share" / "microcred"
    assert f"instance folder: {instance}" in served["init"]
    assert (instance / "microcred.db").is_file()
    assert not any(installed.rglob("*.db"))  # nothing in the venv
    assert not any(Path(served["cwd"]).rglob("*.db"))


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310  # our own http URLs
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", exc.read()


def test_every_page_and_document_is_served_from_the_wheel(served: dict[str, Any]) -> None:
    base, demo = served["base"], served["demo"]
    urls = [base + "/", base + "/api/v1/docs", base + "/api/v1/openapi.json", base + "/verify"]
    # /v/<code>, the PDF, badges, JSON, profile, DID document (not the curl's API call)
    urls += [u for u in re.findall(rf"{re.escape(base)}/[^\s\"]+", demo) if "/api/" not in u]
    assert any("/v/" in url for url in urls)
    assert any(url.endswith(".pdf") for url in urls)
    answers = {url: _get(url) for url in urls}
    failed = {url: (status, body[:300]) for url, (status, _, body) in answers.items()
              if status != 200}  # fmt: skip
    assert failed == {}
    pdf = next(body for url, (_, _, body) in answers.items() if url.endswith(".pdf"))
    assert pdf.startswith(b"%PDF")
    page = next(body for url, (_, _, body) in answers.items() if "/v/" in url)
    assert b"Valid" in page or b"valid" in page


def test_gunicorn_refuses_a_base_url_the_issuers_were_not_minted_for(
    served: dict[str, Any], installed: Path
) -> None:
    port = _free_port()
    env = {**served["env"], "MICROCRED_BASE_URL": f"http://127.0.0.1:{port}",
           "MICROCRED_BIND": f"127.0.0.1:{port}"}  # fmt: skip
    refused = subprocess.run(
        [str(installed / "bin" / "python"), "-m", "gunicorn", *GUNICORN_ARGS],
        cwd=served["cwd"], env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    log = refused.stdout + refused.stderr
    assert f"microcred cannot start: MICROCRED_BASE_URL is http://127.0.0.1:{port}" in log
    assert f"--from {served['base']} --to http://127.0.0.1:{port}" in log
