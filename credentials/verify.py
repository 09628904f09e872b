"""The verification pipeline: one credential in, a ``VerificationResult`` with every check out.

It never raises for an invalid credential. The only error is
``MalformedCredentialError``, for input that is not a credential at all (not
JSON, not an object), which the web layer answers with a 4xx.

Checks, in order (each appears in the result, passed, failed or skipped):

1. ``structure`` — VC 2.0 / OB 3.0 data model (credentials.validation); a broken Open
   Badges data-quality rule is a warning on the result, not a failure (credentials.findings).
2. ``proof`` — each Data Integrity proof (vc-data-integrity §4.4, vc-di-eddsa §3).
3. ``issuer`` — a proof was made with a key of the issuer (VC 2.0 §4.7: the
   verification method's controller is the ``issuer``); other proofs of a set or
   chain may be others' (countersignatures), and every proof must verify.
4. ``validity`` — ``validFrom`` ≤ now ≤ ``validUntil`` (VC 2.0 §4.9).
5. ``status`` — each Bitstring Status List entry (and StatusList2021 / RevocationList2020
   entry), when a fetcher is configured.
6. ``relatedResource`` — each entry's digests against the resource's bytes (VC 2.0 §5.3,
   ``credentials.relatedcheck``): bundled contexts offline, anything else through the
   ``resource_fetcher``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from credentials.budget import budget
from credentials.dates import parse_datetime, utcnow
from credentials.did import DidKeyResolver
from credentials.errors import InvalidInputError, MalformedCredentialError
from credentials.findings import Finding
from credentials.jsontext import check_json_text
from credentials.jwtvc import envelope_token, is_envelope, verify_jose  # v-jwt
from credentials.presentations import PresentationResult, verify_presentation
from credentials.proofs import ProofVerification, verify_proofs
from credentials.relatedcheck import RelatedResourceChecker
from credentials.resolvers import (
    CompositeDidResolver,
    DidResolver,
    ResourceFetcher,
    StatusListFetcher,
)
from credentials.results import (
    Check,
    Outcome,
    VerificationResult,
    split_problems,
    structure_check,
)
from credentials.statuscheck import StatusChecker, issuer_id
from credentials.trust import TrustPolicy
from credentials.validation import validate_credential, validity_keys

__all__ = ["DEFAULT_DEADLINE", "Verifier", "load_credential"]

#: Deeper JSON than this is refused before any processing (credentials are shallow).
MAX_DEPTH = 64
#: Seconds one verification may take in all, every fetch included (issue 11: a slow server
#: must not hold a worker for the sum of every fetch's own bound).
DEFAULT_DEADLINE = 10.0


def _refuse_constant(name: str) -> Any:
    raise MalformedCredentialError(f"JSON must not contain {name}")


def _unique_keys(pairs: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            # Parsers disagree on which duplicate wins; a signed document must not be ambiguous.
            raise MalformedCredentialError(f"JSON object has the key {key!r} twice", field=key)
        out[key] = value
    return out


def load_credential(data: bytes | str) -> dict[str, Any]:
    """Parse credential JSON strictly: one object, no duplicate keys, no NaN, bounded depth,
    no lone surrogates (``InvalidTextError`` names the field)."""
    try:
        document = json.loads(data, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise MalformedCredentialError("credential is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise MalformedCredentialError(
            f"credential is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise MalformedCredentialError("credential JSON is nested too deeply") from None
    if not isinstance(document, dict):
        raise MalformedCredentialError("a credential must be a JSON object")
    # Nesting needs one opening bracket per level, so a text with no more than MAX_DEPTH
    # of them (counted at C speed, those inside strings too) cannot be too deep: a
    # credential of ours has about 40, and the walk is skipped.
    if _opening_brackets(data) > MAX_DEPTH:
        _check_depth(document)
    check_json_text(data, document)
    return document


def _opening_brackets(data: bytes | str) -> int:
    if isinstance(data, str):
        return data.count("{") + data.count("[")
    return data.count(b"{") + data.count(b"[")


# Exactly the container types json.loads builds (type() is compared: isinstance is slower).
_CONTAINERS = (dict, list)


def _check_depth(value: dict[str, Any] | list[Any], depth: int = 0) -> None:
    """Refuse any value deeper than MAX_DEPTH (the top object is at depth 0).

    Only containers are visited: a non-empty one at MAX_DEPTH holds values one level too deep.
    """
    items: Collection[Any] = value.values() if isinstance(value, dict) else value
    if depth >= MAX_DEPTH and items:
        raise MalformedCredentialError(f"credential JSON is nested deeper than {MAX_DEPTH} levels")
    for item in items:
        if type(item) in _CONTAINERS:
            _check_depth(item, depth + 1)


class Verifier:
    """Verifies credentials against DID and status-list resolvers chosen by the caller."""

    def __init__(
        self,
        *,
        did_resolver: DidResolver,
        status_fetcher: StatusListFetcher | None = None,
        clock: Callable[[], datetime] = utcnow,
        deadline: float | None = DEFAULT_DEADLINE,
        trust: TrustPolicy | None = None,
        resource_fetcher: ResourceFetcher | None = None,
        status_min_entries: int | None = None,  # v-status: an ecosystem's lower bound
    ) -> None:
        r"""``deadline``: seconds one verification may take in all, every fetch included
        (None: no total bound). When it passes, the checks still waiting fail closed
        with "could not check in time". ``resource_fetcher`` retrieves the
        ``relatedResource``\s that are not bundled (without one they are not checked)."""
        self._did_resolver = did_resolver
        self._clock = clock
        self._deadline = deadline
        # No sources: every issuer is "unknown" (the signature alone proves no identity).
        self._trust = trust if trust is not None else TrustPolicy()
        self._status = (
            StatusChecker(
                fetcher=status_fetcher,
                did_resolver=did_resolver,
                **({} if status_min_entries is None else {"min_entries": status_min_entries}),
            )
            if status_fetcher is not None
            else None
        )
        self._related = RelatedResourceChecker(fetcher=resource_fetcher)

    @property
    def related_resources(self) -> RelatedResourceChecker:
        """The ``relatedResource`` checker (issuance checks caller-written credentials
        with it, sharing its fetcher and cache)."""
        return self._related

    @classmethod
    def offline(
        cls, *, clock: Callable[[], datetime] = utcnow, trust: TrustPolicy | None = None
    ) -> Verifier:
        """did:key only, no status lists: what can be checked with no network at all."""
        return cls(
            did_resolver=CompositeDidResolver({"key": DidKeyResolver()}), clock=clock, trust=trust
        )

    def verify(self, credential: object) -> VerificationResult:
        """Run every check. ``credential`` is a parsed object, or JSON bytes/text."""
        if isinstance(credential, bytes | str):
            credential = load_credential(credential)
        if not isinstance(credential, Mapping):
            raise MalformedCredentialError("a credential must be a JSON object")
        # --- v-jwt: a JWT in an EnvelopedVerifiableCredential (never has a proof) ---
        if "proof" not in credential and is_envelope(credential):
            return self._verify_enveloped(credential)
        # --- end v-jwt ---
        now = self._clock()
        with budget(self._deadline):
            proofs = verify_proofs(credential, resolver=self._did_resolver, now=now)
            issuer = _issuer_check(credential, proofs)
            structure, warnings = _structure_check(credential)
            checks = [
                structure,
                *_proof_checks(proofs),
                issuer,
                _validity_check(credential, now),
                *self._status_checks(credential, now),
                *self._related.check(credential),
            ]
            # The second question, apart from the checks: who is the issuer?
            trust = self._trust.decide(
                credential, issuer_id(credential), intact=issuer.outcome is Outcome.PASSED
            )
        return VerificationResult(
            credential=credential,
            checks=tuple(checks),
            trust=trust,
            warnings=warnings + _check_warnings(checks),
        )

    def verify_presentation(self, presentation: object) -> PresentationResult:
        """Verify a presentation: its holder's proof and each credential in it
        (``credentials.presentations``). ``presentation`` is parsed, or JSON bytes/text."""
        if isinstance(presentation, bytes | str):
            presentation = load_credential(presentation)
        if not isinstance(presentation, Mapping):
            raise MalformedCredentialError("a presentation must be a JSON object")
        return verify_presentation(
            presentation,
            resolver=self._did_resolver,
            verify_credential=self.verify,
            now=self._clock(),
        )

    # --- v-jwt: VC-JOSE-COSE and VC 1.1 JWT-VCs (credentials.jwtvc) ---
    def _verify_enveloped(self, document: Mapping[str, Any]) -> VerificationResult:
        """The same checks, result shape and trust decision as for Data Integrity: the
        JWS stands in for the proof, the decoded credential for the document."""
        token = envelope_token(document)
        now = self._clock()
        with budget(self._deadline):
            jose = verify_jose(token, resolver=self._did_resolver, now=now)
            credential = jose.credential
            checks = [
                jose.structure,
                jose.proof,
                jose.issuer,
                jose.validity,
                *self._status_checks(credential, now),
                *self._related.check(credential),
            ]
            trust = self._trust.decide(
                credential, issuer_id(credential), intact=jose.issuer.outcome is Outcome.PASSED
            )
        return VerificationResult(
            credential=credential,
            checks=tuple(checks),
            trust=trust,
            warnings=jose.warnings + _check_warnings(checks),
        )

    # --- end v-jwt ---

    def _status_checks(self, credential: Mapping[str, Any], now: datetime) -> list[Check]:
        if self._status is None:
            has_status = credential.get("credentialStatus") is not None
            message = (
                "Status not checked: no status list resolver is configured."
                if has_status
                else "The credential has no status list entry, so it cannot be revoked."
            )
            return [Check("status", Outcome.SKIPPED, message, code="not_checked")]
        return self._status.check(credential, now)


def _check_warnings(checks: Sequence[Check]) -> tuple[Finding, ...]:
    """Warnings that passed checks carry in ``details["warning"]`` (a status list shorter
    than the herd-privacy floor, read all the same)."""
    return tuple(
        Finding.of(c.details["warning"], c.message)
        for c in checks
        if c.details and "warning" in c.details and not c.failed
    )


def _structure_check(credential: Mapping[str, Any]) -> tuple[Check, tuple[Finding, ...]]:
    """The structure check (errors fail it) and the warnings (Open Badges data quality)."""
    errors, warnings = split_problems(validate_credential(credential))
    check = structure_check(
        errors, "Well-formed VC 2.0 / Open Badges 3.0 credential.", warnings=len(warnings)
    )
    return check, warnings


def _proof_checks(proofs: list[ProofVerification]) -> list[Check]:
    if not proofs:
        return [
            Check("proof", Outcome.FAILED, "The credential is not signed (no proof).", "no_proof")
        ]
    checks = []
    for proof in proofs:
        details: dict[str, Any] = {"index": proof.index}
        for key, value in (
            ("id", proof.proof_id),
            ("type", proof.proof_type),
            ("cryptosuite", proof.cryptosuite),
            ("verificationMethod", proof.verification_method),
        ):
            if value is not None:
                details[key] = value
        outcome = Outcome.PASSED if proof.verified else Outcome.FAILED
        checks.append(Check("proof", outcome, proof.message, code=proof.code, details=details))
    return checks


def _issuer_check(credential: Mapping[str, Any], proofs: list[ProofVerification]) -> Check:
    issuer = issuer_id(credential)
    if issuer is None:
        return Check("issuer", Outcome.FAILED, "The credential names no issuer.", "no_issuer")
    verified = [p for p in proofs if p.verified]
    if not verified or len(verified) != len(proofs):
        return Check(
            "issuer",
            Outcome.SKIPPED,
            f"Cannot confirm that {issuer} signed it: a proof did not verify.",
            code="unconfirmed",
            details={"issuer": issuer},
        )
    # VC Data Integrity §2.1.1-2.1.2: a proof set or chain may carry proofs by others (a
    # witness, a notary countersigning with previousProof); each must verify (above), and
    # at least one must be the issuer's, which is what makes the claims the issuer's.
    others = sorted({p.controller or "?" for p in verified if p.controller != issuer})
    if not any(p.controller == issuer for p in verified):
        return Check(
            "issuer",
            Outcome.FAILED,
            f"Signed with a key of {', '.join(others)}, not of the issuer {issuer}.",
            code="issuer_mismatch",
            details={"issuer": issuer, "signers": others},
        )
    also = f" (also signed by {', '.join(others)})" if others else ""
    details: dict[str, Any] = {"issuer": issuer}
    if others:
        details["cosigners"] = others
    return Check(
        "issuer",
        Outcome.PASSED,
        f"Signed with a key that {issuer} lists for issuing credentials{also}.",
        details=details,
    )


def _validity_check(credential: Mapping[str, Any], now: datetime) -> Check:
    start_key, end_key = validity_keys(credential)
    try:
        start = _optional_time(credential, start_key)
        end = _optional_time(credential, end_key)
    except InvalidInputError as exc:
        return Check("validity", Outcome.FAILED, exc.message, code="malformed")
    details = {k: credential[k] for k in (start_key, end_key) if k in credential}
    if start is not None and now < start:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Not valid yet: valid from {credential[start_key]}.",
            code="not_yet_valid",
            details=details,
        )
    if end is not None and now > end:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Expired on {credential[end_key]}.",
            code="expired",
            details=details,
        )
    until = f" until {credential[end_key]}" if end is not None else ""
    return Check("validity", Outcome.PASSED, f"Within its validity period{until}.", details=details)


def _optional_time(credential: Mapping[str, Any], key: str) -> datetime | None:
    if key not in credential:
        return None
    # VC 1.1 dates are xsd:dateTime, where the timezone is optional (read as UTC).
    return parse_datetime(credential[key], field=key, require_timezone=key.startswith("valid"))
