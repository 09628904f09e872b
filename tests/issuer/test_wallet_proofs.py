"""The OID4VCI proof JWT check (issuer.services.wallet_proofs) on its own: keys named by
did:key, did:jwk and jwk, every refusal, and arbitrary text never raising anything but
ProofError. Keys and JWTs here are made with joserfc, the server's own library; the
end-to-end tests sign with jose (Node) instead."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey
from joserfc.util import urlsafe_b64encode

from credentials.did import did_key_from_public_key
from issuer.services.wallet_proofs import ProofError, verify_proof_jwt

AUD = "https://microcred.example"
ALGS = ("EdDSA", "Ed25519", "ES256")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def sign(key: Any, header: dict[str, Any], **claims: Any) -> str:
    body = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "EdDSA" is superseded by "Ed25519" (RFC 9864)
        return jwt.encode(
            {"typ": "openid4vci-proof+jwt", **header}, body, key, algorithms=[header["alg"]]
        )


def did_key(key: OKPKey) -> str:
    raw = key.get_op_key("verify").public_bytes_raw()
    return did_key_from_public_key(raw)


def check(token: str) -> Any:
    return verify_proof_jwt(token, audience=AUD, algorithms=ALGS, now=NOW)


@pytest.mark.parametrize("alg", ["EdDSA", "Ed25519"])
def test_a_did_key_kid_names_the_holder(alg: str) -> None:
    key = OKPKey.generate_key("Ed25519")
    did = did_key(key)
    proved = check(sign(key, {"alg": alg, "kid": f"{did}#{did.removeprefix('did:key:')}"}))
    assert proved.did == did
    assert proved.nonce == "n-1"


def test_a_jwk_header_and_a_did_jwk_kid_name_the_same_did() -> None:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    by_jwk = check(sign(key, {"alg": "ES256", "jwk": public}))
    assert by_jwk.did.startswith("did:jwk:")
    did = "did:jwk:" + urlsafe_b64encode(json.dumps(public).encode()).decode()
    by_kid = check(sign(key, {"alg": "ES256", "kid": f"{did}#0"}))
    assert by_kid.did == did


def test_refusals_name_the_problem() -> None:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    other = ECKey.generate_key("P-256").as_dict(private=False)
    cases = {
        "typ": sign(key, {"alg": "ES256", "jwk": public, "typ": "JWT"}),
        "aud": sign(key, {"alg": "ES256", "jwk": public}, aud="https://evil.example"),
        "iat": sign(key, {"alg": "ES256", "jwk": public}, iat=int(NOW.timestamp()) - 3600),
        "signature": sign(key, {"alg": "ES256", "jwk": other}),
        "private": sign(key, {"alg": "ES256", "jwk": key.as_dict(private=True)}),
        "exactly one": sign(key, {"alg": "ES256", "jwk": public, "kid": "did:key:z6Mk"}),
        "did:key or did:jwk": sign(key, {"alg": "ES256", "kid": "did:web:evil.example#1"}),
    }
    for expected, token in cases.items():
        with pytest.raises(ProofError, match=expected):
            check(token)
    hs = jwt.encode(
        {"alg": "HS256", "typ": "openid4vci-proof+jwt"},
        {"aud": AUD},
        OctKey.import_key(b"0" * 32),
        algorithms=["HS256"],
    )
    with pytest.raises(ProofError, match="alg"):
        check(hs)
    with pytest.raises(ProofError, match="compact"):
        check("not.a.jwt")
    with pytest.raises(ProofError, match="at most"):
        check("a" * 9000)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(st.text(max_size=60), max_size=4).map(".".join)))
def test_any_text_is_refused_with_a_proof_error(text: str) -> None:
    with pytest.raises(ProofError):
        check(text)
