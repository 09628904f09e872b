"""Test data for the credential core: a realistic OB 3.0 credential and its issuer.

Keys come from fixed seeds so failures are reproducible; nothing here is a mock —
signing, DID resolution and status lists are the real implementations.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from credentials.did import did_key_from_public_key, did_key_verification_method
from credentials.keys import Ed25519SigningKey
from credentials.proofs import RDFC, add_proof
from credentials.statuslist import Bitstring, build_status_list_credential, status_list_entry

ISSUER_KEY = Ed25519SigningKey.from_seed(bytes(range(32)))
ISSUER_DID = did_key_from_public_key(ISSUER_KEY.public_key)
ISSUER_VM = did_key_verification_method(ISSUER_DID)

OTHER_KEY = Ed25519SigningKey.from_seed(bytes(range(32, 64)))
OTHER_DID = did_key_from_public_key(OTHER_KEY.public_key)
OTHER_VM = did_key_verification_method(OTHER_DID)

STATUS_URL = "https://creds.example/issuers/northwind/status/1"
SUSPENSION_URL = "https://creds.example/issuers/northwind/status/2"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def credential(**overrides: Any) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential with two gig-project evidence entries."""
    doc: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:6a1c3e2e-6a0f-4d0c-8a57-2f1e9b6a4c11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Freelance Python API Developer",
        "issuer": {
            "id": ISSUER_DID,
            "type": ["Profile"],
            "name": "Northwind Skills Academy",
            "url": "https://northwind.example",
        },
        "validFrom": "2026-01-15T09:00:00Z",
        "validUntil": "2028-01-15T09:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": "Ada Okafor",
                },
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": "sha256$"
                    "3a4f2c2e1b0d9f8e7d6c5b4a39281706f5e4d3c2b1a0918273645546372819a0",
                    "salt": "p3pper",
                },
            ],
            "achievement": {
                "id": "https://creds.example/issuers/northwind/achievements/python-api",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Freelance Python API Developer",
                "description": "Designs, builds and tests HTTP APIs in Python for clients.",
                "criteria": {"narrative": "Each competency shown in two accepted gig projects."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "develop software prototypes",
                        "targetUrl": "http://data.europa.eu/esco/skill/d5e8e0e0-7f2c-4b46-9e68-3c2b6f6d0f3a",
                        "targetFramework": "ESCO",
                    }
                ],
            },
        },
        "evidence": [
            {
                "id": "https://www.upwork.com/freelancers/~01abc/portfolio/1",
                "type": ["Evidence"],
                "name": "Payments API for a bakery chain",
                "description": "Upwork · Crumb & Co · 2025 · 5.0★",
                "narrative": "Demonstrates competencies:\n- API design\n- Automated testing",
                "genre": "Gig project",
            },
            {
                "type": ["Evidence"],
                "name": "Inventory sync service",
                "description": "Fiverr · StockLoop · 2025 · 4.9★",
                "narrative": "Demonstrates competencies:\n- API design",
                "genre": "Gig project",
            },
        ],
        "credentialStatus": [
            status_list_entry(list_url=STATUS_URL, index=94567, purpose="revocation"),
            status_list_entry(list_url=SUSPENSION_URL, index=1234, purpose="suspension"),
        ],
    }
    doc.update(overrides)
    return doc


def signed(
    doc: dict[str, Any] | None = None,
    *,
    suite: str = RDFC,
    key: Ed25519SigningKey = ISSUER_KEY,
    vm: str = ISSUER_VM,
) -> dict[str, Any]:
    return add_proof(
        credential() if doc is None else doc,
        key,
        verification_method=vm,
        cryptosuite=suite,
        created=NOW - timedelta(days=30),
    )


def status_list(
    url: str = STATUS_URL,
    *,
    purpose: str = "revocation",
    set_bits: tuple[int, ...] = (),
    key: Ed25519SigningKey = ISSUER_KEY,
    issuer: str = ISSUER_DID,
    vm: str = ISSUER_VM,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    bits = Bitstring()
    for index in set_bits:
        bits.set(index)
    unsigned = build_status_list_credential(
        url=url,
        issuer=issuer,
        purpose=purpose,
        bitstring=bits,
        valid_from=NOW - timedelta(days=1),
        valid_until=valid_until,
    )
    return add_proof(unsigned, key, verification_method=vm, created=NOW - timedelta(days=1))


def deep(doc: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(doc)
