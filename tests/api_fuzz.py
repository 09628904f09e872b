"""Schemathesis against the served OpenAPI document: zero 5xx, every response as documented.

The app is served on a loopback port by werkzeug's threaded server (real HTTP, so real
headers, chunking and bodies), a training provider and its API key are made first, and
``st run`` fetches ``/api/v1/openapi.json`` from it and runs every phase: the schema's
examples, the coverage phase's boundary and hostile values, random fuzzing, and stateful
sequences that follow the links between operations (a created freelancer's id used by the
next request). Checks: ``not_a_server_error`` and ``response_schema_conformance``.

- ``make test`` runs it derandomized with a small fixed budget (tests/issuer/test_api_fuzz.py).
- ``make fuzz-api`` runs it longer and seeded: ``python -m tests.api_fuzz --max-examples
  300 --seed 16`` (docs/ISSUING.md, "Input limits"). Any failure is printed with a curl
  command that reproduces it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

SEED = 16
CHECKS = "not_a_server_error,response_schema_conformance"
PHASES = "examples,coverage,fuzzing,stateful"
#: What the fuzzed app changes: verification may not wait long on a fuzzed did:web.
FUZZ_CONFIG = {"MICROCRED_VERIFY_DEADLINE": 2}


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` on a free loopback port (threaded werkzeug), yielding its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def schemathesis_command(
    base_url: str,
    token: str,
    *,
    max_examples: int,
    seed: int = SEED,
    deterministic: bool = False,
    extra: Sequence[str] = (),
) -> list[str]:
    """``st run`` for the app at ``base_url``: derandomized (the same cases every run, for
    CI) or from ``seed`` (the longer runs: another seed, other cases)."""
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        PHASES,
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    command += ["--generation-deterministic"] if deterministic else ["--seed", str(seed)]
    return [*command, *extra]


def run_schemathesis(
    base_url: str,
    token: str,
    *,
    max_examples: int,
    cwd: Path,
    deterministic: bool = True,
    extra: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``st`` in ``cwd`` (it keeps its state in ``.schemathesis/`` there)."""
    command = schemathesis_command(
        base_url, token, max_examples=max_examples, deterministic=deterministic, extra=extra
    )
    return subprocess.run(
        command, capture_output=True, text=True, check=False, timeout=1800, cwd=cwd
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``make fuzz-api``: a fresh SQLite instance (or DATABASE_URL), a longer run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("extra", nargs="*", help="further st run options (after --)")
    args = parser.parse_args(argv)

    import flask_migrate

    from microcred.app import create_app
    from microcred.platform import MIGRATIONS_DIR
    from tests.conftest import app_config
    from tests.issuer.factories import Factory

    with tempfile.TemporaryDirectory(prefix="microcred-fuzz-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/fuzz.db"
        app = create_app(app_config(url, Path(tmp), **FUZZ_CONFIG))
        with app.app_context():
            flask_migrate.upgrade(directory=str(MIGRATIONS_DIR))
        world = Factory(app).world("fuzz-provider")
        with serving(app) as base_url:
            command = schemathesis_command(
                base_url,
                world.provider.token,
                max_examples=args.max_examples,
                seed=args.seed,
                extra=args.extra,
            )
            return subprocess.run(command, check=False, cwd=tmp).returncode


if __name__ == "__main__":
    raise SystemExit(main())
