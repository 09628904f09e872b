"""Credentials issued through the W3C VC API: written by the caller, with no freelancer or
micro-certification of ours behind them. Their documents still render from the credential."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from issuer.services import issuers
from issuer.services.vc_api import issue_vc
from tests.issuer.factories import Factory
from verifier.extract import read_upload

PLAIN_VC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "name": "Workshop attendance",
    "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21"},
}


@pytest.fixture
def stored(make: Factory) -> tuple[str, str]:
    provider = make.provider()
    with make.transaction():
        issued = issue_vc(issuers.get_issuer(provider.slug), PLAIN_VC, {}, actor="test")
        return issued.id, issued.document


@pytest.mark.parametrize("suffix", [".pdf", "/badge.png", "/badge.svg", ".json", "/qr.svg"])
def test_documents_of_a_caller_written_credential(
    client: FlaskClient, stored: tuple[str, str], suffix: str
) -> None:
    credential_id, document = stored
    response = client.get(f"/credentials/{credential_id}{suffix}")
    assert response.status_code == 200
    if suffix != "/qr.svg":
        assert read_upload(response.data).raw_text == document


def test_certificate_falls_back_to_what_the_credential_says(
    client: FlaskClient, stored: tuple[str, str]
) -> None:
    credential_id, _ = stored
    pdf = client.get(f"/credentials/{credential_id}.pdf").data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Workshop attendance" in text
    assert "did:example:ebfeb1f712ebc6f1c276e12ec21" in text  # no name: the subject's DID
    share = client.get(f"/credentials/{credential_id}/share")
    assert share.status_code == 200
    assert "Workshop attendance" in share.data.decode()
