"""Micro-certifications and their competencies.

Input comes already parsed by ``issuer.schemas`` (python attribute names, nested
``evidence_rule`` and ``alignment`` mappings); these functions enforce the rules that need
the database: unique slugs per provider, competency ids that belong to the certification,
and no silent loss of assessments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select

from issuer.models import (
    Assessment,
    Competency,
    IssuedCredential,
    Issuer,
    MicroCertification,
)
from issuer.services import audit
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

_SCALAR_FIELDS = (
    "name",
    "description",
    "criteria_narrative",
    "image",
    "achievement_type",
    "validity_days",
    "validity_months",
)
_ALIGNMENT_FIELDS = ("target_name", "target_url", "target_framework", "target_code")


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:63].rstrip("-") or "certification"


def certifications_query(issuer: Issuer) -> Select[tuple[MicroCertification]]:
    return (
        select(MicroCertification)
        .where(MicroCertification.issuer_id == issuer.id)
        .order_by(MicroCertification.created_at, MicroCertification.id)
    )


def all_certifications(issuer: Issuer) -> list[MicroCertification]:
    """Every certification of the provider, oldest first (a provider has tens, not
    thousands: the console lists them on one page)."""
    return list(db.session.scalars(certifications_query(issuer)))


def issued_counts(issuer: Issuer) -> dict[str, int]:
    """Credentials issued per certification of the provider (one query): a count per
    certification, each an index-only read of that certification's entries, rather than
    grouping every credential of the provider (twice as slow at 100,000 credentials)."""
    issued = (
        select(func.count())
        .where(IssuedCredential.certification_id == MicroCertification.id)
        .correlate(MicroCertification)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(MicroCertification.id, issued).where(MicroCertification.issuer_id == issuer.id)
    ).all()
    return {str(certification_id): int(count) for certification_id, count in rows if count}


def issued_count(certification: MicroCertification) -> int:
    """Credentials issued under one certification, every edition (an index-only count)."""
    count = db.session.scalar(
        select(func.count()).where(IssuedCredential.certification_id == certification.id)
    )
    return int(count or 0)


def issued_under_current(certification: MicroCertification) -> int:
    """Credentials issued under the certification's current edition (an edit will make
    the next edition when this is not 0). ``ix_issued_credentials_cert_version`` answers
    it from the index alone."""
    count = db.session.scalar(
        select(func.count()).where(
            IssuedCredential.certification_id == certification.id,
            IssuedCredential.certification_version == certification.version,
        )
    )
    return int(count or 0)


def get_certification(issuer: Issuer, certification_id: str) -> MicroCertification:
    """The provider's certification; another provider's id is answered like an unknown one."""
    certification = db.session.scalar(
        select(MicroCertification).where(
            MicroCertification.id == certification_id,
            MicroCertification.issuer_id == issuer.id,
        )
    )
    if certification is None:
        raise NotFoundError(f"no micro-certification with id {certification_id!r}")
    return certification


def create_certification(
    issuer: Issuer, data: Mapping[str, Any], *, actor: str, ip: str | None = None
) -> MicroCertification:
    slug = data.get("slug") or slugify(data["name"])
    _require_free_slug(issuer, slug)
    certification = MicroCertification(issuer_id=issuer.id, slug=slug)
    _apply_fields(certification, data)
    _apply_rule(certification, data.get("evidence_rule") or {})
    _apply_competencies(certification, data["competencies"])
    _check_expiry(certification)
    db.session.add(certification)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        ip=ip,
        action="certification.create",
        target_type="certification",
        target_id=certification.id,
        slug=slug,
    )
    return certification


def update_certification(
    issuer: Issuer,
    certification_id: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    ip: str | None = None,
) -> MicroCertification:
    certification = get_certification(issuer, certification_id)
    if certification.retired:
        raise ConflictError(
            f"micro-certification {certification.id!r} is retired and cannot be changed",
            code="certification_retired",
        )
    edition = certification.version
    before = _edition_content(certification)
    if "slug" in data and data["slug"] != certification.slug:
        _require_free_slug(issuer, data["slug"])
        certification.slug = data["slug"]
    _apply_fields(certification, _one_expiry_policy(data))
    if "evidence_rule" in data:
        _apply_rule(certification, data["evidence_rule"] or {})
    if "competencies" in data:
        _apply_competencies(certification, data["competencies"])
    _check_rule_fits(certification)
    _check_expiry(certification)
    if _edition_content(certification) != before and issued_under_current(certification):
        # The credentials already out state this edition's content, signed; the next ones
        # state the new content under the next edition, with the same achievement id. A
        # form saved unchanged, or a new slug or artwork alone, changes no credential.
        certification.version += 1
    certification.updated_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        issuer.id,
        actor=actor,
        ip=ip,
        action="certification.update",
        target_type="certification",
        target_id=certification.id,
        fields=sorted(data),
        version=certification.version,
        **({"previous_version": edition} if edition != certification.version else {}),
    )
    return certification


def retire_certification(
    issuer: Issuer, certification_id: str, *, actor: str, ip: str | None = None
) -> MicroCertification:
    """Retired certifications stay readable (issued credentials name them) but issue no more."""
    certification = get_certification(issuer, certification_id)
    if certification.retired_at is None:
        certification.retired_at = datetime.now(UTC)
        audit.record(
            issuer.id,
            actor=actor,
            ip=ip,
            action="certification.retire",
            target_type="certification",
            target_id=certification.id,
        )
    return certification


# --- helpers ------------------------------------------------------------------------------


def _require_free_slug(issuer: Issuer, slug: str) -> None:
    taken = db.session.scalar(
        select(MicroCertification.id).where(
            MicroCertification.issuer_id == issuer.id, MicroCertification.slug == slug
        )
    )
    if taken is not None:
        raise ConflictError(
            f"a micro-certification with slug {slug!r} already exists ({taken})",
            field="slug",
            code="duplicate_slug",
        )


def _edition_content(certification: MicroCertification) -> tuple[Any, ...]:
    """What an edition stands for: the achievement a credential signs (the artwork is
    named by its URL, not its bytes, so it is left out) and the terms it was issued under
    (evidence rule, expiry policy)."""
    return (
        certification.name,
        certification.description,
        certification.criteria_narrative,
        certification.achievement_type,
        certification.validity_days,
        certification.validity_months,
        certification.min_projects_per_competency,
        certification.min_competencies,
        certification.min_client_rating,
        tuple(
            (c.name, c.description, *(getattr(c, field) for field in _ALIGNMENT_FIELDS))
            for c in certification.competencies
        ),
    )


def _one_expiry_policy(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """An edit that sets one expiry policy replaces the other, so that moving from days to
    months is one field, not two (giving both with values is still refused)."""
    for given, other in (
        ("validity_months", "validity_days"),
        ("validity_days", "validity_months"),
    ):
        if data.get(given) and other not in data:
            return {**data, other: None}
    return data


def _apply_fields(certification: MicroCertification, data: Mapping[str, Any]) -> None:
    for field in _SCALAR_FIELDS:
        if field in data:
            setattr(certification, field, data[field])


def _apply_rule(certification: MicroCertification, rule: Mapping[str, Any]) -> None:
    certification.min_projects_per_competency = rule.get("min_projects_per_competency") or 1
    certification.min_competencies = rule.get("min_competencies")
    certification.min_client_rating = rule.get("min_client_rating")


def _check_expiry(certification: MicroCertification) -> None:
    # Two policies at once would leave the credential's expiry ambiguous.
    if certification.validity_days and certification.validity_months:
        raise UnprocessableError(
            "give the expiry in days or in months, not both",
            field="validityMonths",
        )


def _check_rule_fits(certification: MicroCertification) -> None:
    wanted = certification.min_competencies
    if wanted is not None and wanted > len(certification.competencies):
        raise UnprocessableError(
            f"the evidence rule asks for {wanted} competencies but the certification has "
            f"only {len(certification.competencies)}",
            field="evidenceRule.minCompetencies",
        )


def _apply_competencies(
    certification: MicroCertification, items: Sequence[Mapping[str, Any]]
) -> None:
    """Replace the competency list; items with an ``id`` update that competency in place."""
    existing = {c.id: c for c in certification.competencies}
    names: set[str] = set()
    kept: list[Competency] = []
    for position, item in enumerate(items):
        label = f"competencies[{position}]"
        name_key = item["name"].strip().casefold()
        if name_key in names:
            raise UnprocessableError(f"two competencies are named {item['name']!r}", field=label)
        names.add(name_key)
        competency = _competency_for(item, existing, kept, label)
        competency.position = position
        competency.name = item["name"]
        competency.description = item.get("description")
        alignment = item.get("alignment") or {}
        for field in _ALIGNMENT_FIELDS:
            setattr(competency, field, alignment.get(field))
        kept.append(competency)
    removed = [c for cid, c in existing.items() if all(k.id != cid for k in kept)]
    _refuse_losing_assessments(removed)
    certification.competencies = kept
    _check_rule_fits(certification)


def _competency_for(
    item: Mapping[str, Any],
    existing: Mapping[str, Competency],
    kept: Sequence[Competency],
    label: str,
) -> Competency:
    competency_id = item.get("id")
    if competency_id is None:
        return Competency()
    competency = existing.get(competency_id)
    if competency is None:
        raise UnprocessableError(
            f"{competency_id!r} is not a competency of this micro-certification; omit the id "
            "to add a new competency",
            field=f"{label}.id",
        )
    if any(k is competency for k in kept):
        raise UnprocessableError(
            f"competency {competency_id!r} is listed twice", field=f"{label}.id"
        )
    return competency


def _refuse_losing_assessments(removed: Sequence[Competency]) -> None:
    ids = [c.id for c in removed if c.id is not None]
    if not ids:
        return
    assessed = db.session.execute(
        select(Assessment.competency_id, func.count())
        .where(Assessment.competency_id.in_(ids))
        .group_by(Assessment.competency_id)
    ).all()
    if assessed:
        names = ", ".join(repr(next(c.name for c in removed if c.id == cid)) for cid, _ in assessed)
        raise ConflictError(
            f"cannot remove competencies that gig projects were assessed against ({names}); "
            "keep them (send their ids) or retire the certification and create a new one",
            field="competencies",
            code="competency_has_assessments",
        )
