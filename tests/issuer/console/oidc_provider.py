"""A real OpenID Connect provider on loopback for the console's single sign-on tests.

Built with Authlib's server side (``AuthorizationServer``, ``AuthorizationCodeGrant``,
PKCE's ``CodeChallenge`` and ``OpenIDCode``), served over TLS with the tests' CA
(``tests.verifier.servers``) on ``https://localhost:<port>``: discovery, JWKS, authorize
(auto-approving the configured test user) and token. In-memory clients and codes; a code
works once (Authlib deletes it when used).

``IdP.mode`` makes it misbehave the way a provider could, for the refusal tests:
``"bad_signature"`` (signs with a key it does not publish, under the published kid),
``"wrong_aud"``, ``"expired"``, ``"unverified_email"``, ``"wrong_iss"``.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.verifier.servers import TlsMaterial

CLIENT_ID = "microcred-console"
CLIENT_SECRET = "s3cret-of-the-client"


@dataclass
class Person:
    sub: str
    email: str
    name: str = "Sam Single"
    email_verified: bool = True


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(part for part in (scope or "").split() if part in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class IdP:
    """The provider; ``issuer`` is its https URL once served."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"})
        self.impostor = RSAKey.generate_key(2048, parameters={"kid": "idp-1", "use": "sig"})
        self.person = Person(sub="u-1", email="sam@acme-staff.example")
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, Code] = {}
        self.mode = ""
        self.issuer = ""
        self.token_requests = 0
        self.app = self._build()

    def register(self, redirect_uri: str) -> None:
        self.clients[CLIENT_ID] = Client(CLIENT_ID, CLIENT_SECRET, [redirect_uri])

    # --- the Flask app ---------------------------------------------------------------------

    def _build(self) -> Flask:
        idp = self
        app = Flask("test-idp")

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]  # noqa: RUF012

            def save_authorization_code(self, code: str, req: Any) -> None:
                payload = req.payload
                idp.codes[code] = Code(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=payload.redirect_uri,
                    scope=req.scope,
                    person=req.user,
                    nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = idp.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                idp.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.person

        class IdToken(OpenIDCode):
            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return idp.impostor if idp.mode == "bad_signature" else idp.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                claims: dict[str, Any] = {
                    "iss": idp.issuer if idp.mode != "wrong_iss" else idp.issuer + "/other",
                    "aud": [client.client_id if idp.mode != "wrong_aud" else "someone-else"],
                    "exp": now + 300,
                    "iat": now,
                }
                if idp.mode == "expired":
                    claims.update(exp=now - 600, iat=now - 900)
                return claims

            def exists_nonce(self, nonce: str, req: Any) -> bool:
                return any(code.nonce == nonce for code in idp.codes.values())

            def generate_user_info(self, user: Person, scope: str) -> dict[str, Any]:
                verified = user.email_verified and idp.mode != "unverified_email"
                return {
                    "sub": user.sub,
                    "name": user.name,
                    "email": user.email,
                    "email_verified": verified,
                }

        server = AuthorizationServer(
            app,
            query_client=idp.clients.get,
            save_token=lambda token, req: None,
        )
        server.register_grant(
            CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=idp.issuer,
                authorization_endpoint=idp.issuer + "/authorize",
                token_endpoint=idp.issuer + "/token",
                jwks_uri=idp.issuer + "/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                token_endpoint_auth_methods_supported=["client_secret_post"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(keys=[idp.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Any:
            # Auto-approves the test person (a real provider would ask them to sign in).
            grant = server.get_consent_grant(end_user=idp.person)
            return server.create_authorization_response(grant_user=idp.person, grant=grant)

        @app.post("/token")
        def token() -> Any:
            idp.token_requests += 1
            return server.create_token_response()

        _ = request  # the endpoints read Flask's request through Authlib
        return app


def serve(tls: TlsMaterial) -> Iterator[IdP]:
    """Serve a fresh provider over TLS on loopback for the duration of a test."""
    idp = IdP()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.cert_path, tls.key_path)
    server = make_server("127.0.0.1", 0, idp.app, threaded=True, ssl_context=context)
    idp.issuer = f"https://localhost:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
