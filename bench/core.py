"""Credential core: sign and verify ops/s per suite on one core, next to raw Ed25519.

Run: ``make bench`` (all benchmarks) or ``.venv/bin/python -m bench.core``.

The credential is an Open Badges 3.0 OpenBadgeCredential with three competencies,
two gig-project evidence entries and a status entry. A pool of distinct
credentials is cycled so that nothing is measured on a single cached document:
the only caches in play are the ones a long-running service has too (processed
JSON-LD contexts, parsed public keys).
"""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyld import jsonld as pyld

from bench.timing import measure, pin_to_one_core, report
from credentials import canonical, jsonld
from credentials.did import DidKeyResolver, did_key_from_public_key, did_key_verification_method
from credentials.keys import Ed25519SigningKey
from credentials.ob3 import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Profile,
    Recipient,
    build_credential,
)
from credentials.proofs import JCS, RDFC, add_proof, verify_proofs
from credentials.resolvers import CompositeDidResolver
from credentials.statuslist import status_list_entry
from credentials.verify import Verifier

POOL = 200
TARGETS = {("verify", RDFC): 550.0, ("verify", JCS): 4500.0}


def make_pool(key: Ed25519SigningKey, size: int = POOL) -> list[dict[str, Any]]:
    did = did_key_from_public_key(key.public_key)
    competencies = (
        Competency(
            name="API design",
            alignments=(
                Alignment(
                    target_name="design application programming interfaces",
                    target_url="http://data.europa.eu/esco/skill/1b7c6b3d-1b3c-4a6b-9b8d-2a5d9f3e4c10",
                    target_framework="ESCO",
                ),
            ),
        ),
        Competency(name="Automated testing"),
        Competency(name="Client communication"),
    )
    pool = []
    for i in range(size):
        achievement = Achievement(
            id="https://creds.example/issuers/northwind/achievements/python-api",
            name="Freelance Python API Developer",
            description="Designs, builds and tests HTTP APIs in Python for clients.",
            criteria_narrative="Each competency demonstrated by an accepted gig project.",
            competencies=competencies,
        )
        doc = build_credential(
            id=f"urn:uuid:{uuid.UUID(int=i + 1)}",
            issuer=Profile(
                id=did, name="Northwind Skills Academy", url="https://northwind.example"
            ),
            achievement=achievement,
            recipient=Recipient(name=f"Freelancer {i}", email=f"f{i}@example.com", salt="s4lt"),
            evidence=(
                GigEvidence(
                    name=f"Payments API #{i}",
                    description="Upwork · Crumb & Co · 2025 · 5.0★",
                    competencies=("API design", "Automated testing"),
                    url=f"https://www.upwork.com/portfolio/{i}",
                ),
                GigEvidence(
                    name=f"Support bot #{i}",
                    description="Fiverr · StockLoop · 2025 · 4.9★",
                    competencies=("Client communication",),
                ),
            ),
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            valid_until=datetime(2030, 1, 1, tzinfo=UTC),
            credential_status=status_list_entry(
                list_url="https://creds.example/status/1", index=1000 + i, purpose="revocation"
            ),
        )
        pool.append(doc)
    return pool


def run(seconds: float) -> None:
    print(f"# credential core benchmark ({pin_to_one_core()}, {seconds:.0f} s per figure)")
    raw_key = Ed25519PrivateKey.generate()
    raw_public = raw_key.public_key()
    message = b"\x42" * 64
    raw_signature = raw_key.sign(message)
    raw_verify = measure(
        "raw Ed25519 verify (cryptography)",
        lambda i: raw_public.verify(raw_signature, message),
        seconds=seconds,
    )
    report(raw_verify)
    report(
        measure("raw Ed25519 sign (cryptography)", lambda i: raw_key.sign(message), seconds=seconds)
    )

    key = Ed25519SigningKey.generate()
    vm = did_key_verification_method(did_key_from_public_key(key.public_key))
    pool = make_pool(key)
    resolver = CompositeDidResolver({"key": DidKeyResolver()})
    verifier = Verifier(did_resolver=resolver)

    plain_rdf = measure(
        "JSON-LD -> RDF, plain pyld (the cost to beat)",
        lambda i: pyld.to_rdf(
            pool[i % POOL],
            {"documentLoader": jsonld.document_loader, "format": "application/n-quads"},
        ),
        seconds=seconds,
    )
    report(plain_rdf)
    report(
        measure(
            "RDFC-1.0 canonical N-Quads, microcred",
            lambda i: canonical.canonical_nquads(pool[i % POOL]),
            seconds=seconds,
        ),
        baseline=plain_rdf,
    )

    for suite in (RDFC, JCS):
        report(
            measure(
                f"sign {suite}",
                lambda i, s=suite: add_proof(
                    pool[i % POOL], key, verification_method=vm, cryptosuite=s
                ),
                seconds=seconds,
            )
        )
        signed = [add_proof(doc, key, verification_method=vm, cryptosuite=suite) for doc in pool]
        assert all(verify_proofs(d, resolver=resolver)[0].verified for d in signed[:5])
        report(
            measure(
                f"verify {suite} (proof only)",
                lambda i, d=signed: verify_proofs(d[i % POOL], resolver=resolver),
                seconds=seconds,
            ),
            target=TARGETS[("verify", suite)],
            baseline=raw_verify,
        )
        report(
            measure(
                f"verify {suite} (all checks, no status)",
                lambda i, d=signed: verifier.verify(d[i % POOL]),
                seconds=seconds,
            ),
            # The targets are the cryptosuite's verification (the proof, as the JavaScript
            # reference measures it); this row adds structure, issuer and validity checks.
            baseline=raw_verify,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each figure")
    run(parser.parse_args().seconds)


if __name__ == "__main__":
    main()
