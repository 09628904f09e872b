"""Issued credentials: list, fetch, revoke, suspend and unsuspend.

A status change is one transaction: the credential's columns, its bit in the status list
(``issuer.services.status_lists.set_status``: row lock, version bump) and an audit event.
Revocation is final (it cannot be undone, and a revoked credential cannot be suspended or
unsuspended); revoking a suspended credential is allowed. Expiry is not a status change:
it follows from ``validUntil``, which every verifier checks.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, not_, or_, select, tuple_

from issuer.models import Freelancer, IssuedCredential, Issuer, MicroCertification
from issuer.services import audit, events, status_lists
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

STATUSES = ("valid", "revoked", "suspended", "expired")
MAX_REASON = 500


def credential_status(credential: IssuedCredential, now: datetime | None = None) -> str:
    """valid | revoked | suspended | expired (in that order of precedence, worst first)."""
    if credential.revoked_at is not None:
        return "revoked"
    if credential.suspended:
        return "suspended"
    moment = now or datetime.now(UTC)
    if credential.valid_until is not None and credential.valid_until < moment:
        return "expired"
    return "valid"


#: The console's list also filters "expiring": active, and ending within this many days
#: (the dashboard's count of the same name links to it).
EXPIRING_DAYS = 30
PAGE_STATUSES = (*STATUSES, "expiring")


def _status_condition(status: str, now: datetime) -> Any:
    not_revoked = IssuedCredential.revoked_at.is_(None)
    expired = and_(IssuedCredential.valid_until.is_not(None), IssuedCredential.valid_until < now)
    if status == "expiring":
        return and_(
            not_revoked,
            not_(IssuedCredential.suspended),
            IssuedCredential.valid_until >= now,
            IssuedCredential.valid_until <= now + timedelta(days=EXPIRING_DAYS),
        )
    if status == "revoked":
        return IssuedCredential.revoked_at.is_not(None)
    if status == "suspended":
        return and_(not_revoked, IssuedCredential.suspended)
    if status == "expired":
        return and_(not_revoked, not_(IssuedCredential.suspended), expired)
    return and_(not_revoked, not_(IssuedCredential.suspended), not_(expired))


def credentials_query(
    issuer: Issuer, filters: Mapping[str, Any] | None = None
) -> Select[tuple[IssuedCredential]]:
    """The provider's credentials, newest first; filters: freelancer, certification, status."""
    filters = filters or {}
    statement = select(IssuedCredential).where(IssuedCredential.issuer_id == issuer.id)
    if filters.get("freelancer"):
        statement = statement.where(IssuedCredential.freelancer_id == filters["freelancer"])
    if filters.get("certification"):
        statement = statement.where(IssuedCredential.certification_id == filters["certification"])
    if filters.get("status"):
        if filters["status"] not in STATUSES:
            raise UnprocessableError(f"status must be one of {', '.join(STATUSES)}", field="status")
        statement = statement.where(_status_condition(filters["status"], datetime.now(UTC)))
    return statement.order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)


#: Rows of one page of ``credentials_page``.
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class CredentialRow:
    """One line of the console's credentials list."""

    id: str
    issued_at: datetime
    valid_until: datetime | None
    revoked_at: datetime | None
    suspended: bool
    override_reason: str | None
    freelancer_id: str | None
    freelancer_name: str | None
    freelancer_email: str | None
    certification_id: str | None
    certification_name: str | None
    #: fl-privacy: when the recipient's personal data was erased (no name, no copy).
    erased_at: datetime | None = None

    @property
    def status(self) -> str:
        return credential_status(self)  # type: ignore[arg-type] - the same four columns


@dataclass(frozen=True, slots=True)
class CredentialPage:
    rows: list[CredentialRow]
    #: The cursor of the next (older) page, or None on the last page.
    older: str | None


def _cursor(row: CredentialRow) -> str:
    return f"{row.issued_at.astimezone(UTC).isoformat()}~{row.id}"


def _parse_cursor(cursor: str) -> tuple[datetime, str]:
    moment, _, key = cursor.partition("~")
    try:
        when = datetime.fromisoformat(moment)
    except ValueError:
        raise UnprocessableError(
            "the page cursor is not one this list gave", field="after"
        ) from None
    if when.tzinfo is None or not key or len(key) > 36:
        raise UnprocessableError("the page cursor is not one this list gave", field="after")
    return when, key


def credentials_page(
    issuer: Issuer,
    *,
    status: str | None = None,
    certification: str | None = None,
    search: str | None = None,
    after: str | None = None,
    limit: int | None = None,
) -> CredentialPage:
    """One page of the provider's credentials, newest first, for the console's list.

    Keyset pagination on (issued_at, id), the order of the index
    ``ix_issued_credentials_issuer_page``: a page deep in 100,000 credentials reads as
    few rows as the first. ``search`` matches the freelancer's name or e-mail (a part of
    it, any case); ``after`` is the ``older`` cursor of the page before."""
    limit = limit or PAGE_SIZE
    c, f, m = IssuedCredential, Freelancer, MicroCertification
    statement = (
        select(
            c.id,
            c.issued_at,
            c.valid_until,
            c.revoked_at,
            c.suspended,
            c.override_reason,
            c.freelancer_id,
            f.name,
            f.email,
            c.certification_id,
            m.name,
            c.erased_at,  # fl-privacy
        )
        .select_from(c)
        .outerjoin(f, f.id == c.freelancer_id)
        .outerjoin(m, m.id == c.certification_id)
        .where(c.issuer_id == issuer.id)
    )
    if status:
        if status not in PAGE_STATUSES:
            raise UnprocessableError(
                f"status must be one of {', '.join(PAGE_STATUSES)}", field="status"
            )
        statement = statement.where(_status_condition(status, datetime.now(UTC)))
    if certification:
        statement = statement.where(c.certification_id == certification)
    text = (search or "").strip().lower()
    if text:
        if len(text) > 254:
            raise UnprocessableError("search for at most 254 characters", field="q")
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching = select(f.id).where(
            f.issuer_id == issuer.id,
            or_(
                func.lower(f.name).like(pattern, escape="\\"),
                func.lower(f.email).like(pattern, escape="\\"),
            ),
        )
        statement = statement.where(c.freelancer_id.in_(matching))
    if after:
        when, key = _parse_cursor(after)
        # A row comparison, so the index's range starts at the cursor (an OR of the two
        # cases would be a filter over every newer row).
        statement = statement.where(tuple_(c.issued_at, c.id) < tuple_(when, key))
    found = db.session.execute(
        statement.order_by(c.issued_at.desc(), c.id.desc()).limit(limit + 1)
    ).all()
    rows = [CredentialRow(*row) for row in found[:limit]]
    return CredentialPage(rows=rows, older=_cursor(rows[-1]) if len(found) > limit else None)


def get_credential(issuer: Issuer, credential_id: str, *, lock: bool = False) -> IssuedCredential:
    """One of the provider's credentials by its id (the UUID, or ``urn:uuid:<UUID>``).

    Another provider's credential is answered exactly like an unknown one.
    """
    key = _uuid(credential_id)
    statement = select(IssuedCredential).where(
        IssuedCredential.issuer_id == issuer.id, IssuedCredential.id == key
    )
    credential = db.session.scalar(statement.with_for_update() if lock else statement)
    if credential is None:
        raise NotFoundError(f"no issued credential with id {credential_id!r}")
    return credential


def _uuid(value: str) -> str | None:
    text = value.removeprefix("urn:uuid:")
    try:
        return str(uuid.UUID(text)) if len(text) >= 32 else None
    except ValueError:
        return None


def revoke(
    issuer: Issuer, credential_id: str, *, reason: str, actor: str, ip: str | None = None
) -> IssuedCredential:
    """Revoke for good: set the revocation bit. 409 if it is revoked already."""
    credential = get_credential(issuer, credential_id, lock=True)
    text = _reason(reason, required=True)
    if credential.revoked_at is not None:
        raise ConflictError(
            f"credential {credential.id} was already revoked on "
            f"{credential.revoked_at.isoformat()}; revocation is final",
            code="already_revoked",
        )
    list_version = _flip(credential, "revocation", True)
    credential.revoked_at = datetime.now(UTC)
    credential.revocation_reason = text
    _audit(issuer, credential, "revoke", actor, ip, reason=text, list_version=list_version)
    events.publish(events.Event("credential.revoked", issuer.id, credential.id, reason=text))
    return credential


def suspend(
    issuer: Issuer,
    credential_id: str,
    *,
    reason: str | None = None,
    actor: str,
    ip: str | None = None,
) -> IssuedCredential:
    """Suspend (reversible): set the suspension bit. 409 if revoked or already suspended."""
    credential = get_credential(issuer, credential_id, lock=True)
    text = _reason(reason, required=False)
    _refuse_if_revoked(credential, "suspended")
    if credential.suspended:
        raise ConflictError(
            f"credential {credential.id} is already suspended", code="already_suspended"
        )
    list_version = _flip(credential, "suspension", True)
    credential.suspended = True
    credential.suspended_at = datetime.now(UTC)
    _audit(issuer, credential, "suspend", actor, ip, reason=text, list_version=list_version)
    events.publish(events.Event("credential.suspended", issuer.id, credential.id, reason=text))
    return credential


def unsuspend(
    issuer: Issuer,
    credential_id: str,
    *,
    actor: str,
    reason: str | None = None,
    ip: str | None = None,
) -> IssuedCredential:
    """Lift a suspension: clear the suspension bit. 409 if revoked or not suspended."""
    credential = get_credential(issuer, credential_id, lock=True)
    text = _reason(reason, required=False)
    _refuse_if_revoked(credential, "unsuspended")
    if not credential.suspended:
        raise ConflictError(f"credential {credential.id} is not suspended", code="not_suspended")
    list_version = _flip(credential, "suspension", False)
    credential.suspended = False
    credential.suspended_at = None
    _audit(issuer, credential, "unsuspend", actor, ip, reason=text, list_version=list_version)
    events.publish(events.Event("credential.reinstated", issuer.id, credential.id, reason=text))
    return credential


def _flip(credential: IssuedCredential, purpose: str, value: bool) -> int:
    found = status_lists.allocation_for(credential.id, purpose)
    if found is None:
        raise ConflictError(
            f"credential {credential.id} has no {purpose} status list entry (it was issued "
            "through the VC API without one), so its status cannot be changed",
            field="credentialStatus",
        )
    allocation, _ = found
    return status_lists.set_status(allocation, value).version


def _refuse_if_revoked(credential: IssuedCredential, verb: str) -> None:
    if credential.revoked_at is not None:
        raise ConflictError(
            f"credential {credential.id} is revoked; a revoked credential cannot be {verb}",
            code="credential_revoked",
        )


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if not text:
        if required:
            raise UnprocessableError("a reason is required", field="reason")
        return None
    if len(text) > MAX_REASON:
        raise UnprocessableError(
            f"the reason must be at most {MAX_REASON} characters", field="reason"
        )
    return text


def _audit(
    issuer: Issuer,
    credential: IssuedCredential,
    verb: str,
    actor: str,
    ip: str | None,
    **details: Any,
) -> None:
    audit.record(
        issuer.id,
        actor=actor,
        ip=ip,
        action=f"credential.{verb}",
        target_type="credential",
        target_id=credential.id,
        **details,
    )


def status_entries(credential: IssuedCredential) -> list[dict[str, Any]]:
    """The credential's status list entries as stored (purpose, list URL, index)."""
    document = _document(credential)
    raw = document.get("credentialStatus")
    entries = raw if isinstance(raw, list) else [raw] if isinstance(raw, Mapping) else []
    return [
        {
            "purpose": e.get("statusPurpose"),
            "list": e.get("statusListCredential"),
            "index": e.get("statusListIndex"),
        }
        for e in entries
        if isinstance(e, Mapping)
    ]


def _document(credential: IssuedCredential) -> Mapping[str, Any]:
    # The issuance service leaves the signed dict on a new credential (no second parse).
    parsed = getattr(credential, "signed_json", None)
    if parsed is None:
        parsed = json.loads(credential.document)
    return parsed if isinstance(parsed, Mapping) else {}


__all__ = [
    "PAGE_SIZE",
    "STATUSES",
    "CredentialPage",
    "CredentialRow",
    "credential_status",
    "credentials_page",
    "credentials_query",
    "get_credential",
    "revoke",
    "status_entries",
    "suspend",
    "unsuspend",
]
