"""Test issuers of StatusList2021 and RevocationList2020 lists (VC 1.1 envelope), signed
with the factories' did:key (microcred never issues these formats; only tests do)."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timedelta
from typing import Any

from credentials.keys import Ed25519SigningKey
from credentials.proofs import add_proof
from credentials.statuslist import Bitstring
from tests.credentials import factories as f

V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SL2021_CONTEXT = "https://w3id.org/vc/status-list/2021/v1"
RL2020_CONTEXT = "https://w3id.org/vc-revocation-list-2020/v1"
SL_URL = "https://creds.example/issuers/northwind/sl2021/1"
SUSPEND_URL = "https://creds.example/issuers/northwind/sl2021/2"
RL_URL = "https://creds.example/issuers/northwind/rl2020/1"
REVOKED = 94567


def encoded(bits: Bitstring | bytes) -> str:
    """GZIP + base64url without padding and without a multibase prefix (digitalbazaar's)."""
    raw = bits if isinstance(bits, bytes) else bits.to_bytes()
    return base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).rstrip(b"=").decode()


def sl2021_entry(
    index: int = REVOKED, *, purpose: str = "revocation", url: str = SL_URL
) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "StatusList2021Entry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def rl2020_entry(index: int = REVOKED, *, url: str = RL_URL) -> dict[str, Any]:
    return {
        "id": f"{url}#{index}",
        "type": "RevocationList2020Status",
        "revocationListIndex": str(index),
        "revocationListCredential": url,
    }


def v1_credential(status: Any, *, context: str = SL2021_CONTEXT) -> dict[str, Any]:
    """The factories' OpenBadgeCredential as VC 1.1 with ``status`` as its credentialStatus."""
    doc = f.credential()
    doc["@context"] = [V1_CONTEXT, OB3_CONTEXT, context]
    doc["issuanceDate"] = doc.pop("validFrom")
    doc["expirationDate"] = doc.pop("validUntil")
    doc["credentialStatus"] = status
    return doc


def signed_v1(status: Any, *, context: str = SL2021_CONTEXT) -> dict[str, Any]:
    return f.signed(v1_credential(status, context=context))


def status_list_2021(
    url: str = SL_URL,
    *,
    purpose: str = "revocation",
    set_bits: tuple[int, ...] = (),
    size: int = 131_072,
    key: Ed25519SigningKey = f.ISSUER_KEY,
    issuer: str = f.ISSUER_DID,
    vm: str = f.ISSUER_VM,
    expiration: datetime | None = None,
    encoded_list: str | None = None,
) -> dict[str, Any]:
    return _signed_list(
        {
            "@context": [V1_CONTEXT, SL2021_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": issuer,
            "issuanceDate": "2026-05-31T12:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "StatusList2021",
                "statusPurpose": purpose,
                "encodedList": encoded_list or encoded(_bits(size, set_bits)),
            },
        },
        key=key,
        vm=vm,
        expiration=expiration,
    )


def revocation_list_2020(
    url: str = RL_URL,
    *,
    set_bits: tuple[int, ...] = (),
    size: int = 131_072,
    key: Ed25519SigningKey = f.ISSUER_KEY,
    issuer: str = f.ISSUER_DID,
    vm: str = f.ISSUER_VM,
) -> dict[str, Any]:
    return _signed_list(
        {
            "@context": [V1_CONTEXT, RL2020_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "RevocationList2020Credential"],
            "issuer": issuer,
            "issuanceDate": "2026-05-31T12:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "RevocationList2020",
                "encodedList": encoded(_bits(size, set_bits)),
            },
        },
        key=key,
        vm=vm,
        expiration=None,
    )


def _bits(size: int, set_bits: tuple[int, ...]) -> bytes:
    data = bytearray(size // 8)
    for index in set_bits:
        data[index >> 3] |= 0x80 >> (index & 7)
    return bytes(data)


def _signed_list(
    doc: dict[str, Any], *, key: Ed25519SigningKey, vm: str, expiration: datetime | None
) -> dict[str, Any]:
    if expiration is not None:
        doc["expirationDate"] = expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    return add_proof(doc, key, verification_method=vm, created=f.NOW - timedelta(days=1))
