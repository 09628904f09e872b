"""The typed result of verifying a credential: every check, its outcome and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from credentials.errors import Problem
from credentials.findings import Finding, Severity, check_code, severity_of
from credentials.trust import TrustDecision


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    #: Not performed (nothing to check, or a prerequisite failed); never makes a result fail.
    SKIPPED = "skipped"


class Verdict(StrEnum):
    """The one-word answer a client sees first, in order of precedence."""

    VALID = "valid"
    REVOKED = "revoked"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Check:
    """One check: ``name`` is one of structure, proof, issuer, validity, status."""

    name: str
    outcome: Outcome
    message: str
    #: A stable machine-readable reason, e.g. ``bad_signature``, ``revoked``, ``expired``.
    code: str = "ok"
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.name,
            "outcome": self.outcome.value,
            "code": self.code,
            "message": self.message,
        }
        if self.details:
            out["details"] = dict(self.details)
        return out


def split_problems(problems: Sequence[Problem]) -> tuple[list[Problem], tuple[Finding, ...]]:
    """The problems that are errors, and the others as warnings (``credentials.findings``)."""
    if not problems:  # the common case: no lookups at all
        return [], ()
    errors = [p for p in problems if severity_of(p.code) is Severity.ERROR]
    warnings = tuple(
        Finding.of(p.code, f"{p.field}: {p.message}" if p.field else p.message, p.field)
        for p in problems
        if severity_of(p.code) is Severity.WARNING
    )
    return errors, warnings


def structure_check(problems: Sequence[Problem], well_formed: str, *, warnings: int = 0) -> Check:
    """The ``structure`` check from a validator's problems (errors only): the first named,
    the rest counted. ``warnings``: how many warnings were set aside (they do not fail it)."""
    if not problems:
        if warnings:
            plural = "s" if warnings > 1 else ""
            return Check(
                "structure",
                Outcome.PASSED,
                f"Well-formed VC 2.0 credential, with {warnings} Open Badges 3.0 data-quality "
                f"warning{plural} (see warnings).",
                code="warnings",
            )
        return Check("structure", Outcome.PASSED, well_formed)
    first = problems[0]
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    return Check(
        "structure",
        Outcome.FAILED,
        f"{first.field}: {first.message}{more}" if first.field else first.message + more,
        code="malformed",
        details={"problems": [p.as_dict() for p in problems], "codes": [p.code for p in problems]},
    )


_INTEGRITY = ("structure", "proof", "issuer")
#: The code of a check that could not finish within the verification's time budget.
TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Two answers kept apart: the ``checks`` (is it intact and current?) and ``trust``
    (who is the issuer?). ``verified`` and ``verdict`` come from the checks alone."""

    credential: Mapping[str, Any]
    checks: tuple[Check, ...]
    trust: TrustDecision | None = None
    #: Findings that do not fail the verdict (Open Badges data-quality rules, ...).
    warnings: tuple[Finding, ...] = ()

    @property
    def verified(self) -> bool:
        """True when no check failed (skipped checks do not count against it)."""
        return not any(c.failed for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.failed)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Every failed check as findings with stable codes (one per structural problem)."""
        return _errors(self.failures)

    def checks_named(self, name: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.name == name)

    @property
    def verdict(self) -> Verdict:
        return self._verdict(self.failures)

    @property
    def summary(self) -> str:
        """One sentence for people: the verdict and, when not valid, the first reason."""
        failures = self.failures
        return _summary(self._verdict(failures), failures, self.warnings)

    def _verdict(self, failures: tuple[Check, ...]) -> Verdict:
        if any(c.name in _INTEGRITY for c in failures):
            return Verdict.INVALID
        status = {c.code for c in failures if c.name == "status"}
        if "revoked" in status:
            return Verdict.REVOKED
        if "suspended" in status:
            return Verdict.SUSPENDED
        for check in self.checks_named("validity"):
            if check.code == "expired":
                return Verdict.EXPIRED
            if check.code == "not_yet_valid":
                return Verdict.NOT_YET_VALID
        return Verdict.INVALID if failures else Verdict.VALID

    def as_dict(self) -> dict[str, Any]:
        issuer = self.credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
        # The failures and the verdict once: each property would compute them again.
        failures = self.failures
        verdict = self._verdict(failures)
        return {
            "verified": not failures,
            "verdict": verdict.value,
            "summary": _summary(verdict, failures, self.warnings),
            "credentialId": self.credential.get("id"),
            "issuer": issuer_id if isinstance(issuer_id, str) else None,
            "trust": self.trust.as_dict() if self.trust is not None else None,
            "checks": [c.as_dict() for c in self.checks],
            "errors": [f.as_dict() for f in _errors(failures)] if failures else [],
            "warnings": [f.as_dict() for f in self.warnings],
        }


def _errors(failures: tuple[Check, ...]) -> tuple[Finding, ...]:
    found: list[Finding] = []
    for check in failures:
        problems = check.details.get("problems") if check.name == "structure" else None
        codes = check.details.get("codes") if problems is not None else None
        if isinstance(problems, list) and isinstance(codes, list) and len(codes) == len(problems):
            for problem, code in zip(problems, codes, strict=True):
                field = problem.get("field") or None
                text = f"{field}: {problem['message']}" if field else problem["message"]
                found.append(Finding.of(code, text, field))
        else:
            found.append(Finding.of(check_code(check.name, check.code), check.message))
    return tuple(found)


def _summary(
    verdict: Verdict, failures: tuple[Check, ...], warnings: tuple[Finding, ...] = ()
) -> str:
    if verdict is Verdict.VALID:
        if warnings:
            plural = "s" if len(warnings) > 1 else ""
            return (
                f"Valid, with {len(warnings)} warning{plural}: every check of authenticity "
                f"and currency passed. {warnings[0].meaning}"
            )
        return "Valid: every check passed."
    timed_out = next((c for c in failures if c.code == TIMEOUT), None)
    if verdict is Verdict.INVALID and timed_out is not None:
        # Fail closed, but say it is about time, not about the credential: a retry may pass.
        return f"Not valid: {timed_out.message}. Try again later."
    # A definite verdict (revoked, expired...) does not wait on a check that ran out of
    # time: the reason is the first failure that is not a timeout (retrying changes nothing).
    definite = [c for c in failures if c.code != TIMEOUT] or list(failures)
    reason = definite[0].message if definite else ""
    label = verdict.value.replace("_", " ").capitalize()
    return f"{label}: {reason}" if reason else label
