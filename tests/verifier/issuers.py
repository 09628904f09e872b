"""A did:web issuer served by a loopback test server: its DID document, status lists and
credentials, all really signed (keys from fixed seeds, as in tests/credentials/factories)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credentials.did import DidKey, build_did_web_document, did_web_for
from credentials.keys import Ed25519SigningKey
from credentials.proofs import RDFC
from credentials.statuslist import status_list_entry
from tests.credentials import factories
from tests.verifier.servers import TestServer

WEB_KEY = Ed25519SigningKey.from_seed(bytes(range(100, 132)))
STRANGER_KEY = Ed25519SigningKey.from_seed(bytes(range(200, 232)))
NOW = factories.NOW
REVOKED_INDEX = 94567
SUSPENDED_INDEX = 1234


@dataclass
class WebIssuer:
    server: TestServer
    slug: str = "northwind"

    @property
    def did(self) -> str:
        scheme = "https" if self.server.tls else "http"
        return did_web_for(f"{scheme}://localhost:{self.server.port}", "issuers", self.slug)

    @property
    def vm(self) -> str:
        return f"{self.did}#key-1"

    @property
    def did_path(self) -> str:
        return f"/issuers/{self.slug}/did.json"

    def status_path(self, number: int) -> str:
        return f"/issuers/{self.slug}/status/{number}"

    def status_url(self, number: int) -> str:
        return self.server.url(self.status_path(number))

    def did_document(self, did: str | None = None) -> dict[str, Any]:
        return build_did_web_document(did or self.did, [DidKey("key-1", WEB_KEY.public_key)])

    def publish_did_document(self, document: Any = None, **route: Any) -> None:
        route.setdefault("headers", {"Cache-Control": "max-age=300"})
        self.server.route(self.did_path, document or self.did_document(), **route)

    def status_list(
        self,
        number: int,
        *,
        purpose: str = "revocation",
        set_bits: tuple[int, ...] = (),
        key: Ed25519SigningKey = WEB_KEY,
    ) -> dict[str, Any]:
        return factories.status_list(
            self.status_url(number),
            purpose=purpose,
            set_bits=set_bits,
            key=key,
            issuer=self.did,
            vm=self.vm,
        )

    def publish_status_list(
        self,
        number: int,
        *,
        purpose: str = "revocation",
        set_bits: tuple[int, ...] = (),
        key: Ed25519SigningKey = WEB_KEY,
        **route: Any,
    ) -> None:
        route.setdefault("headers", {"Cache-Control": "max-age=60"})
        document = self.status_list(number, purpose=purpose, set_bits=set_bits, key=key)
        self.server.route(self.status_path(number), document, **route)

    def publish_all(self, *, revoked: bool = False, suspended: bool = False) -> None:
        self.publish_did_document()
        self.publish_status_list(1, set_bits=(REVOKED_INDEX,) if revoked else ())
        self.publish_status_list(
            2, purpose="suspension", set_bits=(SUSPENDED_INDEX,) if suspended else ()
        )

    def credential(self, *, suite: str = RDFC, key: Ed25519SigningKey = WEB_KEY) -> dict[str, Any]:
        unsigned = factories.credential(
            issuer={"id": self.did, "type": ["Profile"], "name": "Northwind Skills Academy"},
            credentialStatus=[
                status_list_entry(
                    list_url=self.status_url(1), index=REVOKED_INDEX, purpose="revocation"
                ),
                status_list_entry(
                    list_url=self.status_url(2), index=SUSPENDED_INDEX, purpose="suspension"
                ),
            ],
        )
        return factories.signed(unsigned, suite=suite, key=key, vm=self.vm)
