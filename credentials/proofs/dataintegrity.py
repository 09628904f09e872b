"""W3C Data Integrity 1.0 proofs with the EdDSA cryptosuites: add and verify.

Proof sets (several independent proofs) and proof chains (``previousProof``)
are both supported; every proof on a document must verify. Verification never
raises for a bad proof: each proof gets a ``ProofVerification`` that says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from credentials import multikey
from credentials.dates import format_datetime, parse_datetime, utcnow
from credentials.errors import (
    InvalidInputError,
    MalformedCredentialError,
    MicrocredError,
    ResolutionError,
    SigningError,
    VerificationTimeoutError,
)
from credentials.keys import verify_signature
from credentials.proofs.suites import LEGACY_PROOF_TYPES, RDFC, SUITES, Cryptosuite, get_suite
from credentials.resolvers import DidDocument, DidResolver, VerificationMethod

PROOF_TYPE = "DataIntegrityProof"
ASSERTION_METHOD = "assertionMethod"
#: The proof purpose of a holder's presentation (VC Data Integrity §2.1, VC DM 2.0 §4.13).
AUTHENTICATION = "authentication"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
#: Contexts that define the Data Integrity proof terms (the VC 2.0 context includes them).
_DEFINES_PROOF_TERMS = frozenset({DATA_INTEGRITY_CONTEXT, "https://www.w3.org/ns/credentials/v2"})


class Signer(Protocol):
    """Anything that signs with an Ed25519 private key (``credentials.keys.Ed25519SigningKey``)."""

    def sign(self, data: bytes) -> bytes: ...

    @property
    def public_key(self) -> bytes: ...


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    """The document's proofs as a list (``proof`` may be one object or an array)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def _strip_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _ids(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str)]


# --- creating proofs --------------------------------------------------------------------------


def with_proof_context(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with the Data Integrity context appended when its ``@context`` does not
    define the proof terms (VC Data Integrity 1.0 §2.4.1 "Context Injection"): a VC 1.1
    credential, whose context predates ``DataIntegrityProof``, ``cryptosuite`` and
    ``created``. A document without ``@context`` is left alone (it is not JSON-LD to us),
    and so is one that has proofs already: they signed its ``@context`` as it is.
    """
    out = dict(document)
    context = document.get("@context")
    if context is None or proofs_of(document):
        return out
    items = list(context) if isinstance(context, list) else [context]
    if not any(isinstance(item, str) and item in _DEFINES_PROOF_TERMS for item in items):
        out["@context"] = [*items, DATA_INTEGRITY_CONTEXT]
    return out


def add_proof(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    verification_method: str,
    cryptosuite: str = RDFC,
    created: datetime | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    expires: datetime | None = None,
    purpose: str = ASSERTION_METHOD,
    challenge: str | None = None,
    domain: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof.

    Existing proofs are kept (a proof set); ``previous_proof`` names proofs this
    one chains to, which are then covered by its signature (a proof chain).
    ``purpose``, ``challenge`` and ``domain`` are for presentations (``authentication``).
    """
    if not isinstance(document, Mapping):
        raise MalformedCredentialError("only a JSON object can be signed")
    suite = get_suite(cryptosuite)
    document = with_proof_context(document)
    existing = proofs_of(document)
    unsecured = _strip_proof(document)
    options: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": suite.name}
    if proof_id is not None:
        options["id"] = proof_id
    options["created"] = format_datetime(created or utcnow())
    if expires is not None:
        options["expires"] = format_datetime(expires)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = purpose
    if challenge is not None:
        options["challenge"] = challenge
    if domain is not None:
        options["domain"] = domain
    if previous_proof is not None:
        wanted = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof)
        options["previousProof"] = previous_proof if isinstance(previous_proof, str) else wanted
        matching = [p for p in existing if isinstance(p, Mapping) and p.get("id") in wanted]
        if len(matching) != len(wanted):
            raise SigningError(
                "previousProof names a proof the document does not have",
                field="previousProof",
                details={"previousProof": wanted},
            )
        unsecured["proof"] = matching
    suite.prepare_proof(unsecured, options)
    hash_data = suite.hash_data(unsecured, options)
    options["proofValue"] = multikey.encode_signature(signer.sign(hash_data))
    secured = _strip_proof(document)
    secured["proof"] = [*existing, options] if existing else options
    return secured


# --- verifying proofs -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProofVerification:
    """The outcome for one proof. ``code`` is stable and machine-readable; ``message`` is human."""

    index: int
    verified: bool
    code: str
    message: str
    proof_id: str | None = None
    cryptosuite: str | None = None
    verification_method: str | None = None
    #: The DID whose document lists the key under assertionMethod (set once resolved).
    controller: str | None = None
    created: datetime | None = None
    #: ``DataIntegrityProof`` or a legacy type (``Ed25519Signature2020``): in a proof set
    #: of mixed suites it names which proof failed.
    proof_type: str | None = None


class _ProofFailedError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: DidResolver,
    now: datetime | None = None,
    purpose: str = ASSERTION_METHOD,
) -> list[ProofVerification]:
    """Verify every proof on ``document``; an empty list means it has none.

    ``purpose`` is the proof purpose every proof must have, and the verification
    relationship its key must be listed under: ``assertionMethod`` for credentials,
    ``authentication`` for presentations.
    """
    proofs = proofs_of(document)
    moment = now or utcnow()
    return [
        _verify_one(document, proofs, i, resolver, moment, purpose=purpose)
        for i in range(len(proofs))
    ]


def _verify_one(
    document: Mapping[str, Any],
    proofs: list[Any],
    index: int,
    resolver: DidResolver,
    now: datetime,
    *,
    purpose: str,
) -> ProofVerification:
    proof = proofs[index]
    facts: dict[str, Any] = {}
    if isinstance(proof, Mapping):
        facts = {
            "proof_id": _str_or_none(proof.get("id")),
            "cryptosuite": _str_or_none(proof.get("cryptosuite")),
            "verification_method": _str_or_none(proof.get("verificationMethod")),
        }
        # Not through _str_or_none: this runs for every proof of every verification.
        proof_type = proof.get("type")
        facts["proof_type"] = proof_type if isinstance(proof_type, str) else None
    try:
        controller, created = _check_proof(document, proofs, index, resolver, now, purpose=purpose)
    except _ProofFailedError as failure:
        return ProofVerification(index, False, failure.code, failure.message, **facts)
    return ProofVerification(
        index,
        True,
        "ok",
        f"{facts['cryptosuite'] or proof.get('type')} signature by "
        f"{facts['verification_method']} verified",
        controller=controller,
        created=created,
        **facts,
    )


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _check_proof(
    document: Mapping[str, Any],
    proofs: list[Any],
    index: int,
    resolver: DidResolver,
    now: datetime,
    *,
    purpose: str,
) -> tuple[str, datetime | None]:
    proof = proofs[index]
    suite, method_id = _proof_options(proof, purpose)
    created = _proof_times(proof, now)
    # 3. Decode the signature before any expensive work: a broken value fails fast.
    try:
        signature = multikey.decode_signature(proof.get("proofValue"))
    except MicrocredError as exc:
        raise _ProofFailedError("bad_proof_value", exc.message) from None
    did_document, method = _authorized_method(method_id, resolver, purpose)
    covered = suite.unsecured_for(_covered_document(document, proofs, index), proof)
    if isinstance(covered, str):
        raise _ProofFailedError("context_mismatch", covered)
    # 6. Hash per the cryptosuite and check the Ed25519 signature.
    try:
        candidates = suite.hash_data_candidates(covered, proof)
    except InvalidInputError as exc:
        raise _ProofFailedError(exc.code, exc.message) from None
    if not any(verify_signature(method.public_key, signature, data) for data in candidates):
        raise _ProofFailedError(
            "bad_signature", "signature does not match the document (it was altered or forged)"
        )
    return did_document.id, created


def _proof_options(proof: object, purpose: str) -> tuple[Cryptosuite, str]:
    """Steps 1-2: the proof's shape, suite and purpose; returns the suite and method id."""
    # 1. Data Integrity §4.4: the proof is a map with type, verificationMethod, proofPurpose.
    if not isinstance(proof, Mapping):
        raise _ProofFailedError("malformed_proof", "proof is not a JSON object")
    suite = _suite_for(proof)
    # 2. Only assertionMethod proofs assert a credential's claims; a presentation is
    #    authenticated by its holder (Data Integrity §4.4 step 7: expectedProofPurpose).
    if proof.get("proofPurpose") != purpose:
        what = "a credential" if purpose == ASSERTION_METHOD else "a presentation"
        raise _ProofFailedError(
            "wrong_proof_purpose",
            f"proofPurpose is {proof.get('proofPurpose')!r}; {what} needs {purpose}",
        )
    method_id = proof.get("verificationMethod")
    if not isinstance(method_id, str) or "#" not in method_id:
        raise _ProofFailedError(
            "malformed_proof", "verificationMethod must be a DID URL with a fragment"
        )
    return suite, method_id


def _suite_for(proof: Mapping[str, Any]) -> Cryptosuite:
    proof_type = proof.get("type")
    legacy = LEGACY_PROOF_TYPES.get(proof_type) if isinstance(proof_type, str) else None
    if legacy is not None:
        return legacy
    if proof_type != PROOF_TYPE:
        supported = ", ".join([PROOF_TYPE, *sorted(LEGACY_PROOF_TYPES)])
        raise _ProofFailedError(
            "unsupported_proof_type",
            f"proof type {proof_type!r} is not supported (supported: {supported})",
        )
    suite_name = proof.get("cryptosuite")
    suite = SUITES.get(suite_name) if isinstance(suite_name, str) else None
    if suite is None:
        raise _ProofFailedError(
            "unknown_cryptosuite",
            f"unknown cryptosuite {suite_name!r} (supported: {', '.join(sorted(SUITES))})",
        )
    return suite


def _authorized_method(
    method_id: str, resolver: DidResolver, purpose: str = ASSERTION_METHOD
) -> tuple[DidDocument, VerificationMethod]:
    """Step 4: the key must be listed under the purpose's verification relationship
    (assertionMethod, authentication) in its controller's DID document."""
    did = method_id.split("#", 1)[0]
    try:
        did_document = resolver.resolve(did)
    except VerificationTimeoutError as exc:
        raise _ProofFailedError("timeout", f"cannot resolve {did}: {exc.message}") from None
    except ResolutionError as exc:
        raise _ProofFailedError(
            "resolution_failed", f"cannot resolve {did}: {exc.message}"
        ) from None
    method = did_document.method_for(purpose, method_id)
    if method is None:
        raise _ProofFailedError(
            "key_not_authorized",
            f"{method_id} is not listed under {purpose} in the DID document of {did}",
        )
    return did_document, method


def _covered_document(document: Mapping[str, Any], proofs: list[Any], index: int) -> dict[str, Any]:
    """Step 5: the document without proofs, plus the proofs this one chains to."""
    unsecured = _strip_proof(document)
    proof = proofs[index]
    if "previousProof" in proof:
        wanted = _ids(proof["previousProof"])
        matching = [
            p
            for i, p in enumerate(proofs)
            if i != index and isinstance(p, Mapping) and p.get("id") in wanted
        ]
        if len(matching) != len(wanted) or not wanted:
            raise _ProofFailedError("missing_previous_proof", "previousProof names a missing proof")
        unsecured["proof"] = matching
    return unsecured


def _proof_times(proof: Mapping[str, Any], now: datetime) -> datetime | None:
    created: datetime | None = None
    try:
        if "created" in proof:
            created = parse_datetime(
                proof["created"], field="proof.created", require_timezone=False
            )
        if "expires" in proof:
            expires = parse_datetime(
                proof["expires"], field="proof.expires", require_timezone=False
            )
            if expires < now:
                raise _ProofFailedError("proof_expired", f"proof expired at {proof['expires']}")
    except InvalidInputError as exc:
        raise _ProofFailedError("malformed_proof", exc.message) from None
    return created
