"""Checks as the VC API reports them: ProblemDetails and the per-property ``results``.

Problem types, by the specification that defines them:

- VC Data Model 2.0 §7.2 "Problem Details": ``https://www.w3.org/TR/vc-data-model#`` +
  PARSING_ERROR, CRYPTOGRAPHIC_SECURITY_ERROR, MALFORMED_VALUE_ERROR, RANGE_ERROR;
- VC Data Integrity 1.0 §4.7 "Processing Errors": ``https://w3id.org/security#`` +
  PROOF_VERIFICATION_ERROR, PROOF_TRANSFORMATION_ERROR, MALFORMED_PROOF_ERROR,
  MISMATCHED_PROOF_PURPOSE_ERROR, INVALID_DOMAIN_ERROR, INVALID_CHALLENGE_ERROR;
- Bitstring Status List 1.0 §3.5 "Processing Errors":
  ``https://www.w3.org/ns/credentials/status-list#`` + STATUS_RETRIEVAL_ERROR (the list
  could not be dereferenced), STATUS_VERIFICATION_ERROR (its proofs do not verify, or it
  does not answer for the entry: another issuer, purpose or URL, stale), and
  STATUS_LIST_LENGTH_ERROR (shorter than herd privacy requires). Its §3 algorithms raise
  the VC Data Model's MALFORMED_VALUE_ERROR for a malformed entry or list value and
  RANGE_ERROR for an index outside the list; the status check names the error in
  ``details["error"]`` (``credentials.statuscheck``).

``relatedResource`` (VC Data Model 2.0 §5.3): a digest that does not match the resource is
a CRYPTOGRAPHIC_SECURITY_ERROR (the integrity mechanism detected a modification); a
resource that could not be retrieved to compare has no registered type and points at §5.3.

Revocation, suspension and the validity period have no registered error type (VCALM
calls them "warnings" a relying party decides on); their problems name the section of
the specification that defines the rule, and the credential is not verified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from credentials.findings import check_code
from credentials.proofs import proofs_of
from credentials.results import Check, Outcome, VerificationResult

VC_DM = "https://www.w3.org/TR/vc-data-model#"
DATA_INTEGRITY = "https://w3id.org/security#"
STATUS_LIST = "https://www.w3.org/ns/credentials/status-list#"
VALIDITY_PERIOD = "https://www.w3.org/TR/vc-data-model-2.0/#validity-period"
STATUS_PURPOSE = "https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry"
RELATED_RESOURCES = "https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources"
#: Where each status processing error's type lives (Bitstring Status List §3 and §3.5).
_STATUS_ERROR_BASE = {
    "STATUS_RETRIEVAL_ERROR": STATUS_LIST,
    "STATUS_VERIFICATION_ERROR": STATUS_LIST,
    "STATUS_LIST_LENGTH_ERROR": STATUS_LIST,
    "MALFORMED_VALUE_ERROR": VC_DM,
    "RANGE_ERROR": VC_DM,
}


@dataclass(frozen=True, slots=True)
class ProblemDetail:
    type: str
    title: str
    detail: str
    #: The stable finding code (``credentials.findings``), an RFC 9457 extension member.
    code: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"type": self.type, "title": self.title, "detail": self.detail}
        if self.code is not None:
            out["code"] = self.code
        return out

    @classmethod
    def parsing_error(cls, detail: str) -> ProblemDetail:
        return cls(VC_DM + "PARSING_ERROR", "PARSING_ERROR", detail)


_TRANSFORMATION = {
    "unknown_context",
    "undefined_term",
    "jsonld_error",
    "canonicalization_error",
    "context_mismatch",
}
_MALFORMED_PROOF = {
    "malformed_proof",
    "bad_proof_value",
    "bad_multibase",
    "unsupported_proof_type",
    "unknown_cryptosuite",
    "missing_previous_proof",
}


def _proof_type(code: str) -> str:
    if code in _TRANSFORMATION:
        return "PROOF_TRANSFORMATION_ERROR"
    if code in _MALFORMED_PROOF:
        return "MALFORMED_PROOF_ERROR"
    if code == "wrong_proof_purpose":
        return "MISMATCHED_PROOF_PURPOSE_ERROR"
    return "PROOF_VERIFICATION_ERROR"


def problem_for(check: Check) -> ProblemDetail:
    """The ProblemDetail of one failed check."""
    if check.name == "structure":
        return ProblemDetail(
            VC_DM + "MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR", check.message
        )
    if check.name in ("proof", "issuer"):
        kind = _proof_type(check.code) if check.name == "proof" else "PROOF_VERIFICATION_ERROR"
        return ProblemDetail(DATA_INTEGRITY + kind, kind, check.message)
    if check.name == "validity":
        if check.code == "malformed":
            return ProblemDetail(
                VC_DM + "MALFORMED_VALUE_ERROR", "MALFORMED_VALUE_ERROR", check.message
            )
        title = "Credential expired" if check.code == "expired" else "Credential not yet valid"
        return ProblemDetail(VALIDITY_PERIOD, title, check.message)
    if check.name == "relatedResource":
        return _related_problem(check)
    return _status_problem(check)


def _status_problem(check: Check) -> ProblemDetail:
    if check.code in ("revoked", "suspended"):
        return ProblemDetail(STATUS_PURPOSE, f"Credential {check.code}", check.message)
    named = check.details.get("error")
    kind = named if isinstance(named, str) else ""
    if kind not in _STATUS_ERROR_BASE:
        kind = "STATUS_VERIFICATION_ERROR"
    return ProblemDetail(_STATUS_ERROR_BASE[kind] + kind, kind, check.message)


def _related_problem(check: Check) -> ProblemDetail:
    if check.code == "digest_mismatch":
        kind = "CRYPTOGRAPHIC_SECURITY_ERROR"
        return ProblemDetail(VC_DM + kind, kind, check.message)
    return ProblemDetail(RELATED_RESOURCES, "Related resource not checked", check.message)


def check_problems(result: VerificationResult) -> list[ProblemDetail]:
    out = []
    for check in result.failures:
        problem = problem_for(check)
        out.append(replace(problem, code=_first_code(check)))
    return out


def _first_code(check: Check) -> str:
    codes = check.details.get("codes") if check.name == "structure" else None
    if isinstance(codes, list) and codes and isinstance(codes[0], str):
        return codes[0]
    return check_code(check.name, check.code)


#: The type of a warning: a URI naming its stable code (docs/VERIFYING.md explains each).
WARNING_TYPE = "urn:microcred:finding:"


def warning_problems(result: VerificationResult) -> list[ProblemDetail]:
    """VCALM §3.8.1 "Warnings": ProblemDetails that do not make ``verified`` false. The
    title is the stable code; the detail says what it means for the client and where."""
    return [
        ProblemDetail(
            WARNING_TYPE + finding.code,
            finding.code,
            f"{finding.meaning} ({finding.message})",
            finding.code,
        )
        for finding in result.warnings
    ]


def presentation_problems(checks: Sequence[Check]) -> list[ProblemDetail]:
    """The problems of a presentation's own checks (structure, proof, holder, and
    credentials it carries in a form we cannot verify)."""
    out = []
    for check in checks:
        if not check.failed:
            continue
        if check.name in ("structure", "proof"):
            out.append(problem_for(check))
        else:  # holder not the signer; an enveloped credential we cannot verify
            kind = "PROOF_VERIFICATION_ERROR"
            out.append(ProblemDetail(DATA_INTEGRITY + kind, kind, check.message))
    return out


def options_problems(options: Mapping[str, Any], proofs: Sequence[Any]) -> list[ProblemDetail]:
    """VC Data Integrity §4.5 "Verify Proof": the requested domain and challenge must be
    the ones every proof was signed with (they are signed proof options)."""
    problems: list[ProblemDetail] = []
    domains: list[str] | None = options.get("domain")
    challenge: str | None = options.get("challenge")
    for index, raw in enumerate(proofs):
        proof: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if domains is not None and not _domain_matches(proof.get("domain"), domains):
            problems.append(
                ProblemDetail(
                    DATA_INTEGRITY + "INVALID_DOMAIN_ERROR",
                    "INVALID_DOMAIN_ERROR",
                    f"proof {index} was not made for the domain {', '.join(domains)}",
                )
            )
        if challenge is not None and proof.get("challenge") != challenge:
            problems.append(
                ProblemDetail(
                    DATA_INTEGRITY + "INVALID_CHALLENGE_ERROR",
                    "INVALID_CHALLENGE_ERROR",
                    f"proof {index} does not answer the challenge given in options",
                )
            )
    return problems


def _domain_matches(signed: object, wanted: list[str]) -> bool:
    values = signed if isinstance(signed, list) else [signed]
    return any(isinstance(v, str) and v in wanted for v in values)


# --- results ---------------------------------------------------------------------------------


def results(result: VerificationResult, credential: Mapping[str, Any]) -> dict[str, Any]:
    """VCALM ``VerificationResult.results``: keys mapped to the credential's properties."""
    out: dict[str, Any] = {"proof": _proof_results(result, credential)}
    validity = next(iter(result.checks_named("validity")), None)
    for key, failing_code in (("validFrom", "not_yet_valid"), ("validUntil", "expired")):
        if key in credential:
            failed = validity is not None and validity.code in (failing_code, "malformed")
            out[key] = {"verified": not failed, "input": credential[key]}
    out["credentialStatus"] = _status_results(result, credential)
    related = _related_results(result, credential)
    if related:
        out["relatedResource"] = related
    return out


def _related_results(result: VerificationResult, credential: Mapping[str, Any]) -> list[Any]:
    raw = credential.get("relatedResource")
    entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
    checks = result.checks_named("relatedResource")
    if len(checks) != len(entries):
        return []
    return [
        {"verified": check.outcome is Outcome.PASSED, "input": entry}
        for entry, check in zip(entries, checks, strict=True)
    ]


def _proof_results(result: VerificationResult, credential: Mapping[str, Any]) -> list[Any]:
    proofs = proofs_of(credential)
    out = []
    for check in result.checks_named("proof"):
        index = check.details.get("index")
        if not isinstance(index, int) or not 0 <= index < len(proofs):
            continue
        out.append({"verified": check.outcome is Outcome.PASSED, "input": proofs[index]})
    return out


def _status_results(result: VerificationResult, credential: Mapping[str, Any]) -> list[Any]:
    raw = credential.get("credentialStatus")
    entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
    checks = [c for c in result.checks_named("status") if c.outcome is not Outcome.SKIPPED]
    if len(checks) != len(entries):
        return []
    out = []
    for entry, check in zip(entries, checks, strict=True):
        item: dict[str, Any] = {"verified": check.outcome is Outcome.PASSED, "input": entry}
        if check.outcome is Outcome.PASSED:
            item["value"] = 0
        elif check.code in ("revoked", "suspended"):
            item["value"] = 1
        out.append(item)
    return out
