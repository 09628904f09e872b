"""The dashboard with data in headless Chromium: credentials in every state and 90 days of
verification counts; axe-core (no serious or critical violation) on the 30- and 90-day
charts with the data table open, screenshots at 360 px and 1280 px (``overview-*``) with
no horizontal scrolling.

``CONSOLE_SCREENSHOTS=docs/img/console`` keeps the screenshots there (docs/CONSOLE.md).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from issuer.models import IssuedCredential, Issuer
from issuer.services import credentials as credential_service
from issuer.services import issuers, verification_counts
from issuer.services.accounts import find_user
from microcred.platform.extensions import db
from tests.issuer.console import test_browser as journeys
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider
from tests.issuer.issuance_helpers import issue, ready

# The console journeys' fixtures (an app that mails, served on loopback) and sign-up step.
app = journeys.app
live_url = journeys.live_url
signed_up_owner = journeys.signed_up_owner

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


def _fill(app: Flask, make: Factory) -> None:
    """Six credentials of the signed-up provider: one revoked, one suspended, one expiring
    in a week; and verification counts on most of the last 90 days."""
    with app.app_context():
        user = find_user("hana@harbour.example")
        assert user is not None
        issuer = db.session.get(Issuer, user.memberships[0].issuer_id)
        assert issuer is not None
        provider = Provider(issuer.id, issuer.slug, issuer.did, "")
    base = ready(make, provider)
    issued = [issue(make, provider, base.freelancer_id, base.certification.id)]
    for _ in range(5):
        more = ready(make, provider, name=f"Overview skill {len(issued)}")
        issued.append(issue(make, provider, more.freelancer_id, more.certification.id))
    rng = random.Random(6)  # noqa: S311 - made-up counts
    today = datetime.now(UTC).date()
    with make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        credential_service.revoke(
            issuer, issued[0].id, reason="issued in error", actor=FACTORY_ACTOR
        )
        credential_service.suspend(issuer, issued[1].id, actor=FACTORY_ACTOR)
        expiring = db.session.get(IssuedCredential, issued[2].id)
        assert expiring is not None
        expiring.valid_until = datetime.now(UTC) + timedelta(days=7)
        batch = {}
        for back in range(90):
            for one in issued:
                if rng.random() < 0.5:
                    key = (one.json["issuer"]["id"], one.json["id"], today - timedelta(days=back))
                    batch[key] = rng.randrange(1, 4 + (90 - back) // 15)
        verification_counts.add(batch)


def test_dashboard_with_data(
    browser: Any,
    app: Flask,
    live_url: str,
    make: Factory,
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page
    _fill(app, make)

    owner.goto("/console/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    chart = page.get_by_role("img", name="Verifications per day, last 30 days")
    assert chart.is_visible()
    assert (
        page.locator(".stat", has_text="expiring in the next 30 days").inner_text().startswith("1")
    )
    owner.check_accessibility()
    owner.shoot("overview")

    page.get_by_role("link", name="last 90 days").click()
    page.wait_for_url("**/console/?days=90")
    assert page.get_by_role("img", name="Verifications per day, last 90 days").is_visible()
    page.get_by_text("The numbers, day by day").click()
    rows = page.locator(".chart-data tbody tr")
    assert rows.count() == 90
    owner.check_accessibility()  # with the table open
    owner.shoot("overview-90")
    assert owner.errors == []
