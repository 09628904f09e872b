"""Privacy in headless Chromium: the owner opens a freelancer who holds a credential,
follows "Delete freelancer", reads the confirm page, deletes, and is back on the list
with the notice; the credential's verification link then asks for the holder's file;
the recipient identity is switched on the organisation page. axe-core (no serious or
critical violation) on each new page, at 1280 px and 360 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.issuer.console.test_browser import (  # noqa: F401 - app and live_url are fixtures
    app,
    live_url,
    signed_up_owner,
)
from tests.issuer.console.test_browser_freelancers import check_both_widths
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as FactoryProvider
from tests.issuer.issuance_helpers import issue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


def test_delete_a_freelancer_and_choose_the_recipient_identity(
    browser: Any,
    app: Flask,  # noqa: F811 - the fixture imported above
    live_url: str,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page
    harbour = FactoryProvider(0, "harbour-coding-school", "", "")
    make = Factory(app)
    cert = make.certification(harbour, min_projects=1)
    freelancer_id = make.freelancer(harbour, name="Amara Okafor", email="amara@example.org")
    project_id = make.project(harbour, freelancer_id)
    make.assess(harbour, project_id, dict.fromkeys(cert.competency_ids, "accepted"))
    issued = issue(make, harbour, freelancer_id, cert.id)

    owner.goto(f"/console/freelancers/{freelancer_id}")
    with page.expect_navigation():
        page.get_by_role("link", name="Delete freelancer").click()
    assert page.get_by_role("heading", name="Delete Amara Okafor?").is_visible()
    assert page.get_by_text("This cannot be undone.").is_visible()
    check_both_widths(owner)
    owner.submit("Delete Amara Okafor and erase their data")
    assert page.get_by_text(
        "The freelancer was deleted and their personal data erased"
    ).is_visible()
    assert page.get_by_text("Amara Okafor").count() == 0

    owner.goto(f"/v/{issued.short_code}")
    assert page.get_by_text("No copy held").is_visible()
    check_both_widths(owner)

    owner.goto("/console/organisation")
    page.get_by_label("The e-mail address as it is").check()
    owner.submit("Save the recipient identity")
    assert page.get_by_text("Recipient identity saved").is_visible()
    assert page.get_by_label("The e-mail address as it is").is_checked()
    check_both_widths(owner)
