"""The two EdDSA cryptosuites of W3C vc-di-eddsa: what each one hashes.

Both suites sign ``SHA-256(canonical proof config) || SHA-256(canonical document)``
(the proof-configuration hash first) with Ed25519; they differ only in how the
document and the proof configuration are canonicalised:

- ``eddsa-rdfc-2022``: JSON-LD → RDF → RDFC-1.0, with the document's
  ``@context`` copied into the proof configuration (vc-di-eddsa §3.2.4).
- ``eddsa-jcs-2022``: RFC 8785 over the JSON; the proof itself carries the
  ``@context`` and the document's ``@context`` must start with it
  (vc-di-eddsa §3.3.6 step 4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

from credentials import canonical, jcs
from credentials.errors import UnknownCryptosuiteError
from credentials.jsontext import check_noncharacters

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"


class Cryptosuite(Protocol):
    name: str

    def prepare_proof(self, unsecured: Mapping[str, Any], proof: dict[str, Any]) -> None:
        """Adjust the proof options before signing (jcs copies the document's @context)."""

    def unsecured_for(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> Mapping[str, Any] | str:
        """The document as this proof covers it, or a reason why the proof cannot cover it."""

    def hash_data(self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
        """``SHA-256(canonical proof config) || SHA-256(canonical document)``."""

    def hash_data_candidates(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> list[bytes]:
        """``hash_data`` first, then any other hash a conforming signer may have signed."""


def _without_value(proof_options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in proof_options.items() if k != "proofValue"}


class EddsaRdfc2022:
    name = RDFC

    def prepare_proof(self, unsecured: Mapping[str, Any], proof: dict[str, Any]) -> None:
        # The proof configuration borrows the document's @context when hashed; the stored
        # proof itself carries none (it is read in the document's context).
        return None

    def unsecured_for(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> Mapping[str, Any] | str:
        return unsecured

    def hash_data(self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
        """What we sign. Text holding U+FFFE or U+FFFF is refused: RDFC-1.0 escapes them and
        the reference libraries do not, so either signature would fail somewhere."""
        check_noncharacters(unsecured)
        return self.hash_data_candidates(unsecured, proof_options)[0]

    def hash_data_candidates(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> list[bytes]:
        # The reference libraries' canonical form first (what we sign); for the rare text
        # where RDFC-1.0's own wording gives other bytes (credentials.rdfc), those too.
        config = _without_value(proof_options)
        config["@context"] = unsecured.get("@context")
        config_hashes = [_sha256(form) for form in canonical.canonical_forms(config)]
        doc_hashes = [_sha256(form) for form in canonical.canonical_forms(unsecured)]
        return [c + d for c in config_hashes for d in doc_hashes]


def _sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


class EddsaJcs2022:
    name = JCS

    def prepare_proof(self, unsecured: Mapping[str, Any], proof: dict[str, Any]) -> None:
        # vc-di-eddsa §3.3.1 step 2: always copy @context so the proof can join proof sets.
        if "@context" in unsecured:
            proof["@context"] = unsecured["@context"]

    def unsecured_for(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> Mapping[str, Any] | str:
        if "@context" not in proof_options:
            return unsecured
        proof_context = _as_list(proof_options["@context"])
        doc_context = _as_list(unsecured.get("@context"))
        if doc_context[: len(proof_context)] != proof_context:
            return "the document's @context does not start with the proof's @context"
        adjusted = dict(unsecured)
        adjusted["@context"] = proof_options["@context"]
        return adjusted

    def hash_data(self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]) -> bytes:
        config_hash = hashlib.sha256(jcs.canonicalize(_without_value(proof_options))).digest()
        doc_hash = hashlib.sha256(jcs.canonicalize(unsecured)).digest()
        return config_hash + doc_hash

    def hash_data_candidates(
        self, unsecured: Mapping[str, Any], proof_options: Mapping[str, Any]
    ) -> list[bytes]:
        return [self.hash_data(unsecured, proof_options)]


class Ed25519Signature2020(EddsaRdfc2022):
    """The 2020 Linked Data suite (w3c-ccg/lds-ed25519-2020), for verifying only.

    Many Open Badges 3.0 credentials in circulation (VC 1.1 era, for example the
    Digital Credentials Consortium's) carry it. It hashes exactly like
    eddsa-rdfc-2022: the proof options with the document's @context, then the
    document, each URDNA2015-canonicalised; only the proof's ``type`` differs and
    there is no ``cryptosuite``. microcred never signs with it.
    """

    name = "Ed25519Signature2020"


SUITES: Mapping[str, Cryptosuite] = {RDFC: EddsaRdfc2022(), JCS: EddsaJcs2022()}
#: Proof types other than DataIntegrityProof that we verify (never create).
LEGACY_PROOF_TYPES: Mapping[str, Cryptosuite] = {"Ed25519Signature2020": Ed25519Signature2020()}


def get_suite(name: object) -> Cryptosuite:
    suite = SUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise UnknownCryptosuiteError(name)
    return suite
