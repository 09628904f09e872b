"""Schemathesis against the served API with a fixed budget (tests/api_fuzz.py): zero 5xx
and every response as the OpenAPI document says, on SQLite and PostgreSQL. The longer
run is ``make fuzz-api`` (docs/ISSUING.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from tests.api_fuzz import FUZZ_CONFIG, run_schemathesis, serving
from tests.issuer.factories import Factory

#: Cases per operation and phase: about 35 s per backend on one core.
CI_MAX_EXAMPLES = 20


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_undocumented_response(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    app = make_app(**FUZZ_CONFIG)
    world = Factory(app).world("fuzz-provider")
    with serving(app) as base_url:
        result = run_schemathesis(
            base_url, world.provider.token, max_examples=CI_MAX_EXAMPLES, cwd=tmp_path
        )
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
    assert "passed" in result.stdout
