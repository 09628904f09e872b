"""Privacy (issue 14, item 5): what is held about a freelancer, exporting it, erasing it,
and how credentials name the recipient's e-mail address.

Erasure has one meaning wherever it starts (the provider deletes a freelancer, the
freelancer erases their account, an operator runs ``microcred privacy erase``):

- the freelancer row goes, with their gig projects and the provider's assessments of
  them (cascades), and the evidence links of their credentials;
- each credential issued to them stays as a row, so its status list entries stay (the
  holder's copy still verifies, and shows revoked or suspended truly) and the provider
  can still revoke it; but its stored copy of the signed document is withdrawn
  (``document`` becomes the JSON ``null``, ``erased_at`` is set, ``freelancer_id`` None).
  The signature covers the personal fields, so the copy cannot be edited, only dropped.
  The public pages then say that the issuer holds no copy
  (``issuer.local_sources.find_stored_credential`` answers an empty document,
  ``issuer.sharing_sources.find_credential`` nothing);
- texts elsewhere that carry the person's address or name are scrubbed: audit event
  details and actors (self-submitted evidence named its actor by address before it was
  recorded by id), bulk rows, stored idempotent responses (deleted: a replay then runs again);
  revocation and override reasons that name them;
- an audit event ``freelancer.erase`` records that it happened, with ids and counts,
  never the address or the name.

Everything happens in one transaction, and doing it again finds nothing more to do.
Other parts of the service that keep a freelancer's data of their own (accounts, mail
logs, webhook deliveries) register a ``PersonalData`` hook (``register``): erasure and
export then cover them in the same transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Text, cast, delete, or_, select

from issuer.models import (
    Assessment,
    AuditEvent,
    BulkItem,
    BulkJob,
    CredentialEvidence,
    Freelancer,
    GigProject,
    IdempotencyRecord,
    IssuedCredential,
    Issuer,
    Membership,
    User,
)
from issuer.services import audit
from issuer.services.freelancers import EMAIL_PATTERN, get_freelancer
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import InvalidInputError

logger = logging.getLogger(__name__)

#: What the stored copy of a withdrawn credential becomes: valid JSON, so every reader
#: that parses the column keeps working, and it holds nothing.
ERASED_DOCUMENT: Final = "null"
#: What a scrubbed text says instead.
ERASED: Final = "[erased]"
RECIPIENT_EMAIL_MODES: Final = ("hashed", "plain")
EXPORT_FORMAT: Final = "microcred-personal-data/1"


@dataclass(frozen=True, slots=True)
class Erasure:
    """What one erasure covers, as the ``PersonalData`` hooks are told it."""

    email: str
    #: The providers whose records of the address were erased (data a part keeps per
    #: provider, such as a mail delivery log, goes for these).
    issuer_ids: tuple[int, ...]
    #: Their former freelancer ids, and the credentials issued to them (the rows stay,
    #: without a copy of the document and without a freelancer).
    freelancer_ids: tuple[str, ...]
    credential_ids: tuple[str, ...]
    #: True when no provider holds the address any more: what spans providers (the
    #: person's own account) goes too.
    everywhere: bool


@dataclass(frozen=True, slots=True)
class PersonalData:
    """Another part's data about a person: ``export(email, freelancer_ids)`` returns
    something JSON-able (or None); ``erase(erasure)`` removes what ``erasure`` covers,
    inside the caller's transaction (raising rolls the whole erasure back)."""

    name: str
    export: Callable[[str, Sequence[str]], Any]
    erase: Callable[[Erasure], None]


_hooks: list[PersonalData] = []


def register(hook: PersonalData) -> None:
    """Have export and erasure cover ``hook``'s data too (once per name)."""
    if all(h.name != hook.name for h in _hooks):
        _hooks.append(hook)


@dataclass(slots=True)
class ErasureReport:
    """What an erasure did: freelancer rows removed, credentials whose copy was withdrawn,
    and the providers concerned (ids)."""

    freelancers: int = 0
    credentials_withdrawn: int = 0
    issuer_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "freelancers": self.freelancers,
            "credentials_withdrawn": self.credentials_withdrawn,
            "providers": len(self.issuer_ids),
        }


def normalised_email(email: str) -> str:
    """The address as stored (trimmed, lower case); 400 naming ``email`` if it is not one."""
    value = (email or "").strip().lower()
    if not value or len(value) > 254 or not EMAIL_PATTERN.fullmatch(value):
        raise InvalidInputError("Not an e-mail address (such as name@example.org).", field="email")
    return value


# --- export -------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _document(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _needles(freelancer: Freelancer) -> list[str]:
    """The texts that name the person: as written, and as JSON escapes them."""
    found: list[str] = []
    for value in (freelancer.email, freelancer.name, freelancer.did, freelancer.handle):
        if value and len(value) >= 3:  # a two-letter name would match everything
            found.append(value)
            escaped = json.dumps(value)[1:-1]
            if escaped != value:
                found.append(escaped)
    return found


def _naming(column: Any, needles: Iterable[str]) -> Any:
    """SQL: ``column`` (as text) contains one of ``needles``, LIKE-escaped."""
    text = cast(column, Text)
    return or_(
        *(
            text.ilike(
                "%" + n.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
                escape="\\",
            )
            for n in needles
        )
    )


def _audit_events(freelancer: Freelancer, credential_ids: Sequence[str]) -> list[AuditEvent]:
    targets = [freelancer.id, *(p.id for p in freelancer.projects), *credential_ids]
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.issuer_id == freelancer.issuer_id,
                or_(
                    AuditEvent.target_id.in_(targets),
                    _naming(AuditEvent.details, _needles(freelancer)),
                    # Self-submitted evidence named its actor by address until it was
                    # recorded by id (``freelancer:<id>``): such rows are still in the log.
                    _naming(AuditEvent.actor, _needles(freelancer)),
                ),
            )
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def _credentials(freelancer: Freelancer) -> list[IssuedCredential]:
    return list(
        db.session.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.freelancer_id == freelancer.id)
            .order_by(IssuedCredential.issued_at, IssuedCredential.id)
        )
    )


def export_freelancer_record(freelancer: Freelancer) -> dict[str, Any]:
    """Everything one provider holds about one freelancer, as JSON-able data."""
    issuer = db.session.get(Issuer, freelancer.issuer_id)
    credentials = _credentials(freelancer)
    return {
        "provider": {"name": issuer.name, "did": issuer.did} if issuer else None,
        "freelancer": {
            "id": freelancer.id,
            "name": freelancer.name,
            "email": freelancer.email,
            "did": freelancer.did,
            "handle": freelancer.handle,
            "profile_public": freelancer.profile_public,
            "identity_salt": freelancer.identity_salt,
            "created_at": _iso(freelancer.created_at),
            "updated_at": _iso(freelancer.updated_at),
        },
        "projects": [_project(p) for p in freelancer.projects],
        "credentials": [
            {
                "id": c.id,
                "credential_id": c.credential_id,
                "issued_at": _iso(c.issued_at),
                "valid_until": _iso(c.valid_until),
                "revoked_at": _iso(c.revoked_at),
                "revocation_reason": c.revocation_reason,
                "suspended": c.suspended,
                "override_reason": c.override_reason,
                "document": _document(c.document),
            }
            for c in credentials
        ],
        "audit_events": [
            {
                "at": _iso(e.at),
                "actor": e.actor,
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "details": e.details,
            }
            for e in _audit_events(freelancer, [c.id for c in credentials])
        ],
        "bulk_rows": [
            {"job": job_id, "row": item.row_number, "payload": item.payload}
            for item, job_id in _bulk_items(freelancer)
        ],
    }


def _project(project: GigProject) -> dict[str, Any]:
    return {
        "id": project.id,
        "platform": project.platform,
        "title": project.title,
        "url": project.url,
        "client_name": project.client_name,
        "started_on": project.started_on.isoformat() if project.started_on else None,
        "finished_on": project.finished_on.isoformat() if project.finished_on else None,
        "deliverables": project.deliverables,
        "client_rating": str(project.client_rating) if project.client_rating is not None else None,
        "client_feedback": project.client_feedback,
        "created_at": _iso(project.created_at),
        "assessments": [_assessment(a) for a in project.assessments],
    }


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "competency": assessment.competency.name,
        "outcome": assessment.outcome,
        "reviewer": assessment.reviewer,
        "note": assessment.note,
        "assessed_at": _iso(assessment.assessed_at),
    }


def _bulk_items(freelancer: Freelancer) -> list[tuple[BulkItem, str]]:
    needles = [freelancer.email, json.dumps(freelancer.email)[1:-1]]
    rows = db.session.execute(
        select(BulkItem, BulkJob.id)
        .join(BulkJob, BulkItem.job_id == BulkJob.id)
        .where(BulkJob.issuer_id == freelancer.issuer_id, _naming(BulkItem.payload, needles))
        .order_by(BulkJob.id, BulkItem.row_number)
    ).all()
    return [(row[0], row[1]) for row in rows]


def held_counts(freelancer: Freelancer) -> dict[str, int]:
    """What deleting ``freelancer`` touches: projects, assessments, credentials."""
    projects = list(freelancer.projects)
    return {
        "projects": len(projects),
        "assessments": sum(len(p.assessments) for p in projects),
        "credentials": len(_credentials(freelancer)),
    }


def export_freelancer(issuer: Issuer, freelancer_id: str) -> dict[str, Any]:
    """A provider's export of one of its freelancers (404 for another provider's)."""
    freelancer = get_freelancer(issuer, freelancer_id)
    return {
        "format": EXPORT_FORMAT,
        "exportedAt": datetime.now(UTC).isoformat(),
        "email": freelancer.email,
        "providers": [export_freelancer_record(freelancer)],
    }


def _freelancers_with(email: str) -> list[Freelancer]:
    return list(
        db.session.scalars(
            select(Freelancer)
            .where(Freelancer.email == email)
            .order_by(Freelancer.issuer_id, Freelancer.id)
        )
    )


def export_person(email: str) -> dict[str, Any]:
    """All personal data held about ``email`` across every provider of this service."""
    address = normalised_email(email)
    found = _freelancers_with(address)
    ids = [f.id for f in found]
    return {
        "format": EXPORT_FORMAT,
        "exportedAt": datetime.now(UTC).isoformat(),
        "email": address,
        "providers": [export_freelancer_record(f) for f in found],
        "other": {h.name: h.export(address, ids) for h in _hooks},
    }


# --- erasure ------------------------------------------------------------------------------


def _scrub(value: Any, needles: Sequence[str]) -> Any:
    """``value`` (JSON-able) with every string that names the person replaced."""
    if isinstance(value, str):
        return ERASED if any(n.casefold() in value.casefold() for n in needles) else value
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    return value


def _erase_freelancer(
    freelancer: Freelancer, *, actor: str, reason: str, ip: str | None
) -> list[str]:
    """Erase one freelancer row and what hangs on it, in the caller's transaction; the ids
    of the credentials whose stored copy was withdrawn."""
    now = datetime.now(UTC)
    needles = _needles(freelancer)
    plain = [n for n in (freelancer.email, freelancer.name, freelancer.did, freelancer.handle) if n]
    credentials = _credentials(freelancer)
    credential_ids = [c.id for c in credentials]
    # Texts of other rows first, while the ids still find them.
    for event in _audit_events(freelancer, credential_ids):
        event.details = _scrub(event.details, plain)
        event.actor = _scrub(event.actor, plain)
    for item, _job in _bulk_items(freelancer):
        item.payload = {"erased": True}
        item.error = _scrub(item.error, plain) if item.error else item.error
    idempotency_needles = [*needles, freelancer.id, *credential_ids]
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.issuer_id == freelancer.issuer_id,
            _naming(IdempotencyRecord.response_body, idempotency_needles),
        )
    )
    if credential_ids:
        db.session.execute(
            delete(CredentialEvidence).where(CredentialEvidence.credential_id.in_(credential_ids))
        )
    for credential in credentials:
        credential.document = ERASED_DOCUMENT
        credential.erased_at = now
        credential.freelancer_id = None
        credential.revocation_reason = _scrub(credential.revocation_reason, plain)
        credential.override_reason = _scrub(credential.override_reason, plain)
    db.session.flush()
    freelancer_id, issuer_id = freelancer.id, freelancer.issuer_id
    db.session.delete(freelancer)  # projects and assessments cascade
    db.session.flush()
    audit.record(
        issuer_id,
        actor=actor,
        action="freelancer.erase",
        target_type="freelancer",
        target_id=freelancer_id,
        ip=ip,
        reason=reason,
        credentials_withdrawn=len(credentials),
    )
    return credential_ids


def delete_freelancer(
    issuer: Issuer, freelancer_id: str, *, actor: str, ip: str | None = None
) -> ErasureReport:
    """The provider deletes one of its freelancers (404 for another provider's): erasure as
    the module says, in the caller's transaction."""
    freelancer = get_freelancer(issuer, freelancer_id)
    email, former_id = freelancer.email, freelancer.id
    others = db.session.scalar(
        select(Freelancer.id).where(Freelancer.email == email, Freelancer.id != former_id)
    )
    credential_ids = _erase_freelancer(freelancer, actor=actor, reason="deleted by provider", ip=ip)
    erasure = Erasure(
        email, (issuer.id,), (former_id,), tuple(credential_ids), everywhere=others is None
    )
    for hook in _hooks:
        hook.erase(erasure)
    return ErasureReport(1, len(credential_ids), [issuer.id])


def erase_person(email: str, *, actor: str) -> ErasureReport:
    """Erase everything held about ``email`` at every provider, in one transaction of its
    own (call it outside one), then tell each provider concerned by mail to its owners.
    Running it again finds nothing and changes nothing."""
    address = normalised_email(email)
    report = ErasureReport()
    with write_transaction(db.session):
        found = _freelancers_with(address)
        ids = [f.id for f in found]
        credential_ids: list[str] = []
        for freelancer in found:
            report.issuer_ids.append(freelancer.issuer_id)
            credential_ids += _erase_freelancer(
                freelancer, actor=actor, reason="erasure requested", ip=None
            )
            report.freelancers += 1
        report.credentials_withdrawn = len(credential_ids)
        erasure = Erasure(
            address, tuple(report.issuer_ids), tuple(ids), tuple(credential_ids), everywhere=True
        )
        for hook in _hooks:
            hook.erase(erasure)
        owners = _owners_of(report.issuer_ids)
    # After the commit only: no mail announces an erasure that rolled back.
    for issuer_id, (name, addresses) in owners.items():
        _tell_provider(name, addresses, ids[report.issuer_ids.index(issuer_id)])
    return report


def _owners_of(issuer_ids: Sequence[int]) -> dict[int, tuple[str, list[str]]]:
    found: dict[int, tuple[str, list[str]]] = {}
    if not issuer_ids:
        return found
    for issuer in db.session.scalars(select(Issuer).where(Issuer.id.in_(issuer_ids))):
        addresses = list(
            db.session.scalars(
                select(User.email)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.issuer_id == issuer.id, Membership.role == "owner")
                .order_by(User.email)
            )
        )
        if not addresses and issuer.email:
            addresses = [issuer.email]
        found[issuer.id] = (issuer.name, addresses)
    return found


def _tell_provider(provider: str, addresses: list[str], freelancer_id: str) -> None:
    """One mail to the owners: the freelancer's former id, never their name or address."""
    from microcred.platform.mail import MailMessage, send_mail

    if not addresses:
        logger.warning("no owner to tell of the erasure of freelancer %s", freelancer_id)
        return
    text = (
        f"A freelancer of {provider} asked for their personal data to be erased, and it was.\n\n"
        f"Their record (id {freelancer_id}), gig projects and assessments are gone. The "
        "credentials issued to them stay valid, revocable and on your status lists, but "
        "this service no longer holds a copy: the freelancer keeps the signed file.\n\n"
        "The audit log has the entry freelancer.erase.\n"
    )
    try:
        send_mail(
            MailMessage(to=tuple(addresses), subject="A freelancer's data was erased", text=text)
        )
    except Exception:  # the erasure is committed; the audit event still tells them
        logger.exception("could not queue the erasure notice for freelancer %s", freelancer_id)


# --- recipient identity -------------------------------------------------------------------


def set_recipient_email(issuer: Issuer, mode: str, *, actor: str, ip: str | None = None) -> Issuer:
    """How new credentials name the recipient's e-mail: "hashed" (salted, the default) or
    "plain" (the provider's choice). Audited; credentials already issued are unchanged."""
    if mode not in RECIPIENT_EMAIL_MODES:
        raise InvalidInputError(
            "recipient_email must be 'hashed' or 'plain'", field="recipient_email"
        )
    if issuer.recipient_email != mode:
        previous = issuer.recipient_email
        issuer.recipient_email = mode
        audit.record(
            issuer.id,
            actor=actor,
            action="issuer.recipient_email",
            target_type="issuer",
            target_id=issuer.slug,
            ip=ip,
            previous=previous,
            now=mode,
        )
        db.session.flush()
    return issuer


__all__ = [
    "ERASED_DOCUMENT",
    "RECIPIENT_EMAIL_MODES",
    "Erasure",
    "ErasureReport",
    "PersonalData",
    "delete_freelancer",
    "erase_person",
    "export_freelancer",
    "export_person",
    "held_counts",
    "normalised_email",
    "register",
    "set_recipient_email",
]
