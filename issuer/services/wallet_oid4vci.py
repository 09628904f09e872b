"""OpenID for Verifiable Credential Issuance 1.0: the pre-authorized code flow, ``ldp_vc``.

This service is its own Credential Issuer and its own OAuth 2.0 Authorization Server;
the Credential Issuer Identifier is ``MICROCRED_BASE_URL``. The flow (OID4VCI 1.0 §3.5):

1. the wallet reads the Credential Offer (``credential_offer``: by value in the
   ``openid-credential-offer://`` URI, or by reference at ``credential_offer_uri``) and
   the Credential Issuer Metadata (``issuer_metadata``, at
   ``/.well-known/openid-credential-issuer``; §12.2);
2. it trades the pre-authorized code for an access token at the token endpoint
   (``redeem_code``, §6; RFC 6749 errors: ``invalid_grant`` …). The code is single use;
   no Transaction Code is asked for (the offer's URL is the secret, see
   ``issuer.services.wallet``);
3. it asks the Nonce Endpoint for a ``c_nonce`` (``new_nonce``, §7): stored hashed,
   single use, short-lived;
4. it sends a Credential Request with a ``jwt`` proof of possession of its key
   (``issue_credential``, §8; the proof JWT is checked with joserfc in
   ``issuer.services.wallet_proofs``) and receives the wallet copy signed with Data
   Integrity (``ldp_vc``).

Errors are ``OAuthError``s: the edge answers ``{"error", "error_description"}`` with
the status the spec names (400, or 401 with ``WWW-Authenticate`` for a bad access token).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from credentials.errors import MicrocredError
from issuer.models import WalletNonce, WalletOffer
from issuer.services import wallet
from issuer.services.wallet_proofs import ProofError, verify_proof_jwt
from microcred.platform.context import app_config
from microcred.platform.extensions import db

__all__ = [
    "CONFIGURATION_ID",
    "PRE_AUTHORIZED_GRANT",
    "OAuthError",
    "authorization_server_metadata",
    "credential_offer",
    "issue_credential",
    "issuer_metadata",
    "new_nonce",
    "redeem_code",
]

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
#: The one credential configuration: an Open Badges 3.0 credential as ``ldp_vc``.
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
ACCESS_TOKEN_LIFETIME = timedelta(minutes=10)
NONCE_LIFETIME = timedelta(minutes=5)
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
PROOF_ALGORITHMS = ("EdDSA", "Ed25519", "ES256")


class OAuthError(MicrocredError):
    """An OAuth 2.0 / OID4VCI error response: ``error`` is the spec's code."""

    http_status = 400

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description, code=error)
        self.error = error
        self.http_status = status

    @property
    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.message}

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Cache-Control": "no-store"}
        if self.http_status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return headers


def _base() -> str:
    base: str = app_config()["MICROCRED_BASE_URL"]
    return base


# --- metadata and offer -----------------------------------------------------------------------


def issuer_metadata() -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2.4)."""
    base = _base()
    return {
        "credential_issuer": base,
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [{"name": "microcred", "locale": "en"}],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022", "eddsa-jcs-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}
                },
                "credential_definition": {
                    "@context": [wallet.VC_V2_CONTEXT, OB3_CONTEXT],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "credential_metadata": {
                    "display": [
                        {
                            "name": "Micro-credential (Open Badges 3.0)",
                            "locale": "en",
                            "description": "A micro-certification earned on gig projects",
                        }
                    ]
                },
            }
        },
    }


def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414 metadata of the Authorization Server (this service), with OID4VCI's
    ``pre-authorized_grant_anonymous_access_supported`` (§12.3)."""
    base = _base()
    return {
        "issuer": base,
        "token_endpoint": f"{base}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "response_types_supported": [],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def credential_offer(token: str) -> dict[str, Any]:
    """The Credential Offer of the offer whose token is ``token`` (§4.1.1)."""
    return {
        "credential_issuer": _base(),
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {
            PRE_AUTHORIZED_GRANT: {"pre-authorized_code": wallet.pre_authorized_code_for(token)}
        },
    }


def offer_document(token: str) -> dict[str, Any]:
    """What ``credential_offer_uri`` answers: the offer, if it can still be taken up."""
    wallet.offer_by_token(token)
    return credential_offer(token)


# --- token endpoint -------------------------------------------------------------------------


def redeem_code(form: Mapping[str, str], *, now: datetime | None = None) -> dict[str, Any]:
    """Token Request with the pre-authorized code grant (§6.1) -> Token Response (§6.2)."""
    moment = now or datetime.now(UTC)
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError("invalid_request", "grant_type is required")
    if grant != PRE_AUTHORIZED_GRANT:
        raise OAuthError(
            "unsupported_grant_type", f"only the grant type {PRE_AUTHORIZED_GRANT} is supported"
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is required")
    if form.get("tx_code"):
        raise OAuthError("invalid_request", "this offer asks for no tx_code; send none")
    offer = db.session.scalar(
        select(WalletOffer)
        .where(WalletOffer.code_hash == wallet.token_hash(code))
        .with_for_update()
    )
    if offer is None:
        raise OAuthError("invalid_grant", "the pre-authorized code is not one this issuer gave")
    if offer.code_used_at is not None or offer.used_at is not None:
        raise OAuthError("invalid_grant", "the pre-authorized code was used already")
    if offer.expires_at <= moment:
        raise OAuthError("invalid_grant", "the pre-authorized code (its offer) has expired")
    access_token = secrets.token_urlsafe(32)
    offer.code_used_at = moment
    offer.access_token_hash = wallet.token_hash(access_token)
    offer.access_token_expires_at = moment + ACCESS_TOKEN_LIFETIME
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
        "authorization_details": [
            {
                "type": "openid_credential",
                "credential_configuration_id": CONFIGURATION_ID,
                "credential_identifiers": [CONFIGURATION_ID],
            }
        ],
    }


# --- nonce endpoint -------------------------------------------------------------------------


def new_nonce(*, now: datetime | None = None) -> str:
    """A fresh ``c_nonce`` (§7.2); expired ones are swept on the way."""
    moment = now or datetime.now(UTC)
    db.session.execute(delete(WalletNonce).where(WalletNonce.expires_at <= moment))
    nonce = secrets.token_urlsafe(24)
    db.session.add(
        WalletNonce(nonce_hash=wallet.token_hash(nonce), expires_at=moment + NONCE_LIFETIME)
    )
    return nonce


def _spend_nonce(nonce: object, moment: datetime) -> None:
    if not isinstance(nonce, str) or not nonce:
        raise OAuthError(
            "invalid_nonce", "the proof has no nonce claim; get one at the nonce endpoint"
        )
    spent = db.session.execute(
        delete(WalletNonce).where(
            WalletNonce.nonce_hash == wallet.token_hash(nonce), WalletNonce.expires_at > moment
        )
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        raise OAuthError(
            "invalid_nonce",
            "the proof's nonce is unknown, expired or used; get a fresh one at the nonce endpoint",
        )


# --- credential endpoint --------------------------------------------------------------------


def issue_credential(
    authorization: str | None, body: object, *, now: datetime | None = None
) -> dict[str, Any]:
    """Credential Request (§8.2) -> Credential Response (§8.3): the wallet copy."""
    moment = now or datetime.now(UTC)
    offer = _offer_for_token(authorization, moment)
    proofs = _proofs(body)
    jwt = proofs[0]
    try:
        proved = verify_proof_jwt(jwt, audience=_base(), algorithms=PROOF_ALGORITHMS, now=moment)
    except ProofError as exc:
        raise OAuthError("invalid_proof", str(exc)) from None
    _spend_nonce(proved.nonce, moment)
    try:
        issued = wallet.issue_copy(offer, proved.did, protocol="oid4vci", now=moment)
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        # The credential was revoked or suspended after the offer, say (§8.3.1.2).
        raise OAuthError("credential_request_denied", exc.message) from None
    return {"credentials": [{"credential": json.loads(issued.document)}]}


def _offer_for_token(authorization: str | None, moment: datetime) -> WalletOffer:
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise OAuthError(
            "invalid_token", "send the access token as Authorization: Bearer <token>", status=401
        )
    offer = db.session.scalar(
        select(WalletOffer)
        .where(WalletOffer.access_token_hash == wallet.token_hash(value.strip()))
        .with_for_update()
    )
    if offer is None or offer.access_token_expires_at is None:
        raise OAuthError(
            "invalid_token", "the access token is not one this issuer gave", status=401
        )
    if offer.used_at is not None:
        raise OAuthError(
            "invalid_token", "the access token was used: it delivers one credential", status=401
        )
    if offer.access_token_expires_at <= moment or offer.expires_at <= moment:
        raise OAuthError("invalid_token", "the access token has expired", status=401)
    return offer


def _proofs(body: object) -> list[str]:
    if not isinstance(body, Mapping):
        raise OAuthError("invalid_credential_request", "the request body must be a JSON object")
    configuration = body.get("credential_configuration_id")
    identifier = body.get("credential_identifier")
    if configuration is not None and identifier is not None:
        raise OAuthError(
            "invalid_credential_request",
            "send credential_configuration_id or credential_identifier, not both",
        )
    if identifier is not None and identifier != CONFIGURATION_ID:
        raise OAuthError(
            "unknown_credential_identifier", f"no credential identifier {identifier!r}"
        )
    if identifier is None and configuration != CONFIGURATION_ID:
        raise OAuthError(
            "unknown_credential_configuration",
            f"credential_configuration_id must be {CONFIGURATION_ID!r}",
        )
    proofs = body.get("proofs")
    if body.get("proof") is not None:
        # Drafts before 1.0 sent one ``proof``; 1.0 has only ``proofs``.
        raise OAuthError("invalid_credential_request", 'send proofs: {"jwt": [...]} (OID4VCI 1.0)')
    if not isinstance(proofs, Mapping) or set(proofs) != {"jwt"}:
        raise OAuthError(
            "invalid_credential_request", 'proofs must be an object with one key, "jwt"'
        )
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
        raise OAuthError(
            "invalid_credential_request", "proofs.jwt must be a list of one proof JWT (no batches)"
        )
    return jwts
