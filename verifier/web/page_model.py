"""What the verification page shows, worked out in Python so the template stays simple.

The page is for clients of freelancers, not for credential experts: the verdict comes
with a sentence in plain words, each check with a title saying what it means. Every
string taken from the credential is returned as plain text (the template escapes it);
links are kept only when they are absolute http(s) URLs, so an issued
``javascript:`` or ``data:`` URL can never become a clickable link.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from credentials.ob3 import CompetencySummary, CredentialSummary, EvidenceSummary, summarize
from credentials.results import Check, Outcome, Verdict, VerificationResult
from credentials.trust import Established, TrustDecision, TrustLevel
from verifier.web.assets import long_date  # i18n: dates in the page's language
from verifier.web.words import N_, _, english, finding_meaning, ngettext  # i18n


@dataclass(frozen=True, slots=True)
class VerdictView:
    key: str  # the Verdict value, also the CSS modifier
    label: str  # one or two words: "Valid", "Revoked"...
    explanation: str  # why, in plain words
    tone: str  # ok | warn | bad
    symbol: str  # decorative only: the label carries the meaning
    detail: str | None = None  # not valid: the first failed check's own message


@dataclass(frozen=True, slots=True)
class TrustView:
    """Who issued it, apart from the verdict: a valid signature proves no identity."""

    outcome: str  # registered | listed | unknown | unconfirmed (TrustLevel values)
    trusted: bool  # the name below is vouched for by this service or a registry
    heading: str
    text: str
    tone: str  # ok | warn
    name: str | None  # the established name (trusted) or None
    claimed_name: str | None  # what the credential calls its issuer (self-asserted)
    badge: str = "confirmed"  # how ``name`` is established: confirmed | listed | domain verified


@dataclass(frozen=True, slots=True)
class CheckView:
    title: str
    meaning: str
    outcome: str  # passed | failed | skipped
    outcome_label: str
    message: str
    code: str


@dataclass(frozen=True, slots=True)
class WarningView:
    """A finding that does not fail the verdict: what it means, then the detail."""

    meaning: str
    message: str
    code: str


@dataclass(frozen=True, slots=True)
class ProjectView:
    name: str
    line: str | None  # platform, client, dates, rating, as issued
    url: str | None


@dataclass(frozen=True, slots=True)
class CompetencyView:
    name: str
    description: str | None
    demonstrated: bool
    projects: tuple[ProjectView, ...]


@dataclass(frozen=True, slots=True)
class PageModel:
    verdict: VerdictView
    trust: TrustView
    checks: tuple[CheckView, ...]
    summary: CredentialSummary
    title: str  # the micro-certification's name
    description: str | None
    recipient: str | None
    issuer_name: str | None
    issuer_id: str | None
    issuer_url: str | None
    competencies: tuple[CompetencyView, ...]
    other_projects: tuple[ProjectView, ...]  # evidence not tied to a listed competency
    issued: datetime | None
    expires: datetime | None
    override_reason: str | None = None  # awarded by the issuer's decision, and why
    warnings: tuple[WarningView, ...] = ()


_LABELS = {
    Verdict.VALID: (N_("Valid"), "ok", "✓"),
    Verdict.REVOKED: (N_("Revoked"), "bad", "✕"),
    Verdict.SUSPENDED: (N_("Suspended"), "warn", "!"),
    Verdict.EXPIRED: (N_("Expired"), "warn", "!"),
    Verdict.NOT_YET_VALID: (N_("Not yet valid"), "warn", "!"),
    Verdict.INVALID: (N_("Not valid"), "bad", "✕"),
}

_UNTRUSTED = N_("Do not rely on the details below: they could not be confirmed.")

_INVALID_BECAUSE = {
    ("proof", "bad_signature"): N_(
        "Its content does not match the issuer's digital signature: "
        "it was changed after it was issued, or it is forged."
    ),
    ("proof", "no_proof"): N_("It carries no digital signature, so anyone could have written it."),
    ("proof", "resolution_failed"): N_(
        "The issuer's signing key could not be looked up, so the signature cannot be checked."
    ),
    ("proof", "key_not_authorized"): N_(
        "It was signed with a key that the issuer does not "
        "(or no longer) list for issuing credentials."
    ),
    ("proof", "unknown_cryptosuite"): N_(
        "It is signed with a method this service does not support."
    ),
    ("proof", "unsupported_proof_type"): N_(
        "It is signed with a method this service does not support."
    ),
    ("issuer", "issuer_mismatch"): N_("It was signed by someone other than the issuer it names."),
    ("structure", "malformed"): N_("It is not a well-formed credential."),
    ("proof", "timeout"): N_(
        "It could not be checked in time: a server it depends on did not "
        "answer soon enough. This says nothing about the credential itself; try again later."
    ),
    ("status", "timeout"): N_(
        "Its revocation list could not be checked in time, so it cannot be "
        "ruled out that it was revoked. Try again later."
    ),
    ("validity", "malformed"): N_("Its validity dates are malformed."),
    ("relatedResource", "digest_mismatch"): N_(
        "A resource it pins by a digest (such as a "
        "linked file or context) is not the one the issuer pinned: it changed, or was replaced."
    ),
    ("relatedResource", "timeout"): N_(
        "A resource it pins by a digest could not be checked in "
        "time. This says nothing about the credential itself; try again later."
    ),
}
_INVALID_BY_CHECK = {
    "proof": N_("Its digital signature is damaged or cannot be checked."),
    "status": N_(
        "The issuer's revocation list could not be retrieved or verified, so it "
        "cannot be ruled out that the credential was revoked."
    ),
    "relatedResource": N_(
        "A resource it pins by a digest could not be retrieved, so it cannot "
        "be confirmed unchanged."
    ),
}


def _date(value: datetime | None) -> str:
    return long_date(value) if value is not None else _("an unknown date")


def _issuer_words(trust: TrustView, summary: CredentialSummary) -> str:
    """How the verdict sentence names the issuer: never a self-asserted name as fact."""
    if trust.trusted and trust.name:
        return trust.name
    if trust.claimed_name:
        return _("an issuer calling itself “%(name)s” (unconfirmed)", name=trust.claimed_name)
    if summary.issuer_id:
        return _("the issuer %(id)s", id=summary.issuer_id)
    return _("the issuer")


def _trust(result: VerificationResult) -> TrustView:
    decision = result.trust
    if decision is None:  # a result built without a trust policy
        return TrustView("unknown", False, _("Issuer not confirmed"), "", "warn", None, None)
    level = decision.level
    if decision.trusted:
        heading = (
            _("Issuer listed in a trust registry")
            if level is TrustLevel.LISTED
            else _("Issuer registered with this service")
        )
        tone = "ok"
    elif level is TrustLevel.UNCONFIRMED:
        heading, tone = _("Issuer could not be confirmed"), "warn"
    elif level is TrustLevel.REGISTERED:
        heading, tone = _("Issuer's identity not confirmed"), "warn"
    else:
        heading, tone = _("Unknown issuer"), "warn"
    established = decision.identity.established if decision.identity else None
    if level is TrustLevel.LISTED:
        badge = "listed"
    elif established is Established.DOMAIN:
        badge = "domain verified"
    else:
        badge = "confirmed"
    return TrustView(
        outcome=level.value,
        trusted=decision.trusted,
        heading=heading,
        text=decision.message if english() else _trust_text(decision),
        tone=tone,
        name=decision.name,
        claimed_name=decision.claimed_name,
        badge=badge,
    )


def _trust_text(decision: TrustDecision) -> str:  # noqa: PLR0911  # one sentence per case
    """The trust decision's sentence in the page's language, rebuilt from its fields (the
    core words it in English: ``credentials.trust``)."""
    identity = decision.identity
    if decision.level is TrustLevel.UNCONFIRMED:
        # a fixed sentence in the core: its English is the message id (else shown as is)
        N_("The issuer could not be confirmed because the signature check failed.")
        return _(decision.message)
    if identity is None:
        if decision.level is not TrustLevel.UNKNOWN:
            return _(decision.message)
        if decision.claimed_name is None:
            return _("Unknown issuer: no trust registry this service uses lists it.")
        return _(
            "Unknown issuer: it calls itself “%(name)s”, but that is its own claim. "
            "No trust registry this service uses lists it.",
            name=decision.claimed_name,
        )
    if not identity.confirmed:
        return _(
            "Registered on %(source)s as “%(name)s”, but its identity has not been "
            "confirmed yet: the name is the provider's own claim.",
            source=identity.source,
            name=identity.name,
        )
    if identity.level is TrustLevel.LISTED:
        return _(
            "%(name)s — listed in the trust registry “%(source)s”.",
            name=identity.name,
            source=identity.source,
        )
    if identity.established is Established.DOMAIN:
        return _(
            "The owner of %(domain)s — registered on %(source)s as “%(name)s”; it controls "
            "the domain %(domain)s, which publishes this issuer's key.",
            domain=identity.domain or "?",
            source=identity.source,
            name=identity.name,
        )
    when = identity.confirmed_at.date().isoformat() if identity.confirmed_at else "?"
    return _(
        "%(name)s — registered on %(source)s; identity confirmed by %(who)s on %(when)s.",
        name=identity.name,
        source=identity.source,
        who=identity.confirmed_by or _("the operator"),
        when=when,
    )


def _verdict(
    result: VerificationResult, summary: CredentialSummary, trust: TrustView
) -> VerdictView:
    verdict = result.verdict
    label_id, tone, symbol = _LABELS[verdict]
    label = _(label_id)
    failure = result.failures[0] if result.failures else None
    issuer = _issuer_words(trust, summary)
    # i18n: each sentence is one message id (a translator needs whole sentences); the
    # English ids join with one space, as the page always read.
    if verdict is Verdict.VALID:
        status_skipped = all(c.outcome is Outcome.SKIPPED for c in result.checks_named("status"))
        # --- v-ob2: a hosted badge is vouched for by a web server, not a signature ---
        if _ob2_mode(result) == "hosted":
            server = issuer if trust.trusted else _("the issuer's web server")
            text = (
                _(
                    "This badge is current and as %(server)s publishes it: a hosted badge "
                    "carries no signature, so it is only as authentic as that server; it is "
                    "within its validity period. Its issuer provides no revocation list, so "
                    "revocation cannot be checked.",
                    server=server,
                )
                if status_skipped
                else _(
                    "This badge is current and as %(server)s publishes it: a hosted badge "
                    "carries no signature, so it is only as authentic as that server; it is "
                    "within its validity period, and the issuer has not revoked or "
                    "suspended it.",
                    server=server,
                )
            )
        # --- end v-ob2 ---
        else:
            signer = issuer if trust.trusted else _("whoever holds the issuer's signing key")
            text = (
                _(
                    "This credential is intact and current: %(signer)s signed it, it has not "
                    "been changed since, it is within its validity period. Its issuer "
                    "provides no revocation list, so revocation cannot be checked.",
                    signer=signer,
                )
                if status_skipped
                else _(
                    "This credential is intact and current: %(signer)s signed it, it has not "
                    "been changed since, it is within its validity period, and the issuer "
                    "has not revoked or suspended it.",
                    signer=signer,
                )
            )
        if result.warnings:
            text += " " + ngettext(
                "It does not follow every rule of the Open Badges format: see the "
                "%(num)d warning below, which say what to check yourself.",
                "It does not follow every rule of the Open Badges format: see the "
                "%(num)d warnings below, which say what to check yourself.",
                len(result.warnings),
            )
        if not trust.trusted:
            text += " " + _("Who the issuer is has not been confirmed: see “Who issued it”.")
        return VerdictView(verdict.value, label, text, tone, symbol)
    if verdict is Verdict.REVOKED:
        text = _(
            "%(issuer)s has withdrawn this credential. It was genuinely issued, but it no "
            "longer certifies anything.",
            issuer=issuer,
        )
    elif verdict is Verdict.SUSPENDED:
        text = _(
            "%(issuer)s has suspended this credential for now. Do not rely on it unless the "
            "issuer lifts the suspension.",
            issuer=issuer,
        )
    elif verdict is Verdict.EXPIRED:
        text = _(
            "This credential was genuinely issued by %(issuer)s, but it expired on %(date)s.",
            issuer=issuer,
            date=_date(summary.valid_until),
        )
    elif verdict is Verdict.NOT_YET_VALID:
        text = _("This credential only becomes valid on %(date)s.", date=_date(summary.valid_from))
    else:
        # The plain reason is general; the failed check's own words go with it.
        detail = failure.message if failure is not None else None
        text = _invalid_reason(failure) + " " + _(_UNTRUSTED)
        return VerdictView(verdict.value, label, text, tone, symbol, detail)
    return VerdictView(verdict.value, label, text, tone, symbol)


def _invalid_reason(failure: Check | None) -> str:
    if failure is None:
        return _("It could not be verified.")
    if failure.code.startswith("ob2."):  # v-ob2 (i18n: translated by its code)
        return finding_meaning(failure.code)
    reason = (
        _INVALID_BECAUSE.get((failure.name, failure.code))
        or _INVALID_BY_CHECK.get(failure.name)
        or N_("One of the checks below failed.")
    )
    return _(reason)


# --- checks ---------------------------------------------------------------------------------

_CHECK_TEXT = {
    "structure": (N_("Credential format"), N_("It is a well-formed Open Badges 3.0 credential.")),
    "proof": (N_("Digital signature"), N_("Nothing has been changed since the issuer signed it.")),
    "issuer": (
        N_("Issuer's key"),
        N_("The signing key belongs to the issuer the credential names."),
    ),
    "validity": (N_("Validity period"), N_("Today falls between its start and expiry dates.")),
    "status": (
        N_("Status"),
        N_("The issuer's status list says whether it was revoked or suspended."),
    ),
    "relatedResource": (
        N_("Linked resource"),
        N_("A resource the issuer pinned by its digest is unchanged."),
    ),
}
_STATUS_TEXT = {
    "revocation": (
        N_("Revocation status"),
        N_("The issuer's revocation list says whether it was withdrawn."),
    ),
    "suspension": (
        N_("Suspension status"),
        N_("The issuer's suspension list says whether it is on hold."),
    ),
}
_OUTCOME_LABELS = {
    Outcome.PASSED: N_("Passed"),
    Outcome.FAILED: N_("Failed"),
    Outcome.SKIPPED: N_("Not checked"),
}


# --- v-ob2: what the checks mean for an Open Badges 2.0 / 1.x badge ---
_OB2_CHECK_TEXT = {
    "structure": (N_("Badge format"), N_("It is a well-formed Open Badges assertion.")),
    "proof": (
        N_("Authenticity"),
        N_(
            "Signed badges: nothing has been changed since the issuer signed it. Hosted badges: "
            "the issuer's web server answers this very badge (only as authentic as that server)."
        ),
    ),
    "issuer": (
        N_("Issuer"),
        N_("The signing key, or the address the badge is hosted at, belongs to its issuer."),
    ),
    "status": (
        N_("Status"),
        N_(
            "The issuer's revocation list (signed badges) or its web server (hosted badges) "
            "says whether it was revoked."
        ),
    ),
    "recipient": (
        N_("Recipient"),
        N_("The badge was awarded to the address you typed (checked only when you type one)."),
    ),
}


def _ob2_mode(result: VerificationResult) -> str | None:
    """hosted | signed for an Open Badges 2.0 / 1.x result, else None."""
    ob2 = result.credential.get("openBadges2")
    mode = ob2.get("verification") if isinstance(ob2, Mapping) else None
    return mode if isinstance(mode, str) else None


# --- end v-ob2 ---


def _check_view(check: Check, proof_count: int, ob2: bool = False) -> CheckView:
    title, meaning = _CHECK_TEXT.get(check.name, (check.name.capitalize(), ""))
    if ob2 and check.name in _OB2_CHECK_TEXT:  # v-ob2
        title, meaning = _OB2_CHECK_TEXT[check.name]
    details: Mapping[str, Any] = check.details
    if check.name == "status" and details.get("purpose") in _STATUS_TEXT:
        title, meaning = _STATUS_TEXT[str(details["purpose"])]
    title = _(title)  # i18n: an unknown check's own name is its own message id
    if check.name == "proof" and proof_count > 1 and isinstance(details.get("index"), int):
        title = f"{title} {details['index'] + 1}"
    if check.name == "proof" and isinstance(details.get("cryptosuite"), str):
        title = f"{title} ({details['cryptosuite']})"
    return CheckView(
        title=title,
        meaning=_(meaning) if meaning else meaning,
        outcome=check.outcome.value,
        outcome_label=_(_OUTCOME_LABELS[check.outcome]),
        message=check.message,
        code=check.code,
    )


# --- what the credential says ---------------------------------------------------------------


def safe_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL a link may point to, else None."""
    if not value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return value


def _project(item: EvidenceSummary) -> ProjectView:
    return ProjectView(
        name=item.name or item.url or _("Unnamed project"),
        line=item.description,
        url=safe_url(item.url),
    )


def _competency(item: CompetencySummary) -> CompetencyView:
    return CompetencyView(
        name=item.name or _("Unnamed competency"),
        description=item.description,
        demonstrated=item.demonstrated,
        projects=tuple(_project(e) for e in item.evidence),
    )


def page_model(result: VerificationResult) -> PageModel:
    summary = summarize(result.credential)
    linked = {id(e) for c in summary.competencies for e in c.evidence}
    proofs = len(result.checks_named("proof"))
    trust = _trust(result)
    return PageModel(
        verdict=_verdict(result, summary, trust),
        trust=trust,
        checks=tuple(
            _check_view(c, proofs, "openBadges2" in result.credential)  # v-ob2
            for c in result.checks
        ),
        summary=summary,
        title=summary.achievement.name or summary.name or _("Credential"),
        description=summary.achievement.description or summary.description,
        recipient=summary.recipient_name,
        # The name as fact only when vouched for; otherwise the template shows the claim.
        issuer_name=trust.name if trust.trusted else None,
        issuer_id=summary.issuer_id,
        issuer_url=safe_url(summary.issuer_url),
        competencies=tuple(_competency(c) for c in summary.competencies),
        other_projects=tuple(_project(e) for e in summary.evidence if id(e) not in linked),
        issued=summary.awarded_date or summary.valid_from,
        expires=summary.valid_until,
        override_reason=summary.override_reason,
        warnings=tuple(
            WarningView(w.meaning if english() else finding_meaning(w.code), w.message, w.code)
            for w in result.warnings
        ),
    )
