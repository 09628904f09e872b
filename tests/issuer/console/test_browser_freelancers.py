"""Freelancers and evidence in headless Chromium: add a freelancer (a refused e-mail
first), import a CSV whose error row is previewed, add a gig project, accept its
competencies, and see the progress change, with axe-core (no serious or critical
violation) on every page at 1280 px and 360 px, the search reached by keyboard, and the
pages photographed for docs/CONSOLE.md (``CONSOLE_SCREENSHOTS=docs/img/console``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.issuer.console.test_browser import (  # noqa: F401 - app and live_url are fixtures
    PHONE,
    Journey,
    app,
    live_url,
    signed_up_owner,
)
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as FactoryProvider

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

CSV = (
    b"name,email\nJonas Weber,jonas@example.net\nNo Address,not-an-address\nLi Wei,li@example.org\n"
)


def check_both_widths(journey: Journey) -> None:
    """axe at desktop width, then at phone width, then back."""
    journey.check_accessibility()
    journey.page.set_viewport_size(PHONE)
    journey.check_accessibility()
    journey.page.set_viewport_size({"width": 1280, "height": 900})


def test_freelancers_and_evidence(
    browser: Any,
    app: Flask,  # noqa: F811 - the fixture imported above
    live_url: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page
    harbour = FactoryProvider(0, "harbour-coding-school", "", "")
    Factory(app).certification(
        harbour,
        name="Python API Developer",
        competencies=[{"name": "Python programming"}, {"name": "Automated testing"}],
    )

    # The list, empty; add a freelancer, a bad address first.
    with page.expect_navigation():
        page.get_by_role("link", name="Freelancers").click()
    assert page.get_by_text("None yet.").is_visible()
    check_both_widths(owner)
    with page.expect_navigation():
        page.get_by_role("link", name="Add a freelancer").click()
    page.get_by_label("Name").fill("Amara Okafor")
    page.get_by_label("E-mail address").fill("amara-at-example")
    owner.submit("Save")
    assert page.get_by_text("Not an e-mail address").is_visible()
    check_both_widths(owner)  # the form with its error
    page.get_by_label("E-mail address").fill("amara@example.org")
    owner.submit("Save")
    assert page.get_by_role("heading", name="Amara Okafor").is_visible()
    assert page.get_by_text(
        "0 of 2 competencies demonstrated, 1 more accepted project needed for Python API Developer"
    ).is_visible()

    # Import a CSV: the preview names the error row; nothing is saved until "Import".
    owner.goto("/console/freelancers")
    with page.expect_navigation():
        page.get_by_role("link", name="Import from CSV").click()
    check_both_widths(owner)
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    owner.submit("Preview the import")
    assert page.get_by_text("not imported: E-mail: Not an e-mail address").is_visible()
    check_both_widths(owner)
    owner.shoot("freelancer-import")
    owner.submit("Import 2 rows")
    assert page.get_by_text("2 freelancers added").is_visible()
    assert page.get_by_text("3 freelancers.").is_visible()
    check_both_widths(owner)
    owner.shoot("freelancers")

    # The search, by keyboard: Tab reaches the search box, Enter sends it.
    search = page.get_by_label("Search by name or e-mail")
    for _ in range(40):
        page.keyboard.press("Tab")
        if search.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the search box is not reachable by keyboard")
    page.keyboard.type("AMARA")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("1 freelancer match").is_visible()

    # A gig project, then its assessments.
    with page.expect_navigation():
        page.get_by_role("link", name="Amara Okafor").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Add a gig project").click()
    page.get_by_label("Title").fill("Payments webhook API")
    page.get_by_label("Platform").select_option("Upwork")
    page.get_by_label("Link to the gig (optional)").fill("https://www.upwork.com/jobs/~01demo")
    page.get_by_label("Client (optional)").fill("Brightline Outfitters")
    page.get_by_label("Client rating (optional)").fill("4.9")
    owner.submit("Save the project")
    assert page.get_by_role("heading", name="Payments webhook API").is_visible()
    check_both_widths(owner)
    owner.shoot("freelancer-project")
    page.get_by_label("Python programming", exact=True).select_option("accepted")
    page.get_by_label("Note on Python programming (optional)").fill("Typed, clean handlers.")
    page.get_by_label("Automated testing", exact=True).select_option("rejected")
    page.get_by_label("Note on Automated testing (optional)").fill("No tests shipped.")
    owner.submit("Save the assessments")
    assert page.get_by_text(
        "1 of 2 competencies demonstrated, 1 more accepted project needed for Python API Developer"
    ).is_visible()
    assert page.get_by_text("“No tests shipped.”").is_visible()
    check_both_widths(owner)

    # Accept testing: the rule is met and the page links to issuing.
    with page.expect_navigation():
        page.get_by_role("link", name="Assess “Payments webhook API”").click()
    page.get_by_label("Automated testing", exact=True).select_option("accepted")
    owner.submit("Save the assessments")
    assert page.get_by_text("2 of 2 competencies demonstrated").is_visible()
    assert page.get_by_role("link", name="Issue Python API Developer to Amara Okafor").is_visible()
    check_both_widths(owner)
    owner.shoot("freelancer")
    assert owner.errors == []
    owner.context.close()
