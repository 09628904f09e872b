"""GET /v/<ref>: the page a credential's QR code opens, verified live against our own
issuer (DID document and status lists from the database, no HTTP)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from credentials.proofs import JCS, RDFC
from microcred.platform.security import CONTENT_SECURITY_POLICY
from tests.verifier.web.conftest import Clock
from tests.verifier.web.issuing import Issued, IssuingWorld


def _verdict(html: str) -> str:
    match = re.search(r'data-verdict="([a-z_]+)"', html)
    assert match, html[:3000]
    return match.group(1)


def _page(client: FlaskClient, issued: Issued) -> str:
    response = client.get(issued.page)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    return response.get_data(as_text=True)


@pytest.mark.parametrize("suite", [RDFC, JCS])
def test_issued_credential_is_valid(client: FlaskClient, world: IssuingWorld, suite: str) -> None:
    issued = world.issue(suite=suite)

    html = _page(client, issued)

    assert _verdict(html) == "valid"
    assert "Amara Okafor" in html
    assert "Freelance Python API Developer" in html
    assert f"Provider {issued.provider.slug}" in html  # the issuer's name
    assert issued.provider.did in html
    assert f"urn:uuid:{issued.id}" in html
    assert html.count('class="check passed"') == 6  # structure, proof, issuer, validity, 2×status


def test_competencies_show_the_gig_projects_that_back_them(
    client: FlaskClient, world: IssuingWorld
) -> None:
    html = _page(client, world.issue())

    competencies = re.findall(
        r'<li class="competency">(.*?)</li>\s*(?=<li class="competency">|</ol>)', html, re.S
    )
    assert len(competencies) == 3
    python, api_design, testing = competencies
    assert "Python programming" in python
    assert python.count('class="project"') == 2
    assert "Payments webhook API for a Shopify store" in python
    assert "Upwork · Brightline Outfitters · 2025-02-03 – 2025-03-14" in python
    assert 'href="https://www.upwork.com/freelancers/~01demo/portfolio/payments-webhooks"' in python
    assert api_design.count('class="project"') == 1
    assert "Payments webhook API" in api_design
    assert testing.count('class="project"') == 1
    assert "Inventory sync REST API" in testing


def test_page_links_the_documents(client: FlaskClient, issued: Issued) -> None:
    html = _page(client, issued)

    for path in (".pdf", ".json", "/badge.png", "/badge.svg"):
        assert f'href="/credentials/{issued.id}{path}"' in html
    assert f"https://microcred.example/v/{issued.short_code}" in html


def test_found_by_short_code_uuid_and_urn(client: FlaskClient, issued: Issued) -> None:
    for ref in (issued.short_code, issued.id, f"urn:uuid:{issued.id}", issued.id.upper()):
        response = client.get(f"/v/{ref}")
        assert response.status_code == 200, ref
        assert _verdict(response.get_data(as_text=True)) == "valid"


def test_revocation_shows_at_once(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()
    assert _verdict(_page(client, issued)) == "valid"

    world.revoke(issued)

    html = _page(client, issued)
    assert _verdict(html) == "revoked"
    assert "has withdrawn this credential" in html


def test_suspension_shows_and_lifts(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()
    world.suspend(issued)
    assert _verdict(_page(client, issued)) == "suspended"

    world.unsuspend(issued)

    assert _verdict(_page(client, issued)) == "valid"


def test_expired_credential(client: FlaskClient, world: IssuingWorld, clock: Clock) -> None:
    issued = world.issue(validity_days=30)

    clock.offset = timedelta(days=31)

    html = _page(client, issued)
    assert _verdict(html) == "expired"
    assert "but it expired on" in html
    assert 'class="check failed"' in html
    assert "Validity period" in html


def test_tampered_credential_is_not_valid(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()

    def promote(document: dict) -> None:  # type: ignore[type-arg]
        document["credentialSubject"]["achievement"]["name"] = "Senior Python Architect"

    world.tamper(issued, promote)

    html = _page(client, issued)
    assert _verdict(html) == "invalid"
    assert "it was changed after it was issued" in html
    assert "Unconfirmed" in html
    assert "signature does not match the document" in html


def test_json_when_asked_for(client: FlaskClient, issued: Issued) -> None:
    response = client.get(issued.page, headers={"Accept": "application/json"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["verified"], body["verdict"]) == (True, "valid")
    assert body["credential"]["recipientName"] == "Amara Okafor"
    assert "Accept" in response.headers["Vary"]


def test_api_verifies_our_credential_with_status(client: FlaskClient, world: IssuingWorld) -> None:
    issued = world.issue()
    document = world.document(issued)
    world.suspend(issued)

    body = client.post("/api/v1/verify", json=document).get_json()

    assert body["verdict"] == "suspended"
    assert [c["code"] for c in body["checks"] if c["check"] == "status"] == ["ok", "suspended"]


def test_home_page_leads_to_verification_and_the_api(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = response.get_data(as_text=True)
    for link in ('href="/verify"', 'href="/api/v1/docs"', 'href="/api/v1/openapi.json"'):
        assert link in html
    assert "<script" not in html
