"""The OID4VCI ``jwt`` proof of possession (OpenID4VCI 1.0 Appendix F.1), checked with
joserfc: no JOSE is parsed or verified by hand here.

The proof names the holder's key in exactly one header parameter:

- ``kid``: a DID URL of a did:key (Ed25519) or a did:jwk; the credential is issued to
  that DID;
- ``jwk``: a bare public key; the credential is issued to its did:jwk.

Checked: ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is an asymmetric algorithm we
accept; the signature; ``aud`` is this Credential Issuer; ``iat`` is present and recent;
``nonce`` is returned for the caller to spend (a wrong nonce is ``invalid_nonce``, not
``invalid_proof``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, OKPKey
from joserfc.util import json_b64decode, urlsafe_b64encode

from credentials.did import did_key_public_key
from credentials.errors import MicrocredError

__all__ = ["PROOF_TYP", "ProofError", "ProvedKey", "verify_proof_jwt"]

PROOF_TYP = "openid4vci-proof+jwt"
MAX_PROOF_CHARS = 8_000
#: How far ``iat`` may be from our clock (wallets' clocks drift; a proof is used at once).
IAT_WINDOW = timedelta(minutes=5)


class ProofError(Exception):
    """Why a proof JWT is refused (the caller answers ``invalid_proof``)."""


@dataclass(frozen=True, slots=True)
class ProvedKey:
    """The holder's DID, proved by the JWT's signature, and the JWT's ``nonce`` claim."""

    did: str
    nonce: object


def verify_proof_jwt(
    value: str, *, audience: str, algorithms: Sequence[str], now: datetime
) -> ProvedKey:
    if not isinstance(value, str) or len(value) > MAX_PROOF_CHARS:
        raise ProofError(f"the proof must be a compact JWT of at most {MAX_PROOF_CHARS} characters")
    try:
        header = jws.extract_compact(value.encode()).protected
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofError(f"the proof is not a compact JWS: {exc}") from None
    if header.get("typ") != PROOF_TYP:
        raise ProofError(f"the proof's typ header must be {PROOF_TYP!r}")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        raise ProofError(f"the proof's alg must be one of {', '.join(algorithms)}")
    did, key = _holder_key(header)
    try:
        with warnings.catch_warnings():
            # joserfc warns that "EdDSA" is superseded by "Ed25519" (RFC 9864); wallets
            # still send it, and it names the same signature.
            warnings.simplefilter("ignore")
            token = jwt.decode(value, key, algorithms=[alg])
    except (JoseError, ValueError, TypeError) as exc:
        raise ProofError(f"the proof's signature does not verify with its key: {exc}") from None
    claims = token.claims
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise ProofError(f"the proof's aud must be the credential issuer {audience!r}")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise ProofError("the proof has no iat (issued at) claim")
    if abs(now.timestamp() - iat) > IAT_WINDOW.total_seconds():
        raise ProofError("the proof's iat is more than five minutes from our clock")
    return ProvedKey(did, claims.get("nonce"))


def _holder_key(header: dict[str, Any]) -> tuple[str, Any]:
    named = [name for name in ("kid", "jwk", "x5c") if name in header]
    if len(named) != 1:
        raise ProofError("the proof must name its key in exactly one of the kid or jwk headers")
    if named[0] == "x5c":
        raise ProofError("x5c proofs are not supported; use kid (did:key, did:jwk) or jwk")
    if named[0] == "jwk":
        jwk = header["jwk"]
        return _did_jwk(jwk), _public_key(jwk)
    kid = header["kid"]
    if not isinstance(kid, str):
        raise ProofError("the kid header must be a DID URL")
    did = kid.split("#", 1)[0]
    if did.startswith("did:key:"):
        try:
            raw = did_key_public_key(did)
        except MicrocredError as exc:
            raise ProofError(f"the kid is not a usable did:key: {exc.message}") from None
        return did, OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)})
    if did.startswith("did:jwk:"):
        try:
            jwk = json_b64decode(did.removeprefix("did:jwk:").encode())
        except (ValueError, TypeError) as exc:
            raise ProofError(f"the kid is not a well-formed did:jwk: {exc}") from None
        _public_key(jwk)
        return did, _public_key(jwk)
    raise ProofError("the kid must be a did:key or did:jwk DID URL")


def _public_key(jwk: object) -> Any:
    if not isinstance(jwk, dict) or "d" in jwk:
        raise ProofError("the key must be a public JWK (an object without a private part)")
    try:
        return JWKRegistry.import_key(jwk)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ProofError(f"the JWK is not a usable public key: {exc}") from None


def _did_jwk(jwk: dict[str, Any]) -> str:
    """did:jwk of a public JWK: its JSON, base64url (the did:jwk method's encoding)."""
    text = json.dumps(jwk, separators=(",", ":"), sort_keys=True)
    return "did:jwk:" + _b64(text.encode())


def _b64(data: bytes) -> str:
    return urlsafe_b64encode(data).decode()
