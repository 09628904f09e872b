"""Self-submitted evidence (issue 14, item 4): a freelancer puts a gig project to one of
their providers from /account; the provider assesses it in the console as any project;
the client, when the freelancer named one, confirms (with a rating) or declines it by a
single-use link.

Who may submit where: a provider's ``Freelancer`` row with the account's (verified)
e-mail address is the only door; a provider the address is no freelancer of, or a
competency of another provider, is refused as unknown (404), nothing written.

A submission is a ``GigProject`` with ``source="freelancer"`` and one
``SubmittedCompetency`` per claimed competency: pending while the project has no
``Assessment`` for it. Assessments stay the provider's (``projects.set_assessments``), so
the evidence rule counts a submitted project exactly when the provider accepted it.

The client link is a random 256-bit token of which only the SHA-256 is stored; it names
one project, works once and only before it expires. Services speak no HTTP.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from credentials.errors import InvalidInputError
from issuer.models import (
    Assessment,
    ClientConfirmation,
    Competency,
    Freelancer,
    GigProject,
    Issuer,
    MicroCertification,
    RecipientAccount,
    SubmittedCompetency,
)
from issuer.services import audit, events
from issuer.services.projects import field_problems
from issuer.services.recipients import LinkGoneError
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from microcred.platform.refusals import NotFoundError, UnprocessableError

__all__ = [
    "CLIENT_LINK_LIFETIME",
    "Choice",
    "ClientView",
    "Submission",
    "choices",
    "client_view",
    "confirm",
    "decline",
    "pending_for",
    "review_state",
    "submissions",
    "submit",
]

CLIENT_LINK_LIFETIME: Final = timedelta(days=14)
TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{43}")
EMAIL_SHAPE: Final = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
COMMENT_MAX: Final = 2000
_UNKNOWN_LINK: Final = "this link is not known: check that it was copied whole from the e-mail"


@dataclass(frozen=True, slots=True)
class Choice:
    """A provider the account may submit to, and its certifications' competencies."""

    freelancer: Freelancer
    provider: str
    certifications: tuple[tuple[MicroCertification, tuple[Competency, ...]], ...]


@dataclass(frozen=True, slots=True)
class Submission:
    """One submitted project as its freelancer sees it."""

    project: GigProject
    provider: str
    #: (competency name, "pending" / "accepted" / "rejected", the provider's note)
    competencies: tuple[tuple[str, str, str | None], ...]
    #: None (no client asked), "asked", "confirmed" or "declined".
    client: str | None

    @property
    def state(self) -> str:
        return review_state(state for _, state, _ in self.competencies)


def review_state(states: Iterable[str]) -> str:
    """A submission's state from its claimed competencies' ("pending", "accepted",
    "rejected"): pending while any is (or none is claimed), else accepted when one was
    accepted, else rejected. The account page and the webhooks say the same."""
    found = set(states)
    if "pending" in found or not found:
        return "pending"
    return "accepted" if "accepted" in found else "rejected"


@dataclass(frozen=True, slots=True)
class ClientView:
    """What the client's page shows before they answer."""

    title: str
    freelancer: str
    provider: str
    client_name: str | None
    url: str | None
    started_on: date | None
    finished_on: date | None
    deliverables: str | None
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the freelancer's side ---


def _own_freelancers(account: RecipientAccount) -> list[Freelancer]:
    return list(
        db.session.scalars(
            select(Freelancer)
            .where(Freelancer.email == account.email)
            .order_by(Freelancer.created_at, Freelancer.id)
        )
    )


def _provider_name(issuer_id: int) -> str:
    return str(db.session.scalar(select(Issuer.name).where(Issuer.id == issuer_id)) or "")


def choices(account: RecipientAccount) -> list[Choice]:
    """Every provider the account's address is a freelancer of, with the competencies of
    its current (not archived) certifications."""
    found = []
    for freelancer in _own_freelancers(account):
        certifications = db.session.scalars(
            select(MicroCertification)
            .where(
                MicroCertification.issuer_id == freelancer.issuer_id,
                MicroCertification.retired_at.is_(None),
            )
            .options(selectinload(MicroCertification.competencies))
            .order_by(MicroCertification.name, MicroCertification.id)
        ).all()
        found.append(
            Choice(
                freelancer=freelancer,
                provider=_provider_name(freelancer.issuer_id),
                certifications=tuple(
                    (c, tuple(c.competencies)) for c in certifications if c.competencies
                ),
            )
        )
    return found


def submit(
    account: RecipientAccount,
    freelancer_id: str,
    data: Mapping[str, Any],
    competency_ids: Sequence[str],
) -> tuple[GigProject, str | None]:
    """Record a submitted project with pending competencies and publish
    ``evidence.submitted``; (project, client token or None). The caller commits, then
    mails the client."""
    freelancer = db.session.scalar(
        select(Freelancer).where(Freelancer.id == freelancer_id, Freelancer.email == account.email)
    )
    if freelancer is None:
        raise NotFoundError(
            "you are not a freelancer of this provider: choose one of the providers listed",
            field="provider",
        )
    problems = field_problems(data)
    if data.get("url") and not str(data["url"]).startswith("https://"):
        problems.setdefault("url", "An https:// address of the project or its result.")
    if problems:
        field, message = next(iter(problems.items()))
        raise UnprocessableError(message, field=field)
    wanted = list(dict.fromkeys(competency_ids))
    if not wanted:
        raise UnprocessableError(
            "choose at least one competency the project demonstrates", field="competencies"
        )
    known = set(
        db.session.scalars(
            select(Competency.id)
            .join(MicroCertification)
            .where(
                MicroCertification.issuer_id == freelancer.issuer_id,
                MicroCertification.retired_at.is_(None),
                Competency.id.in_(wanted),
            )
        )
    )
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise NotFoundError(
            f"{unknown[0]!r} is not a competency of this provider's certifications",
            field="competencies",
        )
    client_email = _client_email(data.get("client_email"))
    if client_email is not None and client_email == account.email:
        raise UnprocessableError(
            "the client's e-mail address is needed here, not your own", field="client_email"
        )
    project = GigProject(
        issuer_id=freelancer.issuer_id,
        freelancer=freelancer,
        source="freelancer",
        client_email=client_email,
        **{k: data.get(k) for k in _FIELDS},
    )
    db.session.add(project)
    db.session.flush()
    for competency_id in wanted:
        db.session.add(SubmittedCompetency(project_id=project.id, competency_id=competency_id))
    token = _new_client_link(project, client_email) if client_email else None
    audit.record(
        freelancer.issuer_id,
        # Ids, never the address: an erasure must not have to find it in the log.
        actor=f"freelancer:{freelancer.id}",
        action="project.submit",
        target_type="project",
        target_id=project.id,
        freelancer=freelancer.id,
        competencies=wanted,
    )
    events.publish(
        events.Event(
            "evidence.submitted",
            freelancer.issuer_id,
            project.id,
            data={"freelancerId": freelancer.id, "competencyIds": wanted},
        )
    )
    db.session.flush()
    return project, token


_FIELDS: Final = (
    "platform",
    "title",
    "url",
    "client_name",
    "started_on",
    "finished_on",
    "deliverables",
)


def _client_email(value: object) -> str | None:
    text = str(value or "").strip().lower()
    if not text:
        return None
    if len(text) > 254 or not EMAIL_SHAPE.fullmatch(text):
        raise UnprocessableError(
            "the client's e-mail address looks wrong: name@example.com", field="client_email"
        )
    return text


def _new_client_link(project: GigProject, email: str) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        ClientConfirmation(
            token_hash=token_hash(token),
            project_id=project.id,
            email=email,
            created_at=now,
            expires_at=now + CLIENT_LINK_LIFETIME,
        )
    )
    return token


def submissions(account: RecipientAccount) -> list[Submission]:
    """The account's submitted projects (every provider), newest first, with the state of
    each claimed competency and the provider's note (five queries, however many)."""
    projects = db.session.scalars(
        select(GigProject)
        .join(Freelancer, GigProject.freelancer_id == Freelancer.id)
        .where(Freelancer.email == account.email, GigProject.source == "freelancer")
        .options(selectinload(GigProject.assessments))
        .order_by(GigProject.created_at.desc(), GigProject.id)
    ).all()
    ids = [p.id for p in projects]
    claimed: dict[str, list[tuple[str, str]]] = {}
    for project_id, competency_id, name in db.session.execute(
        select(SubmittedCompetency.project_id, Competency.id, Competency.name)
        .join(Competency, SubmittedCompetency.competency_id == Competency.id)
        .where(SubmittedCompetency.project_id.in_(ids))
        .order_by(Competency.name, Competency.id)
    ):
        claimed.setdefault(project_id, []).append((competency_id, name))
    providers: dict[int, str] = {
        row.id: row.name
        for row in db.session.execute(
            select(Issuer.id, Issuer.name).where(Issuer.id.in_({p.issuer_id for p in projects}))
        )
    }
    states = client_states(projects)
    return [
        _submission(p, claimed.get(p.id, []), providers.get(p.issuer_id, ""), states[p.id])
        for p in projects
    ]


def _submission(
    project: GigProject, claimed: Sequence[tuple[str, str]], provider: str, client: str | None
) -> Submission:
    judged = {a.competency_id: a for a in project.assessments}
    rows = []
    for competency_id, name in claimed:
        assessment = judged.get(competency_id)
        if assessment is None:
            rows.append((name, "pending", None))
        else:
            rows.append((name, assessment.outcome, assessment.note))
    return Submission(project=project, provider=provider, competencies=tuple(rows), client=client)


def client_states(projects: Sequence[GigProject]) -> dict[str, str | None]:
    """Per project id: None (no client asked), "asked", "confirmed" or "declined" (one
    query)."""
    declined = set(
        db.session.scalars(
            select(ClientConfirmation.project_id).where(
                ClientConfirmation.project_id.in_([p.id for p in projects]),
                ClientConfirmation.outcome == "declined",
            )
        )
    )
    states: dict[str, str | None] = {}
    for project in projects:
        if project.client_confirmed_at is not None:
            states[project.id] = "confirmed"
        elif not project.client_email:
            states[project.id] = None
        else:
            states[project.id] = "declined" if project.id in declined else "asked"
    return states


def client_state(project: GigProject) -> str | None:
    return client_states([project])[project.id]


# --- the provider's side ---


def pending_for(issuer: Issuer) -> list[tuple[GigProject, int]]:
    """The provider's submitted projects with at least one claimed competency not yet
    assessed, oldest first, with how many are pending."""
    rows = db.session.execute(
        select(GigProject, SubmittedCompetency.competency_id)
        .join(SubmittedCompetency, SubmittedCompetency.project_id == GigProject.id)
        .outerjoin(
            Assessment,
            (Assessment.project_id == GigProject.id)
            & (Assessment.competency_id == SubmittedCompetency.competency_id),
        )
        .where(
            GigProject.issuer_id == issuer.id,
            GigProject.source == "freelancer",
            Assessment.id.is_(None),
        )
        .options(joinedload(GigProject.freelancer))
        .order_by(GigProject.created_at, GigProject.id)
    ).all()
    counts: dict[str, int] = {}
    projects: dict[str, GigProject] = {}
    for project, _competency in rows:
        projects[project.id] = project
        counts[project.id] = counts.get(project.id, 0) + 1
    return [(p, counts[i]) for i, p in projects.items()]


def claimed_competencies(project: GigProject) -> set[str]:
    return set(
        db.session.scalars(
            select(SubmittedCompetency.competency_id).where(
                SubmittedCompetency.project_id == project.id
            )
        )
    )


# --- the client's side ---


def _live_link(token: str) -> ClientConfirmation:
    """The usable link; 400 malformed, 404 unknown, 410 used or expired."""
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        raise InvalidInputError(
            "this link is malformed: it was cut or changed on the way; open it again from "
            "the e-mail",
            field="token",
            code="malformed_link",
        )
    row: ClientConfirmation | None = db.session.scalar(
        select(ClientConfirmation).where(ClientConfirmation.token_hash == token_hash(token))
    )
    if row is None:
        raise NotFoundError(_UNKNOWN_LINK, code="unknown_link")
    if row.used_at is not None:
        raise LinkGoneError("this link was used already: each link works once")
    if row.expires_at <= utcnow():
        raise LinkGoneError("this link has expired: ask the freelancer to submit again")
    return row


def client_view(token: str) -> ClientView:
    """What the client's page shows (GET): nothing changes, so a prefetch uses nothing."""
    link = _live_link(token)
    project = db.session.get(GigProject, link.project_id)
    assert project is not None  # noqa: S101 - the foreign key cascades
    return ClientView(
        title=project.title,
        freelancer=project.freelancer.name,
        provider=_provider_name(project.issuer_id),
        client_name=project.client_name,
        url=project.url,
        started_on=project.started_on,
        finished_on=project.finished_on,
        deliverables=project.deliverables,
        expires_at=link.expires_at,
    )


def _rating(value: object) -> Decimal:
    try:
        rating = Decimal(str(value).strip())
    except ArithmeticError:
        rating = Decimal("NaN")
    if not rating.is_finite() or not 0 <= rating <= 5 or rating != round(rating, 1):
        raise UnprocessableError(
            "a rating from 0 to 5 (at most one decimal) is needed to confirm", field="rating"
        )
    return rating


def confirm(token: str, rating: object, comment: str | None) -> GigProject:
    """The client confirms the project (POST): the link is used, the rating and comment
    become the project's client rating and feedback, and it is marked client-confirmed."""
    checked = _rating(rating)
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise UnprocessableError(
            f"a comment has at most {COMMENT_MAX:,} characters", field="comment"
        )
    link = _live_link(token)
    now = utcnow()
    link.used_at, link.outcome, link.rating, link.comment = now, "confirmed", checked, text
    project = db.session.get(GigProject, link.project_id)
    assert project is not None  # noqa: S101
    project.client_confirmed_at = now
    project.client_rating = checked
    project.client_feedback = text
    audit.record(
        project.issuer_id,
        actor=f"client:{project.id}",
        action="project.client_confirm",
        target_type="project",
        target_id=project.id,
        rating=str(checked),
    )
    return project


def decline(token: str) -> GigProject:
    """The client says the project is not theirs or not as described: the link is used."""
    link = _live_link(token)
    link.used_at, link.outcome = utcnow(), "declined"
    project = db.session.get(GigProject, link.project_id)
    assert project is not None  # noqa: S101
    audit.record(
        project.issuer_id,
        actor=f"client:{project.id}",
        action="project.client_decline",
        target_type="project",
        target_id=project.id,
    )
    return project
