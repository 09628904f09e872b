"""The wallet-delivery endpoints in the OpenAPI document (plain Flask views, documented by
hand, as ``issuer.api.vcapi_doc`` does for the VC API issue endpoint). The offer page and
its QR codes are HTML and images for people, not API operations: they are left out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api

TAG = {
    "name": "wallet",
    "description": "Wallet delivery of an offered credential (docs/RECIPIENTS.md, "
    '"Wallets"): a W3C VC API exchange with DID Authentication, and OpenID for '
    "Verifiable Credential Issuance 1.0 (pre-authorized code flow, ldp_vc). The offer's "
    "token, the pre-authorized code and the access token are the only credentials.",
}

_OBJECT = {"type": "object"}
SCHEMAS: dict[str, dict[str, Any]] = {
    "WalletExchangeRequest": {
        "type": "object",
        "description": "{} to start; then {verifiablePresentation} with the DID Authentication",
        "properties": {"verifiablePresentation": _OBJECT},
    },
    "WalletExchangeResponse": {
        "type": "object",
        "description": "A verifiablePresentationRequest (DIDAuthentication, challenge, "
        "domain), or the verifiablePresentation with the credential issued to the holder",
        "properties": {"verifiablePresentationRequest": _OBJECT, "verifiablePresentation": _OBJECT},
    },
    "OAuthError": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    },
    "CredentialOffer": {
        "type": "object",
        "required": ["credential_issuer", "credential_configuration_ids", "grants"],
        "properties": {
            "credential_issuer": {"type": "string"},
            "credential_configuration_ids": {"type": "array", "items": {"type": "string"}},
            "grants": _OBJECT,
        },
    },
    "CredentialIssuerMetadata": {
        "type": "object",
        "required": ["credential_issuer", "credential_endpoint"],
        "properties": {
            "credential_issuer": {"type": "string"},
            "credential_endpoint": {"type": "string"},
            "nonce_endpoint": {"type": "string"},
            "credential_configurations_supported": _OBJECT,
        },
    },
    "AuthorizationServerMetadata": {
        "type": "object",
        "required": ["issuer", "token_endpoint"],
        "properties": {"issuer": {"type": "string"}, "token_endpoint": {"type": "string"}},
    },
    "TokenRequest": {
        "type": "object",
        "properties": {
            "grant_type": {"type": "string"},
            "pre-authorized_code": {"type": "string"},
            "tx_code": {"type": "string"},
        },
    },
    "TokenResponse": {
        "type": "object",
        "required": ["access_token", "token_type"],
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"type": "string"},
            "expires_in": {"type": "integer"},
        },
    },
    "NonceResponse": {
        "type": "object",
        "required": ["c_nonce"],
        "properties": {"c_nonce": {"type": "string"}},
    },
    "CredentialRequest": {
        "type": "object",
        "properties": {"credential_configuration_id": {"type": "string"}, "proofs": _OBJECT},
    },
    "CredentialResponse": {
        "type": "object",
        "required": ["credentials"],
        "properties": {"credentials": {"type": "array", "items": _OBJECT}},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _ok(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": _json(schema)}


def document(app: Flask, api: Api) -> None:
    spec = api.spec
    for name, schema in SCHEMAS.items():
        if name not in spec.components.schemas:
            spec.components.schema(name, component=schema)
    spec.tag(TAG)
    problem = {"$ref": "#/components/responses/VC_API_PROBLEM"}
    oauth = {"description": "OAuth 2.0 / OID4VCI error", "content": _json("OAuthError")}
    default = {"$ref": "#/components/responses/DEFAULT_ERROR"}
    too_large = {"$ref": "#/components/responses/REQUEST_ENTITY_TOO_LARGE"}
    token_parameter = {
        "name": "token",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }

    def path(endpoint: str, method: str, operation: dict[str, Any], **extra: Any) -> None:
        spec.path(
            rule=next(app.url_map.iter_rules(endpoint)),
            operations={method: {"tags": ["wallet"], "security": [], **operation}},
            **extra,
        )

    path(
        "wallet.exchange",
        "post",
        {
            "summary": "Participate in a wallet-delivery exchange (W3C VC API)",
            "description": "{} answers a VerifiablePresentationRequest for DIDAuthentication; "
            "the signed presentation answers the credential. 404 unknown offer, 409 used, "
            "410 expired, 400 a presentation that does not verify or is bound to another "
            "challenge or domain.",
            "parameters": [token_parameter],
            "requestBody": {"required": True, "content": _json("WalletExchangeRequest")},
            "responses": {
                "200": _ok("WalletExchangeResponse"),
                "400": problem,
                "404": problem,
                "409": problem,
                "410": problem,
                "413": too_large,
                "default": default,
            },
        },
    )
    path(
        "wallet.credential_issuer_metadata",
        "get",
        {
            "summary": "OpenID4VCI Credential Issuer Metadata",
            "responses": {"200": _ok("CredentialIssuerMetadata"), "default": default},
        },
    )
    path(
        "wallet.authorization_server_metadata",
        "get",
        {
            "summary": "OAuth 2.0 Authorization Server Metadata (RFC 8414)",
            "responses": {"200": _ok("AuthorizationServerMetadata"), "default": default},
        },
    )
    path(
        "wallet.credential_offer",
        "get",
        {
            "summary": "OpenID4VCI Credential Offer (credential_offer_uri)",
            "parameters": [token_parameter],
            "responses": {
                "200": _ok("CredentialOffer"),
                "404": problem,
                "409": problem,
                "410": problem,
                "default": default,
            },
        },
    )
    path(
        "wallet.token",
        "post",
        {
            "summary": "OpenID4VCI Token Endpoint (pre-authorized code grant)",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {"$ref": "#/components/schemas/TokenRequest"}
                    }
                },
            },
            "responses": {
                "200": _ok("TokenResponse"),
                "400": oauth,
                "413": too_large,
                "default": default,
            },
        },
    )
    path(
        "wallet.nonce",
        "post",
        {
            "summary": "OpenID4VCI Nonce Endpoint",
            "responses": {"200": _ok("NonceResponse"), "default": default},
        },
    )
    path(
        "wallet.credential",
        "post",
        {
            "summary": "OpenID4VCI Credential Endpoint (ldp_vc, jwt proof)",
            "description": "Authorization: Bearer <the access token of the token endpoint>.",
            "requestBody": {"required": True, "content": _json("CredentialRequest")},
            "responses": {
                "200": _ok("CredentialResponse"),
                "400": oauth,
                "401": oauth,
                "413": too_large,
                "default": default,
            },
        },
    )
