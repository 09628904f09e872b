"""Gig projects (evidence) and the provider's per-competency assessments of them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Select, select

from issuer.models import (
    Assessment,
    Competency,
    CredentialEvidence,
    Freelancer,
    GigProject,
    Issuer,
    MicroCertification,
)
from issuer.models.evidence import PLATFORMS
from issuer.services import audit
from issuer.services.freelancers import get_freelancer
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

_FIELDS = (
    "platform",
    "title",
    "url",
    "client_name",
    "started_on",
    "finished_on",
    "deliverables",
    "client_rating",
    "client_feedback",
)


#: What an IRI may not hold (RFC 3987): a credential carries the project's URL as an IRI.
NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')


def field_problems(data: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with a gig project's fields, by field name (empty: nothing): the
    checks that need no database, for the console's form (the API's schema states the
    same rules)."""
    problems: dict[str, str] = {}
    if "platform" in data and data["platform"] not in PLATFORMS:
        problems["platform"] = f"Choose one of: {', '.join(PLATFORMS)}."
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            problems["title"] = "A title is needed."
        elif len(title) > 200:
            problems["title"] = "At most 200 characters."
    url_problem = _url_problem(data.get("url"))
    if url_problem:
        problems["url"] = url_problem
    if len(data.get("client_name") or "") > 200:
        problems["client_name"] = "At most 200 characters."
    for name in ("deliverables", "client_feedback"):
        if len(data.get(name) or "") > 10_000:
            problems[name] = "At most 10,000 characters."
    rating = data.get("client_rating")
    if rating is not None and not (
        Decimal(rating).is_finite() and 0 <= rating <= 5 and rating == round(rating, 1)
    ):
        problems["client_rating"] = "A rating from 0 to 5, with at most one decimal."
    started, finished = data.get("started_on"), data.get("finished_on")
    if started and finished and finished < started:
        problems["finished_on"] = "Must not be before the start."
    return problems


def _url_problem(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if len(url) > 500:
        return "At most 500 characters."
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "An http(s) address, such as https://www.upwork.com/jobs/…"
    found = NOT_IN_IRI.search(url)
    if found is not None:
        return f"{found.group()!r} is not allowed in an address; percent-encode it."
    return None


def projects_query(freelancer: Freelancer) -> Select[tuple[GigProject]]:
    return (
        select(GigProject)
        .where(GigProject.freelancer_id == freelancer.id)
        .order_by(GigProject.created_at, GigProject.id)
    )


def get_project(issuer: Issuer, project_id: str) -> GigProject:
    project = db.session.scalar(
        select(GigProject).where(GigProject.id == project_id, GigProject.issuer_id == issuer.id)
    )
    if project is None:
        raise NotFoundError(f"no gig project with id {project_id!r}")
    return project


def create_project(
    issuer: Issuer,
    freelancer_id: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    ip: str | None = None,
) -> GigProject:
    freelancer = get_freelancer(issuer, freelancer_id)
    project = GigProject(issuer_id=issuer.id, freelancer=freelancer)
    _apply(project, data)
    db.session.add(project)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="project.create",
        target_type="project",
        target_id=project.id,
        ip=ip,
        freelancer=freelancer.id,
    )
    return project


def update_project(
    issuer: Issuer, project_id: str, data: Mapping[str, Any], *, actor: str, ip: str | None = None
) -> GigProject:
    project = get_project(issuer, project_id)
    # --- fl-evidence: the client confirmed these facts, not edited ones ---
    before = {field: getattr(project, field) for field in _FIELDS}
    # --- end fl-evidence ---
    _apply(project, data)
    # --- fl-evidence ---
    if project.client_confirmed_at is not None and any(
        getattr(project, field) != value for field, value in before.items()
    ):
        project.client_confirmed_at = None
    # --- end fl-evidence ---
    project.updated_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        action="project.update",
        target_type="project",
        target_id=project.id,
        ip=ip,
        fields=sorted(data),
    )
    return project


def delete_project(issuer: Issuer, project_id: str, *, actor: str, ip: str | None = None) -> None:
    project = get_project(issuer, project_id)
    backing = db.session.scalar(
        select(CredentialEvidence.credential_id).where(CredentialEvidence.project_id == project.id)
    )
    if backing is not None:
        raise ConflictError(
            f"gig project {project.id!r} is evidence for an issued credential and cannot be "
            "deleted; credentials keep their evidence",
            code="project_backs_credential",
        )
    db.session.delete(project)
    audit.record(
        issuer.id,
        actor=actor,
        action="project.delete",
        target_type="project",
        target_id=project_id,
        ip=ip,
    )


def _apply(project: GigProject, data: Mapping[str, Any]) -> None:
    for field in _FIELDS:
        if field in data:
            setattr(project, field, data[field])
    if project.started_on and project.finished_on and project.finished_on < project.started_on:
        raise UnprocessableError(
            f"finishedOn ({project.finished_on}) is before startedOn ({project.started_on})",
            field="finishedOn",
        )


# --- assessments --------------------------------------------------------------------------


def set_assessments(
    issuer: Issuer,
    project_id: str,
    items: Sequence[Mapping[str, Any]],
    *,
    reviewer: str,
    actor: str,
    ip: str | None = None,
) -> GigProject:
    """Replace the project's assessments with ``items`` (one per competency).

    Competencies must belong to one of this provider's certifications; an assessment whose
    outcome, note and reviewer are unchanged keeps its original ``assessed_at``.
    """
    project = get_project(issuer, project_id)
    wanted = [item["competency_id"] for item in items]
    _check_competencies(issuer, wanted)
    current = {a.competency_id: a for a in project.assessments}
    now = datetime.now(UTC)
    kept: list[Assessment] = []
    changed = len(items) != len(current)
    for item in items:
        assessment = current.get(item["competency_id"]) or Assessment(
            competency_id=item["competency_id"]
        )
        fields = {
            "outcome": item["outcome"],
            "note": item.get("note"),
            "reviewer": item.get("reviewer") or reviewer,
        }
        if any(getattr(assessment, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(assessment, key, value)
            assessment.assessed_at = now
            changed = True
        kept.append(assessment)
    project.assessments = kept
    db.session.flush()
    if not changed:
        return project
    audit.record(
        issuer.id,
        actor=actor,
        action="project.assess",
        target_type="project",
        target_id=project.id,
        ip=ip,
        outcomes={item["competency_id"]: item["outcome"] for item in items},
    )
    return project


def _check_competencies(issuer: Issuer, competency_ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for position, competency_id in enumerate(competency_ids):
        if competency_id in seen:
            raise UnprocessableError(
                f"competency {competency_id!r} is assessed twice",
                field=f"[{position}].competencyId",
            )
        seen.add(competency_id)
    known = set(
        db.session.scalars(
            select(Competency.id)
            .join(MicroCertification)
            .where(
                MicroCertification.issuer_id == issuer.id,
                Competency.id.in_(list(seen)),
            )
        )
    )
    for position, competency_id in enumerate(competency_ids):
        if competency_id not in known:
            raise UnprocessableError(
                f"{competency_id!r} is not a competency of any of your micro-certifications",
                field=f"[{position}].competencyId",
            )
