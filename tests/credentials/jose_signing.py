"""Test-only JWT credentials, signed with ``cryptography`` directly per RFC 7515 §5.1 —
an implementation other than the one under test (the verifier uses joserfc) — so a bug
shared by signer and verifier cannot make a test pass.

Issuers of every key type the verifier reads: ``did:key`` (Ed25519, P-256), ``did:jwk``
(Ed25519, P-256, RSA) and ``did:web`` (a DID document with ``publicKeyJwk``, served by
FixtureWeb in the tests that need one). Keys are fixed seeds: never real keys.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from credentials.multikey import encode_base58btc

VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
WEB_HOST = "jwt-issuer.example.edu"
WEB_DID = f"did:web:{WEB_HOST}"
ED_SEED = bytes(range(40, 72))
P256_SECRET = 0x1F2E3D4C5B6A798812345678ABCDEF0123456789FEDCBA9876543210AABBCCDD

_RSA_KEY: rsa.RSAPrivateKey | None = None


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64json(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":")).encode())


def _rsa() -> rsa.RSAPrivateKey:
    global _RSA_KEY  # noqa: PLW0603 - generated once per test run (slow)
    if _RSA_KEY is None:
        _RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _RSA_KEY


@dataclass
class Signer:
    """A key pair and the algorithm it signs with."""

    alg: str
    private: Any

    @classmethod
    def make(cls, alg: str) -> Signer:
        if alg == "EdDSA":
            return cls(alg, ed25519.Ed25519PrivateKey.from_private_bytes(ED_SEED))
        if alg == "ES256":
            return cls(alg, ec.derive_private_key(P256_SECRET, ec.SECP256R1()))
        if alg == "RS256":
            return cls(alg, _rsa())
        raise ValueError(alg)

    def sign(self, data: bytes) -> bytes:
        if self.alg == "EdDSA":
            return bytes(self.private.sign(data))
        if self.alg == "ES256":
            # JWS ES256 is r || s, 32 bytes each (RFC 7518 §3.4), not DER.
            r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return bytes(self.private.sign(data, padding.PKCS1v15(), hashes.SHA256()))

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        if self.alg == "EdDSA":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"kty": "OKP", "crv": "Ed25519", "x": b64(raw)}
        if self.alg == "ES256":
            numbers = public.public_numbers()
            return {
                "kty": "EC",
                "crv": "P-256",
                "x": b64(numbers.x.to_bytes(32, "big")),
                "y": b64(numbers.y.to_bytes(32, "big")),
            }
        numbers = public.public_numbers()
        return {
            "kty": "RSA",
            "n": b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64(numbers.e.to_bytes(3, "big")),
        }

    def did_key(self) -> str:
        public = self.private.public_key()
        if self.alg == "EdDSA":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return "did:key:" + encode_base58btc(b"\xed\x01" + raw)
        if self.alg == "ES256":
            point = public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
            )
            return "did:key:" + encode_base58btc(b"\x80\x24" + point)
        raise ValueError("no RSA did:key")

    def did_jwk(self) -> str:
        return "did:jwk:" + b64json(self.jwk())


@dataclass
class Issuer:
    """A JWT issuer: its DID, the kid it signs with and (did:web) its DID document."""

    signer: Signer
    method: str  # key | jwk | web
    did: str = ""
    kid: str = ""
    document: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def make(cls, alg: str, method: str) -> Issuer:
        signer = Signer.make(alg)
        if method == "key":
            did = signer.did_key()
            return cls(signer, method, did, f"{did}#{did.removeprefix('did:key:')}")
        if method == "jwk":
            did = signer.did_jwk()
            return cls(signer, method, did, f"{did}#0")
        kid = f"{WEB_DID}#key-{alg.lower()}"
        document = {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
            "id": WEB_DID,
            "verificationMethod": [
                {
                    "id": kid,
                    "type": "JsonWebKey2020",
                    "controller": WEB_DID,
                    "publicKeyJwk": signer.jwk(),
                }
            ],
            "assertionMethod": [kid],
        }
        return cls(signer, method, WEB_DID, kid, document)

    def credential(self, **overrides: Any) -> dict[str, Any]:
        """An OB 3.0 / VC 2.0 credential by this issuer (valid for a year)."""
        now = datetime.now(UTC).replace(microsecond=0)
        document: dict[str, Any] = {
            "@context": [VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "id": "urn:uuid:7f0c6a54-3a1c-4b8e-9d1e-5b2f2f6d9a10",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.did, "type": ["Profile"], "name": "JWT Test University"},
            "name": "Data Analysis Micro-credential",
            "validFrom": _z(now - timedelta(days=10)),
            "validUntil": _z(now + timedelta(days=365)),
            "credentialSubject": {
                "id": "did:example:learner-42",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://jwt-issuer.example.edu/achievements/data-analysis",
                    "type": ["Achievement"],
                    "name": "Data Analysis",
                    "description": "Cleans, analyses and reports on tabular data.",
                    "criteria": {"narrative": "Passed the assessed project."},
                },
            },
        }
        document.update(overrides)
        return document

    def vc11_claims(self, **overrides: Any) -> dict[str, Any]:
        """VC DM 1.1 §6.3.1 claims: the vc claim without the properties the claims carry."""
        now = int(datetime.now(UTC).timestamp())
        claims: dict[str, Any] = {
            "iss": self.did,
            "sub": "did:example:learner-42",
            "jti": "urn:uuid:0b1e8f0a-54a0-4c5e-8d4c-1a2b3c4d5e6f",
            "nbf": now - 86400,
            "iat": now - 86400,
            "exp": now + 365 * 86400,
            "vc": {
                "@context": [VC1],
                "type": ["VerifiableCredential"],
                "credentialSubject": {"degree": {"type": "BachelorDegree", "name": "BSc"}},
            },
        }
        claims.update(overrides)
        return claims

    def sign(
        self, payload: dict[str, Any], *, header: dict[str, Any] | None = None, vc11: bool = False
    ) -> str:
        protected = {"alg": self.signer.alg, "kid": self.kid, "typ": "JWT" if vc11 else "vc+jwt"}
        if header is not None:
            protected = {k: v for k, v in {**protected, **header}.items() if v is not None}
        signing_input = f"{b64json(protected)}.{b64json(payload)}"
        return f"{signing_input}.{b64(self.signer.sign(signing_input.encode('ascii')))}"

    def jwt(self, **overrides: Any) -> str:
        return self.sign(self.credential(**overrides))


def _z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def tamper_payload(token: str) -> str:
    """Change one character of the payload (still valid base64url JSON? not needed:
    the signature must fail first or the payload be refused)."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["name"] = str(decoded.get("name", "")) + "!"
    return f"{header}.{b64json(decoded)}.{signature}"


def tamper_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    return f"{header}.{payload}.{b64(bytes(raw))}"


def unsigned(token: str, alg: str = "none") -> str:
    header, payload, _ = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    decoded["alg"] = alg
    return f"{b64json(decoded)}.{payload}."
