"""The official vectors reproduce byte for byte: canonical forms, hashes, signatures.

Values are literals in tests/credentials/vectors.py, each citing its source.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest

from credentials import canonical, jcs, jsonld, multikey
from credentials.dates import parse_datetime
from credentials.did import DidKeyResolver
from credentials.keys import Ed25519SigningKey, verify_signature
from credentials.proofs import JCS, RDFC, add_proof, verify_proofs
from tests.credentials import vectors as v

VM = (
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    "#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)
CREATED = parse_datetime("2023-02-24T23:36:38Z", field="created")


def test_the_vectors_examples_context_is_the_bundled_one() -> None:
    """The W3C vectors use the examples context, bundled (issue 11: the W3C suites use it)."""
    assert jsonld.get_context(v.W3C_EXAMPLES_CONTEXT_URL) == v.W3C_EXAMPLES_CONTEXT


@pytest.fixture
def w3c_key() -> Ed25519SigningKey:
    return Ed25519SigningKey.from_secret_multibase(v.W3C_KEY_PAIR["privateKeyMultibase"])


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_key_pair_matches_vector(w3c_key: Ed25519SigningKey) -> None:
    assert w3c_key.public_key_multibase == v.W3C_KEY_PAIR["publicKeyMultibase"]


# --- eddsa-rdfc-2022 -----------------------------------------------------------------------


def test_rdfc_canonical_document() -> None:
    assert canonical.canonical_nquads(v.W3C_UNSIGNED) == v.RDFC_CANON_DOC
    assert sha256_hex(v.RDFC_CANON_DOC.encode()) == v.RDFC_DOC_HASH


def test_rdfc_canonical_proof_config() -> None:
    config = {k: val for k, val in v.RDFC_SIGNED["proof"].items() if k != "proofValue"}
    config["@context"] = v.W3C_UNSIGNED["@context"]
    assert canonical.canonical_nquads(config) == v.RDFC_CANON_PROOF
    assert sha256_hex(v.RDFC_CANON_PROOF.encode()) == v.RDFC_PROOF_HASH
    assert v.RDFC_PROOF_HASH + v.RDFC_DOC_HASH == v.RDFC_COMBINED_HASH


def test_rdfc_signing_reproduces_signed_document(w3c_key: Ed25519SigningKey) -> None:
    signed = add_proof(
        v.W3C_UNSIGNED, w3c_key, verification_method=VM, cryptosuite=RDFC, created=CREATED
    )
    assert signed == v.RDFC_SIGNED
    assert multikey.decode_signature(signed["proof"]["proofValue"]).hex() == v.RDFC_SIGNATURE_HEX


def test_rdfc_vector_verifies() -> None:
    (result,) = verify_proofs(v.RDFC_SIGNED, resolver=DidKeyResolver())
    assert result.verified, result.message
    assert result.controller == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


# --- eddsa-jcs-2022 ------------------------------------------------------------------------


def test_jcs_canonical_document_and_proof() -> None:
    assert jcs.canonicalize(v.W3C_UNSIGNED).decode() == v.JCS_CANON_DOC
    config = {k: val for k, val in v.JCS_SIGNED["proof"].items() if k != "proofValue"}
    assert jcs.canonicalize(config).decode() == v.JCS_CANON_PROOF
    assert sha256_hex(v.JCS_CANON_DOC.encode()) == v.JCS_DOC_HASH
    assert sha256_hex(v.JCS_CANON_PROOF.encode()) == v.JCS_PROOF_HASH
    assert v.JCS_PROOF_HASH + v.JCS_DOC_HASH == v.JCS_COMBINED_HASH


def test_jcs_signing_reproduces_signed_document(w3c_key: Ed25519SigningKey) -> None:
    signed = add_proof(
        v.W3C_UNSIGNED, w3c_key, verification_method=VM, cryptosuite=JCS, created=CREATED
    )
    assert signed == v.JCS_SIGNED
    assert multikey.decode_signature(signed["proof"]["proofValue"]).hex() == v.JCS_SIGNATURE_HEX


def test_jcs_vector_verifies() -> None:
    (result,) = verify_proofs(v.JCS_SIGNED, resolver=DidKeyResolver())
    assert result.verified, result.message


# --- proof sets and chains -----------------------------------------------------------------


@pytest.mark.parametrize(
    "document", [v.SIGNED_PROOF_SET, v.SIGNED_PROOF_CHAIN], ids=["set", "chain"]
)
def test_proof_sets_and_chains_verify(document: dict[str, Any]) -> None:
    results = verify_proofs(document, resolver=DidKeyResolver())
    assert len(results) == len(document["proof"])
    assert all(r.verified for r in results), [r.message for r in results]


def test_proof_chain_detects_removed_previous_proof() -> None:
    document = copy.deepcopy(v.SIGNED_PROOF_CHAIN)
    # Drop the first proof: the third one chained to it, so it must now fail.
    del document["proof"][0]
    results = verify_proofs(document, resolver=DidKeyResolver())
    assert [r.code for r in results][1] == "missing_previous_proof"


def test_proof_chain_reproduces_with_previous_proof() -> None:
    """Re-create the third proof of the chain vector from its key and options."""
    key3 = Ed25519SigningKey.from_secret_multibase(
        v.PROOF_SET_KEY_PAIRS["keyPair3"]["privateKeyMultibase"]
    )
    base = copy.deepcopy(v.SIGNED_PROOF_CHAIN)
    target = base["proof"][2]
    base["proof"] = base["proof"][:2]
    signed = add_proof(
        base,
        key3,
        verification_method=target["verificationMethod"],
        cryptosuite=RDFC,
        created=parse_datetime(target["created"], field="created"),
        proof_id=target["id"],
        previous_proof=target["previousProof"],
    )
    assert signed["proof"][2] == target


# --- 1EdTech Open Badges 3.0 linked data proof vector --------------------------------------


def test_ob3_canonical_forms_and_hashes() -> None:
    assert canonical.canonical_nquads(v.OB_CREDENTIAL) == v.OB_CANON_DOC
    config = {
        "type": "DataIntegrityProof",
        "created": v.OB_CREATED,
        "verificationMethod": v.OB_VERIFICATION_METHOD,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod",
        "@context": v.OB_CREDENTIAL["@context"],
    }
    assert canonical.canonical_nquads(config) == v.OB_CANON_PROOF
    assert sha256_hex(v.OB_CANON_DOC.encode()) == v.OB_DOC_HASH
    assert sha256_hex(v.OB_CANON_PROOF.encode()) == v.OB_PROOF_HASH


def test_ob3_proof_value_reproduces_and_verifies() -> None:
    key = Ed25519SigningKey.from_seed(bytes.fromhex(v.OB_PRIVATE_SEED_HEX))
    assert key.public_key.hex() == v.OB_PUBLIC_KEY_HEX
    assert key.public_key_multibase == v.OB_PUBLIC_KEY_MULTIBASE
    signed = add_proof(
        v.OB_CREDENTIAL,
        key,
        verification_method=v.OB_VERIFICATION_METHOD,
        created=parse_datetime(v.OB_CREATED, field="created"),
    )
    assert signed["proof"]["proofValue"] == v.OB_PROOF_VALUE
    assert multikey.decode_signature(v.OB_PROOF_VALUE).hex() == v.OB_SIGNATURE_HEX
    hash_data = bytes.fromhex(v.OB_PROOF_HASH + v.OB_DOC_HASH)
    assert verify_signature(key.public_key, bytes.fromhex(v.OB_SIGNATURE_HEX), hash_data)


def test_ob3_vector_with_non_did_key_fails_resolution_clearly() -> None:
    """The vector's verification method is an https URL, not a DID: we say so, we do not crash."""
    signed = dict(
        v.OB_CREDENTIAL,
        proof={
            "type": "DataIntegrityProof",
            "created": v.OB_CREATED,
            "verificationMethod": v.OB_VERIFICATION_METHOD,
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "proofValue": v.OB_PROOF_VALUE,
        },
    )
    (result,) = verify_proofs(signed, resolver=DidKeyResolver())
    assert not result.verified
    assert result.code == "resolution_failed"
    assert "https://example.edu/issuers/565049" in result.message
