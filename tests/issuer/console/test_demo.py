"""``microcred demo`` (what ``make run`` runs) prints a console owner who lands in a
populated dashboard; each run sets a new password."""

from __future__ import annotations

import re
from collections.abc import Callable

from tests.conftest import CliRun
from tests.issuer.console.conftest import Console


def printed_login(output: str) -> tuple[str, str]:
    email = re.search(r"e-mail:\s+(\S+)", output)
    password = re.search(r"password:\s+(\S+)", output)
    assert email, output
    assert password, output
    return email.group(1), password.group(1)


def test_demo_owner_signs_in_to_a_populated_console(
    runner: CliRun, new_console: Callable[[], Console]
) -> None:
    first = runner("demo")
    assert first.exit_code == 0, first.output
    assert "/console/signin" in first.output
    email, password = printed_login(first.output)
    console = new_console()
    assert console.sign_in(email, password).status_code == 302
    page = re.sub(r"\s+", " ", console.get("/console/").get_data(as_text=True))
    assert "Northwind Skills Academy" in page
    assert '<span class="stat-value">1</span> <span class="stat-label">issued' in page
    assert '<span class="stat-value">1</span> <span class="stat-label">freelancers' in page
    assert f"{email} (owner)" in page

    second = runner("demo")
    assert second.exit_code == 0, second.output
    _, new_password = printed_login(second.output)
    assert new_password != password
    assert console.get("/console/").status_code == 302  # the reset ended the session
    assert new_console().sign_in(email, password).status_code == 401
    assert new_console().sign_in(email, new_password).status_code == 302
