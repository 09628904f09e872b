"""Honest documents (issue 11): a credential awarded by the issuer's override says so, with
the reason, in the credential, on its PDF certificate and on its verification page; and
no certificate carries a "Valid" mark that a saved copy would keep after a revocation."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from credentials.ob3 import summarize
from issuer.services import issuers
from issuer.services.issuance import issue_credential
from tests.issuer.factories import Factory
from tests.sharing.conftest import ACTOR

REASON = "Assessed in person at the Lagos bootcamp, 12 May 2026"


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def overridden(app: Flask, make: Factory) -> tuple[str, str]:
    """(credential uuid, short code) of a credential issued by override with no projects."""
    provider = make.provider()
    cert = make.certification(provider, name="Freelance Python API Developer")
    freelancer_id = make.freelancer(provider, name="Amara Okafor")
    with make.transaction():
        issued = issue_credential(
            issuers.get_issuer(provider.slug),
            freelancer_id=freelancer_id,
            certification_id=cert.id,
            override_reason=REASON,
            actor=ACTOR,
        )
        return issued.id, issued.short_code


def test_the_credential_itself_states_the_override_and_its_reason(
    client: FlaskClient, overridden: tuple[str, str]
) -> None:
    document = json.loads(client.get(f"/credentials/{overridden[0]}.json").data)
    [entry] = document["evidence"]
    assert entry["genre"] == "Issuer override"
    assert entry["narrative"] == REASON
    summary = summarize(document)
    assert summary.override_reason == REASON
    assert not any(c.demonstrated for c in summary.competencies)


def test_the_pdf_says_override_with_the_reason_and_claims_no_competency(
    client: FlaskClient, overridden: tuple[str, str]
) -> None:
    text = pdf_text(client.get(f"/credentials/{overridden[0]}.pdf").data)
    assert "was awarded, by the issuer's decision, the micro-certification" in text
    assert "AWARDED BY THE ISSUER'S DECISION (OVERRIDE)" in text  # a styled upper-case label
    assert REASON in text
    assert "has demonstrated every competency" not in text
    assert "COMPETENCIES DEMONSTRATED" not in text  # headings are styled upper-case
    assert "COMPETENCIES OF THIS CERTIFICATION" in text


def test_the_verify_page_and_api_show_the_reason(
    client: FlaskClient, overridden: tuple[str, str]
) -> None:
    page = client.get(f"/v/{overridden[1]}").get_data(as_text=True)
    assert "Awarded by the issuer's decision (override)" in page
    assert REASON in page
    # The page leads with the current status: the verdict comes before everything else.
    assert page.index('data-verdict="valid"') < page.index("data-override")
    as_json = client.get(f"/v/{overridden[1]}", headers={"Accept": "application/json"})
    assert as_json.get_json()["credential"]["overrideReason"] == REASON


def test_an_ordinary_credential_has_no_override(client: FlaskClient, issue) -> None:  # type: ignore[no-untyped-def]
    issued = issue()
    text = pdf_text(client.get(issued.path(".pdf")).data)
    assert "has demonstrated every competency of" in text
    assert "override" not in text.lower()
    # No printed "Valid": a saved copy must not outlive a revocation. It invites a scan.
    assert "SCAN FOR STATUS" in text
    assert "Scan for the current status" in text
    assert "VALID" not in text
