"""``microcred demo`` (what ``make run`` runs) prints a console owner who lands in a
populated dashboard; each run sets a new password."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from issuer.models import Freelancer
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL, CliRun
from tests.issuer.account.conftest import Browser
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


# --- fl-webhooks-all: where the demo's sign-in link goes without SMTP ---


def test_demo_says_where_the_sign_in_mail_goes_and_it_is_there(
    runner: CliRun, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """Without SMTP the printed line is true: with an outbox (development's default) the
    sign-in link's mail is an .eml file there, not in the console's Mail page (it belongs
    to no provider and opens the freelancer's account); with none it is in the log."""
    plain = runner("demo")
    assert plain.exit_code == 0, plain.output
    assert "no SMTP: the link's mail is in the log, WARNING, microcred.platform.mail" in (
        plain.output
    )
    outbox = tmp_path / "demo-outbox"
    runner.env["MICROCRED_MAIL_OUTBOX"] = str(outbox)
    shown = runner("demo")
    assert shown.exit_code == 0, shown.output
    assert f"no SMTP: the link's mail is the newest {outbox}/*.eml" in shown.output
    assert "is in the log" not in shown.output
    found = re.search(r"freelancer:\s+.+\((frl_\w+)\)", shown.output)
    assert found, shown.output
    app = make_app(MICROCRED_MAIL_OUTBOX=str(outbox))
    with app.app_context():
        freelancer = db.session.get(Freelancer, found.group(1))
        assert freelancer is not None
        address = freelancer.email
    before = set(outbox.glob("*.eml"))
    asked = Browser(app.test_client()).post("/account/signin", {"email": address})
    assert asked.status_code == 200, asked.get_data(as_text=True)
    (written,) = set(outbox.glob("*.eml")) - before
    message = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert message["To"] == address
    assert message["Subject"] == "Your microcred sign-in link"
    assert f"{TEST_BASE_URL}/account/signin/" in message.as_string()
    # The demo owner's Mail page lists the provider's mail only, and says where this is.
    owner, password = printed_login(shown.output)
    console = Console(app.test_client())
    assert console.sign_in(owner, password).status_code == 302
    page = console.get("/console/mail").get_data(as_text=True)
    assert "Your microcred sign-in link" not in page
    assert "freelancers' sign-in links" in page
    assert "in its outbox folder" in page


# --- end fl-webhooks-all ---
