"""Credentials secured as JWTs (credentials.jwtvc): VC-JOSE-COSE and VC 1.1 JWT-VCs,
EdDSA / ES256 / RS256 with did:key, did:jwk and did:web keys, through the same
``Verifier`` (result shape, checks, trust) as Data Integrity credentials.

Test credentials are signed by ``tests.credentials.jose_signing`` (``cryptography``
directly, per RFC 7515); real ones from walt.id and the W3C spec repository are in
tests/fixtures/ (README there)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.did import DidKeyResolver
from credentials.errors import MalformedCredentialError, UnsupportedFormatError
from credentials.formats import Kind, identify, load_supported
from credentials.josekeys import JoseCheckError, resolve_key
from credentials.jwtvc import envelope
from credentials.keys import Ed25519SigningKey
from credentials.resolvers import CompositeDidResolver, StaticStatusLists
from credentials.statuslist import status_list_entry
from credentials.verify import Verifier
from tests.credentials import factories
from tests.credentials.jose_signing import (
    ED_SEED,
    WEB_DID,
    WEB_HOST,
    Issuer,
    b64json,
    tamper_payload,
    tamper_signature,
    unsigned,
)
from tests.verifier.servers import FixtureWeb, fixture_web
from verifier.factory import build_verifier

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COMBINATIONS = [
    ("EdDSA", "key"),
    ("EdDSA", "jwk"),
    ("EdDSA", "web"),
    ("ES256", "key"),
    ("ES256", "jwk"),
    ("ES256", "web"),
    ("RS256", "jwk"),
    ("RS256", "web"),
]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    with fixture_web(tmp_path_factory.mktemp("jwt-web"), [WEB_HOST]) as running:
        yield running


def verifier_for(issuer: Issuer, web: FixtureWeb, **kwargs: Any) -> Verifier:
    if issuer.method == "web":
        web.serve(f"https://{WEB_HOST}/.well-known/did.json", issuer.document)
    return build_verifier(fetcher=web.fetcher, **kwargs)


def check(result: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in result.as_dict()["checks"] if c["check"] == name)
    return found


def codes(result: Any) -> list[str]:
    return [e["code"] for e in result.as_dict()["errors"]]


# --- valid: each algorithm with each key type -----------------------------------------------


@pytest.mark.parametrize(("alg", "method"), COMBINATIONS)
def test_vc_jose_cose_verifies(alg: str, method: str, web: FixtureWeb) -> None:
    issuer = Issuer.make(alg, method)
    result = verifier_for(issuer, web).verify(load_supported(issuer.jwt()))

    assert result.verified, result.as_dict()
    body = result.as_dict()
    assert body["verdict"] == "valid"
    assert body["issuer"] == issuer.did
    assert body["credentialId"] == "urn:uuid:7f0c6a54-3a1c-4b8e-9d1e-5b2f2f6d9a10"
    proof = check(result, "proof")
    assert proof["details"]["alg"] == alg
    assert proof["details"]["verificationMethod"] == issuer.kid
    assert check(result, "issuer")["outcome"] == "passed"
    assert [c["check"] for c in body["checks"]][:4] == ["structure", "proof", "issuer", "validity"]


@pytest.mark.parametrize(("alg", "method"), [("EdDSA", "key"), ("ES256", "jwk"), ("RS256", "web")])
def test_vc11_jwt_vc_verifies_with_its_claims_mapped(
    alg: str, method: str, web: FixtureWeb
) -> None:
    issuer = Issuer.make(alg, method)
    claims = issuer.vc11_claims()
    result = verifier_for(issuer, web).verify(load_supported(issuer.sign(claims, vc11=True)))

    assert result.verified, result.as_dict()
    credential = result.credential
    assert credential["issuer"] == issuer.did  # iss
    assert credential["id"] == claims["jti"]
    assert credential["credentialSubject"]["id"] == claims["sub"]
    assert credential["issuanceDate"].endswith("Z")  # nbf
    assert check(result, "structure")["message"] == "Well-formed credential (VC 1.1 JWT-VC)."


def test_the_envelope_and_a_json_string_verify_like_the_bare_jwt(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    token = issuer.jwt()
    verifier = verifier_for(issuer, web)

    assert verifier.verify(envelope(token)).verified
    assert verifier.verify(load_supported(json.dumps(token))).verified
    assert verifier.verify(load_supported(json.dumps(envelope(token)))).verified


def test_kid_relative_to_iss_and_no_kid_for_a_one_key_did(web: FixtureWeb) -> None:
    issuer = Issuer.make("ES256", "jwk")
    payload = {**issuer.credential(), "iss": issuer.did}
    relative = issuer.sign(payload, header={"kid": "#0"})
    bare = issuer.sign(issuer.credential(), header={"kid": None})
    verifier = verifier_for(issuer, web)

    assert verifier.verify(envelope(relative)).verified
    assert verifier.verify(envelope(bare)).verified


# --- refused: tampered, wrong key, forbidden algorithms ---------------------------------------


@pytest.mark.parametrize("tamper", [tamper_payload, tamper_signature], ids=["payload", "signature"])
@pytest.mark.parametrize(("alg", "method"), [("EdDSA", "key"), ("ES256", "web"), ("RS256", "jwk")])
def test_tampered_jwt_is_a_bad_signature(
    tamper: Any, alg: str, method: str, web: FixtureWeb
) -> None:
    issuer = Issuer.make(alg, method)
    result = verifier_for(issuer, web).verify(envelope(tamper(issuer.jwt())))

    assert not result.verified
    assert result.verdict.value == "invalid"
    assert check(result, "proof")["code"] == "jose.bad_signature"
    assert check(result, "issuer")["outcome"] == "skipped"
    assert "jose.bad_signature" in codes(result)
    assert result.trust is not None
    assert not result.trust.trusted


@pytest.mark.parametrize("alg", ["none", "HS256", "ES384", "PS256"])
def test_alg_none_and_hmac_are_refused(alg: str, web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    token = unsigned(issuer.jwt(), alg)
    if alg != "none":
        token += "c2lnbmF0dXJl"
    result = verifier_for(issuer, web).verify(load_supported(token))

    assert not result.verified
    assert check(result, "proof")["code"] == "jose.alg_not_allowed"


def test_alg_that_does_not_fit_the_key_is_refused(web: FixtureWeb) -> None:
    ed = Issuer.make("EdDSA", "key")
    claims_es256 = ed.sign(ed.credential(), header={"alg": "ES256"})
    result = verifier_for(ed, web).verify(envelope(claims_es256))

    assert check(result, "proof")["code"] == "jose.alg_key_mismatch"


def test_crit_header_is_refused(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    token = issuer.sign(issuer.credential(), header={"crit": ["exp"], "exp": 1})
    result = verifier_for(issuer, web).verify(envelope(token))

    assert check(result, "proof")["code"] == "jose.crit_unsupported"


def test_another_kind_of_jwt_is_refused(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    token = issuer.sign(issuer.credential(), header={"typ": "vp+jwt"})
    result = verifier_for(issuer, web).verify(envelope(token))

    assert check(result, "proof")["code"] == "jose.typ_mismatch"


def test_kid_of_another_did_is_not_the_issuer(web: FixtureWeb) -> None:
    signer = Issuer.make("EdDSA", "key")
    other = Issuer.make("ES256", "jwk")
    # Signed by the did:key, claiming the did:jwk as issuer.
    token = signer.sign(signer.credential(issuer={"id": other.did, "type": ["Profile"]}))
    result = verifier_for(signer, web).verify(envelope(token))

    assert not result.verified
    assert check(result, "proof")["outcome"] == "passed"
    assert check(result, "issuer")["code"] == "jose.kid_not_issuer"
    assert "jose.kid_not_issuer" in codes(result)


@pytest.mark.parametrize(
    ("kid", "code"),
    [
        (f"{WEB_DID}#no-such-key", "jose.key_not_found"),
        (WEB_DID, "jose.key_not_found"),
        ("urn:example:issuer#key-0", "jose.kid_not_did"),
        ("did:example:elsewhere#key-1", "jose.resolution_failed"),
    ],
)
def test_wrong_kid(kid: str, code: str, web: FixtureWeb) -> None:
    issuer = Issuer.make("ES256", "web")
    token = issuer.sign(issuer.credential(), header={"kid": kid})
    result = verifier_for(issuer, web).verify(envelope(token))

    assert check(result, "proof")["code"] == code


def test_key_not_listed_for_assertion_is_refused(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "web")
    issuer.document["assertionMethod"] = []
    issuer.document["authentication"] = [issuer.kid]
    result = verifier_for(issuer, web).verify(envelope(issuer.jwt()))

    assert check(result, "proof")["code"] == "jose.key_not_authorized"


def test_did_web_with_a_multikey_method_verifies(web: FixtureWeb) -> None:
    issuer = Issuer.make("ES256", "web")
    multikey = issuer.signer.did_key().removeprefix("did:key:")
    issuer.document["verificationMethod"] = [
        {
            "id": issuer.kid,
            "type": "Multikey",
            "controller": WEB_DID,
            "publicKeyMultibase": multikey,
        }
    ]
    assert verifier_for(issuer, web).verify(envelope(issuer.jwt())).verified


def test_iss_that_contradicts_the_issuer_is_a_claims_mismatch(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    token = issuer.sign({**issuer.credential(), "iss": "did:example:someone-else"})
    result = verifier_for(issuer, web).verify(envelope(token))

    assert not result.verified
    assert "jose.claims_mismatch" in codes(result)


def test_vc11_sub_that_contradicts_the_subject_is_a_claims_mismatch(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    claims = issuer.vc11_claims()
    claims["vc"]["credentialSubject"]["id"] = "did:example:another-learner"
    result = verifier_for(issuer, web).verify(envelope(issuer.sign(claims, vc11=True)))

    assert check(result, "structure")["outcome"] == "failed"
    assert "jose.claims_mismatch" in codes(result)


# --- dates: nbf/exp and the credential's own; the stricter wins -------------------------------


def test_expired_by_exp(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    past = int((datetime.now(UTC) - timedelta(days=1)).timestamp())
    result = verifier_for(issuer, web).verify(
        envelope(issuer.sign({**issuer.credential(), "exp": past}))
    )

    assert result.verdict.value == "expired"
    validity = check(result, "validity")
    assert validity["code"] == "expired"
    assert validity["details"]["untilSource"] == "the JWT's exp claim"
    assert "validity.expired" in codes(result)


def test_expired_by_valid_until_although_exp_is_later(web: FixtureWeb) -> None:
    issuer = Issuer.make("ES256", "key")
    future = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    token = issuer.sign({**issuer.credential(validUntil="2020-01-01T00:00:00Z"), "exp": future})
    validity = check(verifier_for(issuer, web).verify(envelope(token)), "validity")

    assert validity["code"] == "expired"
    assert validity["details"]["untilSource"] == "the credential's validUntil"


def test_not_yet_valid_by_nbf(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "jwk")
    future = int((datetime.now(UTC) + timedelta(days=3)).timestamp())
    result = verifier_for(issuer, web).verify(
        envelope(issuer.sign({**issuer.credential(), "nbf": future}))
    )

    assert result.verdict.value == "not_yet_valid"
    assert check(result, "validity")["details"]["fromSource"] == "the JWT's nbf claim"


def test_vc11_expired(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    claims = issuer.vc11_claims(
        nbf=int(datetime(2020, 1, 1, tzinfo=UTC).timestamp()),
        exp=int(datetime(2021, 1, 1, tzinfo=UTC).timestamp()),
    )
    result = verifier_for(issuer, web).verify(envelope(issuer.sign(claims, vc11=True)))

    assert result.verdict.value == "expired"
    assert result.credential["expirationDate"] == "2021-01-01T00:00:00Z"


def test_malformed_numeric_date_is_an_error(web: FixtureWeb) -> None:
    issuer = Issuer.make("EdDSA", "key")
    result = verifier_for(issuer, web).verify(
        envelope(issuer.sign({**issuer.credential(), "exp": "soon"}))
    )

    assert "jose.claims_malformed" in codes(result)


# --- status: the credentialStatus inside the payload -------------------------------------------


@pytest.mark.parametrize("revoked", [False, True])
def test_status_list_entry_in_the_payload_is_checked(revoked: bool) -> None:
    issuer = Issuer.make("EdDSA", "key")
    key = Ed25519SigningKey.from_seed(ED_SEED)  # the same key signs the status list (DI)
    url = "https://jwt-issuer.example.edu/status/1"
    lists = StaticStatusLists(
        {
            url: factories.status_list(
                url, set_bits=(31,) if revoked else (), key=key, issuer=issuer.did, vm=issuer.kid
            )
        }
    )
    token = issuer.jwt(
        credentialStatus=status_list_entry(list_url=url, index=31, purpose="revocation")
    )
    resolver = CompositeDidResolver({"key": DidKeyResolver()})
    verifier = Verifier(did_resolver=resolver, status_fetcher=lists)
    result = verifier.verify(envelope(token))

    statuses = result.checks_named("status")
    assert statuses
    if revoked:
        assert result.verdict.value == "revoked"
        assert "status.revoked" in codes(result)
    else:
        assert result.verified, result.as_dict()


# --- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        f"{b64json({'alg': 'EdDSA', 'typ': 'vc+jwt'})}.bm90IGpzb24.c2ln",  # payload not JSON
        f"{b64json({'alg': 'EdDSA', 'typ': 'vc+jwt'})}.{b64json([1])}.c2ln",  # payload a list
        f"{b64json({'alg': 'EdDSA', 'vc': 1})}.{b64json({'vc': 'x'})}.c2ln",  # vc not an object
    ],
)
def test_undecodable_jwt_is_a_named_4xx(text: str) -> None:
    with pytest.raises(MalformedCredentialError) as caught:
        Verifier.offline().verify(load_supported(text))
    assert caught.value.http_status < 500


def test_an_sd_jwt_envelope_stays_unsupported() -> None:
    document = {**envelope("x.y.z"), "id": "data:application/vc+sd-jwt,x.y.z"}
    with pytest.raises(UnsupportedFormatError):
        load_supported(json.dumps(document))


_B64 = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", max_size=40
)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _segment(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.fixed_dictionaries(
        {"alg": st.sampled_from(["EdDSA", "ES256", "RS256", "none", "HS256", 5])},
        optional={
            "typ": st.sampled_from(["vc+jwt", "JWT", 3]),
            "kid": st.text(max_size=30),
            "crit": _JSONISH,
        },
    ),
    payload=_JSONISH
    | st.fixed_dictionaries(
        {"vc": _JSONISH},
        optional={
            "iss": _JSONISH,
            "exp": _JSONISH,
            "nbf": _JSONISH,
            "sub": _JSONISH,
            "jti": _JSONISH,
        },
    ),
    signature=_B64,
    raw=st.text(max_size=60),
)
def test_any_compact_string_gets_a_result_or_a_4xx(
    header: dict[str, Any], payload: Any, signature: str, raw: str
) -> None:
    verifier = Verifier.offline()
    for text in (
        f"{_segment(header)}.{_segment(payload)}.{signature}",
        raw,
        f"{raw}.{signature}.x",
    ):
        assert identify(text).kind in set(Kind)
        assert _result_or_4xx(verifier, text)


def _result_or_4xx(verifier: Verifier, text: str) -> bool:
    """True when ``text`` gets a result, or a MalformedCredentialError with a 4xx."""
    try:
        result = verifier.verify(load_supported(text))
    except MalformedCredentialError as exc:
        return exc.http_status < 500
    return isinstance(result.as_dict()["verified"], bool)


# --- real fixtures -------------------------------------------------------------------------------


def test_waltid_did_jwk_es256_jwt_vc_signature_verifies() -> None:
    """A real walt.id ES256 did:jwk VC 1.1 JWT-VC (a StatusList2021Credential): the
    signature and key binding verify; its sub (the holder) contradicts its
    credentialSubject.id (the list), and its dates lack a timezone, so it is refused for
    structure, with those reasons named."""
    token = (FIXTURES / "waltid" / "statuslist2021-unrevoked.jwt").read_text().strip()
    result = Verifier.offline().verify(load_supported(token))

    assert check(result, "proof")["outcome"] == "passed"
    assert check(result, "proof")["details"]["alg"] == "ES256"
    assert check(result, "issuer")["outcome"] == "passed"
    assert check(result, "structure")["outcome"] == "failed"
    assert "jose.claims_mismatch" in codes(result)


def test_waltid_fixture_tampered_is_a_bad_signature() -> None:
    token = (FIXTURES / "waltid" / "statuslist2021-revoked-bits.jwt").read_text().strip()
    result = Verifier.offline().verify(envelope(tamper_payload(token)))

    assert check(result, "proof")["code"] == "jose.bad_signature"


def test_w3c_vc11_example_names_its_non_did_kid_and_expiry() -> None:
    token = (FIXTURES / "vc-jose-cose" / "vc-1.1-verifiable-credential.jwt").read_text().strip()
    result = Verifier.offline().verify(load_supported(token))

    assert not result.verified
    assert check(result, "proof")["code"] == "jose.kid_not_did"
    assert check(result, "validity")["code"] == "expired"
    assert result.credential["issuer"] == "https://example.edu/issuers/14"


def test_w3c_vc20_draft_example_holds_no_credential() -> None:
    """The repository's vc-2.0 example is from a draft (typ verifiable-credential+jwt)
    and its payload is plain JWT claims, no credential: named as a JWT not supported."""
    token = (FIXTURES / "vc-jose-cose" / "vc-2.0-verifiable-credential.jwt").read_text().strip()
    with pytest.raises(UnsupportedFormatError) as caught:
        load_supported(token)
    assert caught.value.details["format"] == "jwt"


# --- key resolution from any kid ---------------------------------------------------------------


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@settings(max_examples=200, deadline=None)
@given(
    kid=st.one_of(
        st.text(max_size=80),
        st.builds(lambda s: "did:key:" + s, st.text(max_size=60)),
        st.builds(lambda s: "did:key:z" + s, st.text(alphabet=_B58, max_size=60)),
        st.builds(lambda s: "did:jwk:" + s, _B64),
        st.builds(lambda v: "did:jwk:" + _segment(v), _JSONISH),
    )
)
def test_any_kid_resolves_or_fails_with_a_jose_code(kid: str) -> None:
    assert _key_or_code(kid).startswith(("jose.", "key:"))


def _key_or_code(kid: str) -> str:
    resolver = CompositeDidResolver({"key": DidKeyResolver()})
    try:
        key = resolve_key(kid, resolver)
    except JoseCheckError as exc:
        return exc.code
    return f"key:{key.jwk['kty']}"


# --- real EdDSA did:key VC 1.1 JWT-VCs (DIF DomainLinkageCredentials, aries-framework-go) -----

ARIES = FIXTURES / "aries-framework-go"
IN_WINDOW = datetime(2024, 6, 1, tzinfo=UTC)  # between their nbf (2020) and exp (2025-12-04)


@pytest.mark.parametrize(
    "name", ["domain-linkage-eddsa-did-key.jwt", "domain-linkage-eddsa-no-kid.jwt"]
)
def test_real_eddsa_did_key_jwt_vc_verifies_within_its_window(name: str) -> None:
    text = (ARIES / name).read_text()
    result = Verifier.offline(clock=lambda: IN_WINDOW).verify(load_supported(text))

    assert result.verified, result.as_dict()
    assert result.credential["type"] == ["VerifiableCredential", "DomainLinkageCredential"]
    assert check(result, "proof")["details"]["alg"] == "EdDSA"


@pytest.mark.parametrize(
    "name", ["domain-linkage-eddsa-did-key.jwt", "domain-linkage-eddsa-no-kid.jwt"]
)
def test_real_eddsa_did_key_jwt_vc_is_expired_now(name: str) -> None:
    result = Verifier.offline().verify(load_supported((ARIES / name).read_text()))

    assert result.verdict.value == "expired"
    assert check(result, "proof")["outcome"] == "passed"
    assert check(result, "validity")["details"]["untilSource"] == "the JWT's exp claim"


def test_real_jwt_vc_with_a_kid_the_did_key_does_not_have() -> None:
    text = (ARIES / "domain-linkage-eddsa-foreign-kid.jwt").read_text()
    result = Verifier.offline(clock=lambda: IN_WINDOW).verify(load_supported(text))

    assert check(result, "proof")["code"] == "jose.key_not_found"


def test_real_jwt_vc_tampered() -> None:
    text = (ARIES / "domain-linkage-eddsa-did-key.jwt").read_text().strip()
    result = Verifier.offline(clock=lambda: IN_WINDOW).verify(envelope(tamper_payload(text)))

    assert check(result, "proof")["code"] == "jose.bad_signature"
