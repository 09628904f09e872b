"""Data Integrity EdDSA proofs (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``): add and verify."""

from credentials.proofs.dataintegrity import (
    ASSERTION_METHOD,
    AUTHENTICATION,
    DATA_INTEGRITY_CONTEXT,
    PROOF_TYPE,
    ProofVerification,
    Signer,
    add_proof,
    proofs_of,
    verify_proofs,
    with_proof_context,
)
from credentials.proofs.suites import JCS, RDFC, SUITES, Cryptosuite, get_suite

__all__ = [
    "ASSERTION_METHOD",
    "AUTHENTICATION",
    "DATA_INTEGRITY_CONTEXT",
    "JCS",
    "PROOF_TYPE",
    "RDFC",
    "SUITES",
    "Cryptosuite",
    "ProofVerification",
    "Signer",
    "add_proof",
    "get_suite",
    "proofs_of",
    "verify_proofs",
    "with_proof_context",
]
