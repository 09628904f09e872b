"""Whatever a wallet POSTs as its DID Authentication, the exchange answers a 400 naming
the problem (an ``InvalidInputError``), never anything else: Hypothesis writes the JSON.
A request body that is not a JSON object is the request's fault (``malformed_json``,
naming ``body``), not a "malformed credential": the offer stays unused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from credentials.errors import InvalidInputError
from issuer.models import IssuedCredential
from issuer.services.wallet import authenticated_holder
from microcred.platform.extensions import db
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue, ready
from tests.issuer.wallet_holder import new_offer

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
PROOF = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["DataIntegrityProof", "Ed25519Signature2020"])
        | st.text(max_size=10),
        "cryptosuite": st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022"]) | JSON,
        "proofPurpose": st.sampled_from(["authentication", "assertionMethod"]) | JSON,
        "verificationMethod": st.text(max_size=80).map(lambda t: "did:key:z6Mk" + t) | JSON,
        "challenge": st.just("c-1") | JSON,
        "domain": st.just("microcred.example") | JSON,
        "proofValue": st.text(max_size=90).map(lambda t: "z" + t) | JSON,
    }
)
PRESENTATION = st.fixed_dictionaries(
    {
        "@context": st.just(["https://www.w3.org/ns/credentials/v2"]) | JSON,
        "type": st.just(["VerifiablePresentation"]) | JSON,
    },
    optional={
        "holder": st.text(max_size=60) | JSON,
        "proof": PROOF | st.lists(PROOF, max_size=2) | JSON,
    },
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(PRESENTATION, JSON))
def test_any_presentation_is_refused_with_a_named_400(app: Flask, presentation: Any) -> None:
    with app.app_context(), pytest.raises(InvalidInputError) as refused:
        authenticated_holder(presentation, challenge="c-1", now=datetime.now(UTC))
    assert refused.value.http_status == 400
    assert refused.value.message


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "the request body is not valid JSON: Expecting property name"),
        (b'{"verifiablePresentation": ', "the request body is not valid JSON"),
        (b'{"verifiablePresentation": "\xff"}', "the request body is not UTF-8 text"),
        (b"[]", "the request body must be a JSON object"),
        (b'"verifiablePresentation"', "the request body must be a JSON object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_malformed_json_not_a_credential(
    app: Flask, client: FlaskClient, make: Factory, body: bytes, says: str
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    offer = new_offer(make, issued.id)
    path = offer.links.exchange.split("microcred.example", 1)[1]
    answer = client.post(path, data=body, content_type="application/json")
    assert answer.status_code == 400, answer.get_data(as_text=True)
    problem = answer.get_json()
    assert problem["error"] == "malformed_json"
    assert problem["field"] == "body"
    assert problem["description"].startswith(says), problem
    assert "credential" not in problem["description"]
    # Nothing was used up: the same offer still starts its exchange.
    started = client.post(path, json={})
    assert started.status_code == 200, started.get_data(as_text=True)
    assert started.get_json()["verifiablePresentationRequest"]["challenge"] == offer.links.challenge
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedCredential)) == 1
