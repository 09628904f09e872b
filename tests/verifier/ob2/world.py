"""The Open Badges 2.0 fixtures served as their issuers would (``FixtureWeb``).

Committed fixtures: tests/fixtures/openbadges-validator-core and
tests/fixtures/openbadges-specification (see their READMEs). The OB 1.0 fixtures' URLs
are ``http://a.com/...``; they are rewritten to ``https://a.com/...`` here, in the
documents and in the served URLs, so the SSRF guard's https-only rule stays as in
production. Signed badges are signed with a key generated per test run.
"""

from __future__ import annotations

import base64
import copy
import json
import struct
import zlib
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.jwk import RSAKey

from credentials.documents.png_chunks import make_chunk
from tests.verifier.servers import FixtureWeb

ROOT = Path(__file__).resolve().parents[2] / "fixtures"
CORE = ROOT / "openbadges-validator-core"
SPEC = ROOT / "openbadges-specification"
HOSTS = ["example.org", "a.com"]

ASSERTION_URL = "https://example.org/beths-robotics-badge.json"
BADGE_URL = "https://example.org/robotics-badge.json"
ISSUER_URL = "https://example.org/organization.json"
KEY_URL = "https://example.org/keys/1"
REVOCATIONS_URL = "https://example.org/revocations.json"
SVG_ASSERTION_URL = "https://example.org/assertions/123"
RECIPIENT = "nobody@example.org"  # 2_0_basic_assertion's hashed identity (salt deadsea)


def load(name: str) -> dict[str, Any]:
    text = (CORE / name).read_text(encoding="utf-8").replace("http://a.com", "https://a.com")
    data: dict[str, Any] = json.loads(text)
    return data


def serve_hosted(web: FixtureWeb, assertion: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 2.0 basic assertion, badge class and issuer at their URLs; the assertion."""
    assertion = assertion if assertion is not None else load("2_0_basic_assertion.json")
    web.serve(ASSERTION_URL, assertion)
    web.serve(BADGE_URL, load("2_0_basic_badgeclass.json"))
    web.serve(ISSUER_URL, load("2_0_basic_issuer.json"))
    return assertion


def serve_v1(web: FixtureWeb) -> dict[str, Any]:
    assertion = load("1_0_basic_assertion.json")
    web.serve("https://a.com/instance", assertion)
    web.serve("https://a.com/badgeclass", load("1_0_basic_badgeclass.json"))
    web.serve("https://a.com/issuer", load("1_0_basic_issuer.json"))
    return assertion


def serve_svg_example(web: FixtureWeb) -> bytes:
    from credentials.documents.ob2_baked import svg_text

    svg = (SPEC / "baked_hosted_example.svg").read_bytes()
    text = svg_text(svg)
    assert text is not None
    web.serve(SVG_ASSERTION_URL, json.loads(text))
    return svg


class Signer:
    """An issuer of signed badges: its key, profile and revocation list on FixtureWeb."""

    def __init__(self, web: FixtureWeb) -> None:
        self.web = web
        self.key = RSAKey.generate_key(2048)
        self.issuer = load("2_0_basic_issuer.json") | {
            "publicKey": KEY_URL,
            "revocationList": REVOCATIONS_URL,
        }
        self.revoked: list[Any] = []
        self.publish()

    def publish(self, owner: str = ISSUER_URL) -> None:
        pem = self.key.as_pem(private=False).decode()
        self.web.serve(
            KEY_URL,
            {
                "@context": "https://w3id.org/openbadges/v2",
                "type": "CryptographicKey",
                "id": KEY_URL,
                "owner": owner,
                "publicKeyPem": pem,
            },
        )
        self.web.serve(BADGE_URL, load("2_0_basic_badgeclass.json"))
        self.web.serve(ISSUER_URL, self.issuer)
        self.web.serve(
            REVOCATIONS_URL,
            {
                "@context": "https://w3id.org/openbadges/v2",
                "id": REVOCATIONS_URL,
                "type": "RevocationList",
                "issuer": ISSUER_URL,
                "revokedAssertions": self.revoked,
            },
        )

    def assertion(self, **changes: Any) -> dict[str, Any]:
        assertion = copy.deepcopy(load("2_0_basic_assertion.json"))
        assertion["id"] = "urn:uuid:a9f3c5e2-3f6c-4b7a-9a1e-0c5a0e8f2d11"
        assertion["verification"] = {"type": "signed", "creator": KEY_URL}
        assertion.update(changes)
        return assertion

    def sign(self, assertion: dict[str, Any], alg: str = "RS256") -> str:
        payload = json.dumps(assertion, separators=(",", ":"))
        token: str = jws.serialize_compact({"alg": alg}, payload, self.key, algorithms=[alg])
        return token


def tamper(token: str) -> str:
    """The JWS with its payload changed (the recipient hash, one character) and the
    signature kept: a badge altered after it was signed."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    identity = data["recipient"]["identity"]
    data["recipient"]["identity"] = identity[:-1] + ("0" if identity[-1] != "0" else "1")
    changed = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


def bake_png(text: str, *, compressed: bool = False, legacy: bool = False) -> bytes:
    """The validator's unbaked heart with an ``openbadges`` chunk holding ``text``."""
    png = (CORE / "public_domain_heart.png").read_bytes()
    if legacy:
        chunk = make_chunk(b"tEXt", b"openbadges\x00" + text.encode("latin-1"))
    else:
        body = zlib.compress(text.encode()) if compressed else text.encode()
        flag = b"\x01\x00" if compressed else b"\x00\x00"
        chunk = make_chunk(b"iTXt", b"openbadges\x00" + flag + b"\x00\x00" + body)
    (ihdr_length,) = struct.unpack(">I", png[8:12])
    cut = 8 + 12 + ihdr_length
    return png[:cut] + chunk + png[cut:]


def bake_svg(verify: str, body: str = "") -> bytes:
    inner = f"<![CDATA[{body}]]>" if body else ""
    end = f">{inner}</openbadges:assertion>" if body else "/>"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" '
        f'viewBox="0 0 10 10"><openbadges:assertion verify="{verify}"{end}'
        '<rect width="10" height="10"/></svg>'
    ).encode()
