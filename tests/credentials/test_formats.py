"""Issue 15, item 7: every input is identified as one of the known kinds, never a crash;
formats we do not verify yet and inputs holding no credential are refused plainly."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credentials.errors import (
    MalformedCredentialError,
    NoCredentialError,
    UnsupportedFormatError,
)
from credentials.formats import Identified, Kind, classify, identify, load_supported
from tests.credentials import factories as f


def b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


VC_JWT = f"{b64({'alg': 'EdDSA', 'typ': 'vc+jwt'})}.{b64({'@context': []})}.c2lnbmF0dXJl"
VC11_JWT = f"{b64({'alg': 'EdDSA', 'typ': 'JWT'})}.{b64({'vc': {}, 'iss': 'did:key:z'})}.c2ln"
OB2_JWS = f"{b64({'alg': 'RS256'})}.{b64({'badge': 'https://x.example/b', 'recipient': {}})}.c2ln"
OB2 = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "https://example.org/assertions/1",
    "recipient": {"type": "email", "hashed": True, "identity": "sha256$abc"},
    "badge": "https://example.org/badges/1",
    "verification": {"type": "hosted"},
    "issuedOn": "2024-01-01T00:00:00Z",
}
OB1 = {
    "uid": "abc",
    "recipient": {"type": "email", "identity": "sha256$abc", "hashed": True},
    "badge": "https://example.org/badge.json",
    "verify": {"type": "hosted", "url": "https://example.org/a.json"},
    "issuedOn": 1400000000,
}


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        (VC_JWT, Kind.VC_JWT, "VC-JOSE-COSE"),  # v-jwt: verified now
        (VC11_JWT, Kind.VC_JWT, "VC 1.1 JWT-VC"),
        (OB2_JWS, Kind.JWT, "Open Badges 2.0"),
        (VC_JWT + "~WyJzYWx0Il0~", Kind.SD_JWT, "SD-JWT"),
        ("a.b.c.d.e", Kind.JWE, "JWE"),
        (json.dumps(OB2), Kind.OB2, "Open Badges 2.0"),
        (json.dumps({**OB2, "@context": None}), Kind.OB2, "Open Badges 2.0"),
        (json.dumps(OB1), Kind.OB1, "Open Badges 1.x"),
        ("https://badges.example/assertions/42", Kind.LINK, "link"),
        (json.dumps(VC_JWT), Kind.VC_JWT, "VC-JOSE-COSE"),
        ('{"hello": "world"}', Kind.UNKNOWN_JSON, "not a credential"),
        ("[1, 2]", Kind.UNKNOWN_JSON, "list"),
        ("", Kind.NO_CREDENTIAL, "empty"),
        ("hello there", Kind.NO_CREDENTIAL, "text"),
        ('{"@context": [', Kind.MALFORMED, "broken JSON"),
        (json.dumps(f.credential()), Kind.CREDENTIAL, "verifiable credential"),
    ],
)
def test_identify(text: str, kind: Kind, words: str) -> None:
    found = identify(text)
    assert found.kind is kind
    assert words in found.description


@pytest.mark.parametrize("context", [[], {}, None, [None], 7])
def test_odd_contexts_are_classified(context: object) -> None:
    # Found by the property below: an empty @context list.
    assert classify({"@context": context}).kind in (Kind.CREDENTIAL, Kind.UNKNOWN_JSON)


def test_enveloped_credential_is_named() -> None:
    envelope = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": f"data:application/vc+jwt,{VC_JWT}",
    }
    assert classify(envelope).kind is Kind.VC_JWT  # v-jwt: verified now
    sd_jwt = {**envelope, "id": f"data:application/vc+sd-jwt,{VC_JWT}~"}
    assert classify(sd_jwt).kind is Kind.ENVELOPED


@pytest.mark.parametrize(
    ("text", "error", "code", "fmt"),
    [
        (OB2_JWS, UnsupportedFormatError, "format.unsupported", "jwt"),  # v-jwt: not VC_JWT
        (json.dumps(OB2), UnsupportedFormatError, "format.unsupported", "ob2"),
        (json.dumps(OB1), UnsupportedFormatError, "format.unsupported", "ob1"),
        ("https://badges.example/a/1", UnsupportedFormatError, "format.unsupported", "link"),
        ('{"hello": "world"}', NoCredentialError, "format.no_credential", "unknown-json"),
        ("just words", NoCredentialError, "format.no_credential", "no-credential"),
    ],
)
def test_load_supported_refuses_plainly(
    text: str, error: type[Exception], code: str, fmt: str
) -> None:
    with pytest.raises(error) as caught:
        load_supported(text)
    assert isinstance(caught.value, MalformedCredentialError)
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.details["format"] == fmt  # type: ignore[attr-defined]
    assert caught.value.http_status == 422  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [('{"a": 1, "a": 2}', "twice"), ('{"n": NaN}', "NaN"), ("[1]", "JSON object")],
)
def test_json_the_strict_parser_refuses_keeps_its_reason(text: str, fragment: str) -> None:
    with pytest.raises(MalformedCredentialError, match=fragment) as caught:
        load_supported(text)
    assert caught.value.code == "malformed_credential"


def test_a_credential_loads() -> None:
    doc = f.credential()
    assert load_supported(json.dumps(doc)) == doc


KNOWN = set(Kind)


@given(st.binary(max_size=400))
def test_any_bytes_are_identified(data: bytes) -> None:
    found = identify(data)
    assert isinstance(found, Identified)
    assert found.kind in KNOWN
    assert found.description


@given(st.text(max_size=400))
def test_any_text_is_identified(text: str) -> None:
    assert identify(text).kind in KNOWN


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["@context", "type", "recipient", "badge", "verify", "proof", "x"])
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(_JSON)
def test_any_json_value_is_classified_and_loading_never_crashes(value: object) -> None:
    assert classify(value).kind in KNOWN
    refused: MalformedCredentialError | None = None
    try:
        load_supported(json.dumps(value))
    except MalformedCredentialError as exc:  # the only error: a 4xx with a reason
        refused = exc
    if refused is not None:
        assert refused.http_status in (400, 422)
        assert refused.message
