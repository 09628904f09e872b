"""Whatever a wallet POSTs as its DID Authentication, the exchange answers a 400 naming
the problem (an ``InvalidInputError``), never anything else: Hypothesis writes the JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.errors import InvalidInputError
from issuer.services.wallet import authenticated_holder

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
