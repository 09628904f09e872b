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
from typing import Any

from sqlalchemy import bindparam, select

from credentials.ob3 import (
    Achievement,
    Alignment,
    Competency,
    GigEvidence,
    Image,
    Profile,
    Recipient,
)
from issuer.models import Assessment, Freelancer, GigProject, Issuer, MicroCertification
from issuer.models import Competency as CompetencyModel
from issuer.services.evidence import EvidenceEvaluation
from microcred.errors import not_found
from microcred.extensions import db


@dataclass(frozen=True, slots=True)
class IssuerRecord:
    """What issuance reads of a provider; survives commits (bulk issues row after row)."""

    id: int
    slug: str
    did: str
    name: str
    url: str | None
    logo_image: str | None

    @classmethod
    def of(cls, issuer: Issuer | IssuerRecord) -> IssuerRecord:
        if isinstance(issuer, IssuerRecord):
            return issuer
        return cls(issuer.id, issuer.slug, issuer.did, issuer.name, issuer.url, issuer.logo_image)


_is = Issuer.__table__.c
_ISSUER = select(_is.id, _is.slug, _is.did, _is.name, _is.url, _is.logo_image).where(
    _is.id == bindparam("issuer_id")
)


def issuer_record(issuer_id: int) -> IssuerRecord:
    """The provider as issuance reads it (one prepared query, no ORM object)."""
    row = db.session.connection().execute(_ISSUER, {"issuer_id": issuer_id}).one_or_none()
    if row is None:
        raise not_found(f"no training provider with id {issuer_id}")
    return IssuerRecord(*row)


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
    min_projects_per_competency: int
    min_competencies: int | None
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


def _connection() -> Any:
    return db.session.connection()


_f = Freelancer.__table__.c
_FREELANCER = (
    select(_f.id, _f.name, _f.email, _f.did, _f.identity_salt)
    .where(_f.id == bindparam("freelancer_id"), _f.issuer_id == bindparam("issuer_id"))
    .with_for_update()
)


def locked_freelancer(issuer: Issuer | IssuerRecord, freelancer_id: str) -> FreelancerRecord:
    """The provider's freelancer, row-locked (PostgreSQL) so that two concurrent issuances
    to one freelancer queue up and the "already holds one" check cannot pass twice."""
    f = Freelancer.__table__.c
    row = (
        _connection()
        .execute(
            select(f.id, f.name, f.email, f.did, f.identity_salt)
            .where(f.id == freelancer_id, f.issuer_id == issuer.id)
            .with_for_update()
        )
        .one_or_none()
    )
    if row is None:
        raise not_found(f"no freelancer with id {freelancer_id!r}")
    return FreelancerRecord(*row)


_CERT_COLUMNS = (
    "id",
    "name",
    "description",
    "criteria_narrative",
    "achievement_type",
    "validity_days",
    "min_projects_per_competency",
    "min_competencies",
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


_cert = MicroCertification.__table__.c
_comp = CompetencyModel.__table__.c
_CERTIFICATION = (
    select(
        *(_cert[name] for name in _CERT_COLUMNS),
        *(_comp[name].label(f"c_{name}") for name in _COMPETENCY_COLUMNS),
    )
    .select_from(
        MicroCertification.__table__.outerjoin(
            CompetencyModel.__table__, _comp.certification_id == _cert.id
        )
    )
    .where(_cert.id == bindparam("certification_id"), _cert.issuer_id == bindparam("issuer_id"))
    .order_by(_comp.position)
)


def load_certification(issuer: Issuer | IssuerRecord, certification_id: str) -> CertificationRecord:
    """The provider's certification with its competencies in order (one query)."""
    rows = (
        _connection()
        .execute(_CERTIFICATION, {"certification_id": certification_id, "issuer_id": issuer.id})
        .all()
    )
    if not rows:
        raise not_found(f"no micro-certification with id {certification_id!r}")
    first = rows[0]
    competencies = tuple(
        CompetencyRecord(*(getattr(row, f"c_{name}") for name in _COMPETENCY_COLUMNS))
        for row in rows
        if row.c_id is not None
    )
    return CertificationRecord(
        **{name: getattr(first, name) for name in _CERT_COLUMNS}, competencies=competencies
    )


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
    )
    .select_from(Assessment.__table__.join(GigProject.__table__, _a.project_id == _p.id))
    .where(
        _p.freelancer_id == bindparam("freelancer_id"),
        _a.outcome == "accepted",
        _a.competency_id.in_(bindparam("competency_ids", expanding=True)),
    )
)


def accepted_work(
    freelancer_id: str, competency_ids: Sequence[str]
) -> tuple[dict[str, list[str]], dict[str, ProjectRecord]]:
    """Competency id → accepted project ids, and those projects (one query)."""
    if not competency_ids:
        return {}, {}
    rows = (
        _connection()
        .execute(
            _ACCEPTED, {"freelancer_id": freelancer_id, "competency_ids": list(competency_ids)}
        )
        .all()
    )
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
    )


def recipient(freelancer: FreelancerRecord) -> Recipient:
    return Recipient(
        name=freelancer.name,
        did=freelancer.did,
        email=freelancer.email,
        salt=freelancer.identity_salt,
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
