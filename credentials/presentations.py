"""Verifying a verifiable presentation: the holder's proof and every credential inside.

Never raises for an invalid presentation; the result holds every check, like
``credentials.verify``. Steps (VC Data Model 2.0 §4.13 and §7.1, VC Data Integrity 1.0
§4.4 "Verify Proof"):

1. ``structure`` — the presentation's data model (``validation.validate_presentation``).
2. ``proof`` — each proof verifies, with ``proofPurpose`` ``authentication`` and a key
   listed under ``authentication`` in its controller's DID document (the holder proves
   control, unlike an issuer's ``assertionMethod``). A presentation without a proof is
   refused: nothing then binds it to a holder, a challenge or a domain.
3. ``holder`` — when ``holder`` is given, a proof was made with one of the holder's keys.
4. each embedded credential, with every check of ``Verifier.verify``. Enveloped
   credentials (VC-JOSE-COSE) are not supported and fail.

Whether the proofs answer the verifier's ``challenge`` and ``domain`` is the caller's
check (they are request options: ``verifier.web.vcapi_problems.options_problems``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from credentials.proofs import AUTHENTICATION, ProofVerification, verify_proofs
from credentials.resolvers import DidResolver
from credentials.results import Check, Outcome, VerificationResult, structure_check
from credentials.validation import validate_presentation

__all__ = ["PresentationResult", "verify_presentation"]

ENVELOPED = "EnvelopedVerifiableCredential"


@dataclass(frozen=True, slots=True)
class PresentationResult:
    presentation: Mapping[str, Any]
    #: The presentation's own checks: structure, proof (one per proof), holder.
    checks: tuple[Check, ...]
    #: One result per embedded credential, in order (None for an enveloped one).
    credentials: tuple[VerificationResult | None, ...]

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.failed)

    @property
    def verified(self) -> bool:
        return not self.failures and all(r is not None and r.verified for r in self.credentials)


def verify_presentation(
    presentation: Mapping[str, Any],
    *,
    resolver: DidResolver,
    verify_credential: Callable[[Mapping[str, Any]], VerificationResult],
    now: datetime,
) -> PresentationResult:
    proofs = verify_proofs(presentation, resolver=resolver, now=now, purpose=AUTHENTICATION)
    checks = [_structure(presentation), *_proof_checks(proofs), _holder_check(presentation, proofs)]
    embedded = presentation.get("verifiableCredential")
    entries = embedded if isinstance(embedded, list) else [] if embedded is None else [embedded]
    results: list[VerificationResult | None] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            continue  # reported by the structure check
        if entry.get("type") == ENVELOPED:
            checks.append(
                Check(
                    "credential",
                    Outcome.FAILED,
                    f"verifiableCredential[{index}] is an enveloped credential (VC-JOSE-COSE, "
                    "SD-JWT), which this verifier does not support",
                    code="unsupported_envelope",
                    details={"index": index},
                )
            )
            results.append(None)
            continue
        results.append(verify_credential(entry))
    return PresentationResult(presentation, tuple(checks), tuple(results))


def _structure(presentation: Mapping[str, Any]) -> Check:
    return structure_check(validate_presentation(presentation), "Well-formed VC 2.0 presentation.")


def _proof_checks(proofs: list[ProofVerification]) -> list[Check]:
    if not proofs:
        return [
            Check("proof", Outcome.FAILED, "The presentation is not signed (no proof).", "no_proof")
        ]
    return [
        Check(
            "proof",
            Outcome.PASSED if p.verified else Outcome.FAILED,
            p.message,
            code=p.code,
            details={"index": p.index},
        )
        for p in proofs
    ]


def _holder_check(presentation: Mapping[str, Any], proofs: list[ProofVerification]) -> Check:
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    if holder_id is None:
        return Check("holder", Outcome.SKIPPED, "The presentation names no holder.", "no_holder")
    if not proofs or not all(p.verified for p in proofs):
        return Check(
            "holder",
            Outcome.SKIPPED,
            f"Cannot confirm that {holder_id} presented it: a proof did not verify.",
            code="unconfirmed",
        )
    controllers = {p.controller for p in proofs}
    if not isinstance(holder_id, str) or holder_id not in controllers:
        return Check(
            "holder",
            Outcome.FAILED,
            f"No proof was made with a key of the holder {holder_id}.",
            code="holder_mismatch",
            details={"holder": holder_id, "signers": sorted(c for c in controllers if c)},
        )
    return Check("holder", Outcome.PASSED, f"Presented by its holder {holder_id}.")
