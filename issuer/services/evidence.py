"""The evidence rule: does a freelancer's assessed gig work meet a micro-certification?

``evaluate`` is a pure function of the certification and the accepted assessments, so
issuance, the progress endpoint and tests share one definition. Rule: a competency is met
when at least ``min_projects_per_competency`` distinct projects were assessed *accepted*
for it; the certification is met when ``required_competencies`` competencies are met (all
of them unless the rule says otherwise). With a ``min_client_rating``, only projects whose
client rated them at least that count (``rated_enough``): an unrated project proves no
rating, so it does not count either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select

from issuer.models import Assessment, Freelancer, GigProject, Issuer, MicroCertification
from issuer.services.certifications import get_certification
from issuer.services.freelancers import get_freelancer
from microcred.platform.extensions import db


@dataclass(frozen=True, slots=True)
class CompetencyProgress:
    competency_id: str
    name: str
    accepted_project_ids: tuple[str, ...]
    required: int
    min_client_rating: Decimal | None = None

    @property
    def accepted(self) -> int:
        return len(self.accepted_project_ids)

    @property
    def met(self) -> bool:
        return self.accepted >= self.required

    @property
    def shortfall(self) -> str:
        """What this competency still needs, as one sentence (for an unmet competency)."""
        short = self.required - self.accepted
        rated = (
            f" rated at least {self.min_client_rating:.1f}/5 by the client"
            if self.min_client_rating is not None
            else ""
        )
        return (
            f"{self.name}: {short} more accepted gig project{'s' if short > 1 else ''}{rated} "
            f"needed (has {self.accepted} of {self.required})"
        )


@dataclass(frozen=True, slots=True)
class EvidenceEvaluation:
    certification_id: str
    freelancer_id: str
    min_projects_per_competency: int
    required_competencies: int
    competencies: tuple[CompetencyProgress, ...]

    @property
    def competencies_met(self) -> int:
        return sum(1 for c in self.competencies if c.met)

    @property
    def met(self) -> bool:
        return bool(self.competencies) and self.competencies_met >= self.required_competencies

    @property
    def missing(self) -> tuple[str, ...]:
        """Human sentences saying what is still needed (empty when the rule is met)."""
        if not self.competencies:
            return ("the micro-certification has no competencies",)
        if self.met:
            return ()
        lacking = [c.shortfall for c in self.competencies if not c.met]
        if self.required_competencies < len(self.competencies):
            short = self.required_competencies - self.competencies_met
            lacking.insert(
                0,
                f"{short} more competenc{'ies' if short > 1 else 'y'} must be met "
                f"({self.competencies_met} of {self.required_competencies} required)",
            )
        return tuple(lacking)

    @property
    def projects_needed(self) -> int:
        """The fewest more accepted gig projects that could meet the rule: one project may
        be accepted for several competencies, so it is the largest shortfall among the
        competencies that are cheapest to meet (0 when the rule is met)."""
        if self.met or not self.competencies:
            return 0
        gaps = sorted(c.required - c.accepted for c in self.competencies if not c.met)
        short = self.required_competencies - self.competencies_met
        return gaps[: max(short, 1)][-1]

    def summary(self, certification_name: str) -> str:
        """One sentence: "2 of 3 competencies demonstrated, 1 more accepted project needed
        for <name>" (or that the rule is met)."""
        if not self.competencies:
            return f"{certification_name} has no competencies yet."
        required = self.required_competencies
        met = min(self.competencies_met, required)
        head = f"{met} of {required} competenc{'y' if required == 1 else 'ies'} demonstrated"
        if self.met:
            return f"{head}: the evidence rule of {certification_name} is met."
        more = self.projects_needed
        return (
            f"{head}, {more} more accepted project{'s' if more != 1 else ''} needed "
            f"for {certification_name}"
        )

    @property
    def backing_project_ids(self) -> tuple[str, ...]:
        """Projects accepted for at least one met competency: the credential's evidence."""
        ids = {p for c in self.competencies if c.met for p in c.accepted_project_ids}
        return tuple(sorted(ids))


class _Rated(Protocol):
    @property
    def client_rating(self) -> Decimal | None: ...


def rated_enough(rating: Decimal | None, minimum: Decimal | None) -> bool:
    """Whether a project's client rating satisfies the rule's minimum (None: no minimum)."""
    return minimum is None or (rating is not None and rating >= minimum)


def counting(
    accepted: Mapping[str, Sequence[str]],
    projects: Mapping[str, _Rated],
    minimum: Decimal | None,
) -> dict[str, list[str]]:
    """``accepted`` without the projects whose client rating is below ``minimum``."""
    return {
        competency_id: [p for p in project_ids if rated_enough(projects[p].client_rating, minimum)]
        for competency_id, project_ids in accepted.items()
    }


def evaluate(
    certification: MicroCertification,
    freelancer_id: str,
    accepted: Mapping[str, Sequence[str]],
) -> EvidenceEvaluation:
    """Evaluate the rule given ``accepted``: competency id → accepted project ids that count
    (rated enough: see ``counting``)."""
    required = certification.min_projects_per_competency
    minimum = certification.min_client_rating
    progress = tuple(
        CompetencyProgress(
            competency_id=c.id,
            name=c.name,
            accepted_project_ids=tuple(sorted(set(accepted.get(c.id, ())))),
            required=required,
            min_client_rating=minimum,
        )
        for c in certification.competencies
    )
    return EvidenceEvaluation(
        certification_id=certification.id,
        freelancer_id=freelancer_id,
        min_projects_per_competency=required,
        required_competencies=certification.required_competencies,
        competencies=progress,
    )


def accepted_projects(
    freelancer: Freelancer, certification: MicroCertification
) -> dict[str, list[str]]:
    rows = db.session.execute(
        select(Assessment.competency_id, GigProject.id)
        .join(GigProject, Assessment.project_id == GigProject.id)
        .where(
            GigProject.freelancer_id == freelancer.id,
            Assessment.outcome == "accepted",
            Assessment.competency_id.in_([c.id for c in certification.competencies]),
            *(
                [GigProject.client_rating >= certification.min_client_rating]
                if certification.min_client_rating is not None
                else []
            ),
        )
    ).all()
    by_competency: dict[str, list[str]] = defaultdict(list)
    for competency_id, project_id in rows:
        by_competency[competency_id].append(project_id)
    return by_competency


def progress(issuer: Issuer, freelancer_id: str, certification_id: str) -> EvidenceEvaluation:
    freelancer = get_freelancer(issuer, freelancer_id)
    certification = get_certification(issuer, certification_id)
    return evaluate(certification, freelancer.id, accepted_projects(freelancer, certification))
