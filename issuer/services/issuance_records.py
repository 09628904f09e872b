"""What an issuance reads, as plain records, and the credential parts built from them.

The issuance path reads with Core statements into frozen records rather than ORM objects:
an issuance reads a handful of rows once and never changes them, and the ORM's identity
map and attribute instrumentation cost more than the queries (SQLite answers them in
tens of microseconds). The statements are built once, with bound parameters: building
and compiling a ``select()`` per call costs about 0.25 ms, executing a prepared one 0.04.
``CertificationRecord`` has the attributes ``issuer.services.evidence.evaluate`` reads, so
the evidence rule keeps one definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, and_, bindparam, or_, select

from credentials.ob3 import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Image,
    Profile,
    Recipient,
)
from issuer.models import (
    Assessment,
    Freelancer,
    GigProject,
    IssuedCredential,
    Issuer,
    MicroCertification,
    SigningKey,
)
from issuer.models import Competency as CompetencyModel
from issuer.services.evidence import EvidenceEvaluation
from microcred.platform.db import UtcDateTime
from microcred.platform.refusals import NotFoundError


@dataclass(frozen=True, slots=True)
class IssuerRecord:
    """What issuance reads of a provider; survives commits (bulk issues row after row)."""

    id: int
    slug: str
    did: str
    name: str
    url: str | None
    logo_image: str | None
    # --- fl-privacy: recipient e-mail in credentials ---
    #: "hashed" (the default) or "plain": how credentials name the recipient's e-mail.
    recipient_email: str = "hashed"
    # --- end fl-privacy ---

    @classmethod
    def of(cls, issuer: Issuer | IssuerRecord) -> IssuerRecord:
        if isinstance(issuer, IssuerRecord):
            return issuer
        return cls(
            issuer.id,
            issuer.slug,
            issuer.did,
            issuer.name,
            issuer.url,
            issuer.logo_image,
            issuer.recipient_email or "hashed",
        )


@dataclass(frozen=True, slots=True)
class FreelancerRecord:
    id: str
    name: str
    email: str
    did: str | None
    identity_salt: str


@dataclass(frozen=True, slots=True)
class CompetencyRecord:
    id: str
    name: str
    description: str | None
    target_name: str | None
    target_url: str | None
    target_framework: str | None
    target_code: str | None


@dataclass(frozen=True, slots=True)
class CertificationRecord:
    id: str
    name: str
    description: str
    criteria_narrative: str
    achievement_type: str
    validity_days: int | None
    validity_months: int | None
    min_projects_per_competency: int
    min_competencies: int | None
    min_client_rating: Decimal | None
    version: int
    retired_at: datetime | None
    competencies: tuple[CompetencyRecord, ...]

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def required_competencies(self) -> int:
        total = len(self.competencies)
        return total if self.min_competencies is None else min(self.min_competencies, total)


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    id: str
    platform: str
    title: str
    url: str | None
    client_name: str | None
    started_on: date | None
    finished_on: date | None
    deliverables: str | None
    client_rating: Decimal | None
    client_feedback: str | None
    created_at: datetime
    # --- fl-evidence: the client confirmed the project by their link ---
    client_confirmed_at: datetime | None = None
    # --- end fl-evidence ---


_f = Freelancer.__table__.c
_FREELANCER_UNLOCKED = select(_f.id, _f.name, _f.email, _f.did, _f.identity_salt).where(
    _f.id == bindparam("freelancer_id"), _f.issuer_id == bindparam("issuer_id")
)
_FREELANCER = _FREELANCER_UNLOCKED.with_for_update()


def locked_freelancer(
    connection: Connection, issuer: Issuer | IssuerRecord, freelancer_id: str, *, lock: bool = True
) -> FreelancerRecord:
    """The provider's freelancer, row-locked (PostgreSQL) so that two concurrent issuances
    to one freelancer queue up and the "already holds one" check cannot pass twice
    (``lock=False``: a read-only preview, which decides nothing)."""
    row = connection.execute(
        _FREELANCER if lock else _FREELANCER_UNLOCKED,
        {"freelancer_id": freelancer_id, "issuer_id": issuer.id},
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no freelancer with id {freelancer_id!r}")
    return FreelancerRecord(*row)


_CERT_COLUMNS = (
    "id",
    "name",
    "description",
    "criteria_narrative",
    "achievement_type",
    "validity_days",
    "validity_months",
    "min_projects_per_competency",
    "min_competencies",
    "min_client_rating",
    "version",
    "retired_at",
)
_COMPETENCY_COLUMNS = (
    "id",
    "name",
    "description",
    "target_name",
    "target_url",
    "target_framework",
    "target_code",
)


@dataclass(frozen=True, slots=True)
class ActiveKeyRecord:
    """The provider's active signing key as the issuance statement read it."""

    id: int
    fragment: str
    public_key_multibase: str


@dataclass(frozen=True, slots=True)
class IssuanceContext:
    """What the issuance reads after locking the freelancer, in one statement."""

    certification: CertificationRecord
    #: The freelancer's valid (unrevoked, unexpired) credential for it, if any.
    held_id: str | None
    #: None when the provider has no active key (the issuance is then refused).
    active_key: ActiveKeyRecord | None


_cert = MicroCertification.__table__.c
_comp = CompetencyModel.__table__.c
_key = SigningKey.__table__.c
_held = IssuedCredential.__table__.c
#: A scalar subquery, not a join: it is evaluated by this statement, which runs after the
#: freelancer's row lock is granted, so (on PostgreSQL, READ COMMITTED) it sees a
#: credential that a concurrent issuance to the same freelancer committed meanwhile.
HELD = (
    select(_held.id)
    .where(
        _held.freelancer_id == bindparam("freelancer_id"),
        _held.certification_id == bindparam("certification_id"),
        _held.revoked_at.is_(None),
        or_(_held.valid_until.is_(None), _held.valid_until > bindparam("now", type_=UtcDateTime())),
    )
    .order_by(_held.issued_at.desc())
    .limit(1)
)
_CERTIFICATION = (
    select(
        *(_cert[name] for name in _CERT_COLUMNS),
        *(_comp[name].label(f"c_{name}") for name in _COMPETENCY_COLUMNS),
        HELD.scalar_subquery().label("held_id"),
        _key.id.label("key_id"),
        _key.fragment.label("key_fragment"),
        _key.public_key_multibase.label("key_multibase"),
    )
    .select_from(
        MicroCertification.__table__.outerjoin(
            CompetencyModel.__table__, _comp.certification_id == _cert.id
        ).outerjoin(
            # At most one row: a partial unique index allows one active key per provider.
            SigningKey.__table__,
            and_(_key.issuer_id == _cert.issuer_id, _key.is_active, _key.revoked_at.is_(None)),
        )
    )
    .where(_cert.id == bindparam("certification_id"), _cert.issuer_id == bindparam("issuer_id"))
    .order_by(_comp.position)
)


def issuance_context(
    connection: Connection,
    issuer: Issuer | IssuerRecord,
    certification_id: str,
    *,
    freelancer_id: str,
    now: datetime,
) -> IssuanceContext:
    """The certification with its competencies in order, the credential the freelancer
    already holds for it, and the provider's active key (one query: each round trip
    through SQLAlchemy costs about 50 µs, a sixtieth of an issuance)."""
    rows = connection.execute(
        _CERTIFICATION,
        {
            "certification_id": certification_id,
            "issuer_id": issuer.id,
            "freelancer_id": freelancer_id,
            "now": now,
        },
    ).all()
    if not rows:
        raise NotFoundError(f"no micro-certification with id {certification_id!r}")
    first = rows[0]
    competencies = tuple(
        CompetencyRecord(*(getattr(row, f"c_{name}") for name in _COMPETENCY_COLUMNS))
        for row in rows
        if row.c_id is not None
    )
    certification = CertificationRecord(
        **{name: getattr(first, name) for name in _CERT_COLUMNS}, competencies=competencies
    )
    key = (
        ActiveKeyRecord(first.key_id, first.key_fragment, first.key_multibase)
        if first.key_id is not None
        else None
    )
    return IssuanceContext(certification, first.held_id, key)


_a, _p = Assessment.__table__.c, GigProject.__table__.c
_ACCEPTED = (
    select(
        _a.competency_id,
        _p.id,
        _p.platform,
        _p.title,
        _p.url,
        _p.client_name,
        _p.started_on,
        _p.finished_on,
        _p.deliverables,
        _p.client_rating,
        _p.client_feedback,
        _p.created_at,
        _p.client_confirmed_at,  # fl-evidence
    )
    .select_from(Assessment.__table__.join(GigProject.__table__, _a.project_id == _p.id))
    .where(
        _p.freelancer_id == bindparam("freelancer_id"),
        _a.outcome == "accepted",
        _a.competency_id.in_(bindparam("competency_ids", expanding=True)),
    )
)


def accepted_work(
    connection: Connection, freelancer_id: str, competency_ids: Sequence[str]
) -> tuple[dict[str, list[str]], dict[str, ProjectRecord]]:
    """Competency id → accepted project ids, and those projects (one query)."""
    if not competency_ids:
        return {}, {}
    rows = connection.execute(
        _ACCEPTED, {"freelancer_id": freelancer_id, "competency_ids": list(competency_ids)}
    ).all()
    accepted: dict[str, list[str]] = {}
    projects: dict[str, ProjectRecord] = {}
    for competency_id, *project in rows:
        record = ProjectRecord(*project)
        accepted.setdefault(competency_id, []).append(record.id)
        projects[record.id] = record
    return accepted, projects


# --- credential parts ------------------------------------------------------------------------


def profile(issuer: Issuer | IssuerRecord) -> Profile:
    return Profile(
        id=issuer.did,
        name=issuer.name,
        url=issuer.url,
        image=Image(id=issuer.logo_image) if issuer.logo_image else None,
    )


def achievement(certification: CertificationRecord, achievement_id: str) -> Achievement:
    return Achievement(
        id=achievement_id,
        name=certification.name,
        description=certification.description,
        criteria_narrative=certification.criteria_narrative,
        achievement_type=certification.achievement_type,
        image=Image(id=f"{achievement_id}/image.png", caption=certification.name),
        competencies=[_competency(c) for c in certification.competencies],
        # Edition 1 states no version, so credentials read the same as before versions
        # existed; from the first edit after issuing on, the edition is named.
        version=str(certification.version) if certification.version > 1 else None,
    )


def recipient(freelancer: FreelancerRecord, *, email_hashed: bool = True) -> Recipient:
    return Recipient(
        name=freelancer.name,
        did=freelancer.did,
        email=freelancer.email,
        salt=freelancer.identity_salt,
        email_hashed=email_hashed,
    )


def _competency(competency: CompetencyRecord) -> Competency:
    alignments: tuple[Alignment, ...] = ()
    if competency.target_name and competency.target_url:
        alignments = (
            Alignment(
                target_name=competency.target_name,
                target_url=competency.target_url,
                target_framework=competency.target_framework,
                target_code=competency.target_code,
            ),
        )
    return Competency(
        name=competency.name, description=competency.description, alignments=alignments
    )


def backing_projects(
    evaluation: EvidenceEvaluation, projects: dict[str, ProjectRecord]
) -> list[ProjectRecord]:
    """Projects accepted for a met competency, oldest work first (reads as a history)."""
    found = [projects[i] for i in evaluation.backing_project_ids if i in projects]
    return sorted(found, key=lambda p: (p.started_on or p.created_at.date(), p.created_at, p.id))


def evidence_summary(project: ProjectRecord | GigProject) -> str:
    """The one-line description of a gig project: platform · client · dates · rating."""
    parts = [project.platform]
    if project.client_name:
        parts.append(project.client_name)
    dates = [d.isoformat() for d in (project.started_on, project.finished_on) if d is not None]
    if dates:
        parts.append(" – ".join(dates))
    if project.client_rating is not None:
        parts.append(f"client rating {project.client_rating:.1f}/5")
    # --- fl-evidence: said where the summary is shown (the verify and share pages) ---
    if project.client_confirmed_at is not None:
        parts.append("confirmed by the client")
    # --- end fl-evidence ---
    return " · ".join(parts)


def evidence(
    evaluation: EvidenceEvaluation, projects: Sequence[ProjectRecord]
) -> tuple[list[str], list[GigEvidence]]:
    """(demonstrated competency names, one evidence entry per backing project)."""
    met = [c for c in evaluation.competencies if c.met]
    entries = []
    for project in projects:
        details = []
        if project.deliverables:
            details.append(f"Deliverables: {project.deliverables}")
        if project.client_feedback:
            details.append(f"Client feedback: “{project.client_feedback}”")
        # --- fl-evidence: the client's own confirmation, dated, in the narrative ---
        if project.client_confirmed_at is not None:
            details.append(
                "Confirmed by the client on "
                f"{project.client_confirmed_at.date().isoformat()} through a single-use link "
                "sent to the client contact the freelancer gave."
            )
        # --- end fl-evidence ---
        entries.append(
            GigEvidence(
                name=project.title,
                description=evidence_summary(project),
                competencies=[c.name for c in met if project.id in c.accepted_project_ids],
                url=project.url,
                details="\n\n".join(details) or None,
            )
        )
    return [c.name for c in met], entries
