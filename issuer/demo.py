"""The demo data set behind ``microcred demo`` (idempotent: running it twice changes nothing
except handing out a fresh demo API key, since a key's plaintext is never stored).

A training provider (did:web), a micro-certification of three competencies aligned to
ESCO and O*NET, a freelancer with a public profile and three gig projects (Upwork, Fiverr,
Toptal) assessed so that the evidence rule (two accepted projects per competency) is met.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from issuer.models import (
    ApiKey,
    Freelancer,
    GigProject,
    IssuedCredential,
    Issuer,
    MicroCertification,
)
from issuer.services import (
    accounts,
    api_keys,
    certifications,
    freelancers,
    identity,
    issuers,
    projects,
    teams,
)
from issuer.services.evidence import EvidenceEvaluation, progress
from issuer.services.issuance import held_credential, issue_credential
from microcred.platform.extensions import db

ACTOR = "cli:demo"
ISSUER_SLUG = "northwind-skills"
DEMO_KEY_NAME = "demo"
#: The console's demo owner; a new random password on every run (stored hashed only).
OWNER_EMAIL = "owner@northwind-skills.example"
OWNER_NAME = "Noor Whitfield"

ISSUER_PROFILE = {
    "url": "https://northwind-skills.example",
    "email": "credentials@northwind-skills.example",
    "description": "Short, project-based training for freelance software developers.",
    "primary_color": "#1f4e79",
    "accent_color": "#f2a900",
    "signatory_name": "Dr. Lena Marsh",
    "signatory_title": "Head of Assessment",
}

CERTIFICATION = {
    "slug": "freelance-python-api-developer",
    "name": "Freelance Python API Developer",
    "description": "Designs, builds and tests production HTTP APIs in Python for clients "
    "found on freelance platforms.",
    "criteria_narrative": "Two client projects per competency, delivered on a freelance "
    "platform and assessed by a Northwind reviewer against the competency's rubric.",
    "achievement_type": "MicroCredential",
    "validity_days": 730,
    "evidence_rule": {"min_projects_per_competency": 2, "min_competencies": None},
    "competencies": [
        {
            "name": "Python programming",
            "description": "Writes idiomatic, typed, maintainable Python.",
            "alignment": {
                "target_name": "Python (computer programming)",
                "target_url": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                "target_framework": "ESCO",
                "target_code": "ccd0a1d9-afda-43d9-b901-96344886e14d",
            },
        },
        {
            "name": "HTTP API design",
            "description": "Designs resource-oriented HTTP APIs with clear errors and docs.",
            "alignment": {
                "target_name": "Technology Design",
                "target_url": "https://www.onetonline.org/find/descriptor/result/2.B.3.b",
                "target_framework": "O*NET",
                "target_code": "2.B.3.b",
            },
        },
        {
            "name": "Automated testing",
            "description": "Covers an API with automated tests that catch regressions.",
            "alignment": {
                "target_name": "Quality Control Analysis",
                "target_url": "https://www.onetonline.org/find/descriptor/result/2.B.3.m",
                "target_framework": "O*NET",
                "target_code": "2.B.3.m",
            },
        },
    ],
}

FREELANCER = {
    "name": "Amara Okafor",
    "email": "amara.okafor@example.com",
    "handle": "amara-okafor",
    "profile_public": True,
}

# Which competencies (by position) each project demonstrates: accepted or rejected.
PROJECTS: list[dict[str, Any]] = [
    {
        "platform": "Upwork",
        "title": "Payments webhook API for a Shopify store",
        "url": "https://www.upwork.com/freelancers/~01demo/portfolio/payments-webhooks",
        "client_name": "Brightline Outfitters",
        "started_on": date(2025, 2, 3),
        "finished_on": date(2025, 3, 14),
        "deliverables": "Flask service receiving Stripe and Shopify webhooks, idempotent "
        "order updates, OpenAPI document, 94% test coverage.",
        "client_rating": Decimal("5.0"),
        "client_feedback": "Clear API, thorough tests, delivered ahead of schedule.",
        "assessments": {0: "accepted", 1: "accepted", 2: "accepted"},
    },
    {
        "platform": "Fiverr",
        "title": "Inventory sync REST API with a pytest suite",
        "url": "https://www.fiverr.com/amaraokafor/build-a-python-rest-api",
        "client_name": "Kettle & Crumb Bakery",
        "started_on": date(2025, 4, 7),
        "finished_on": date(2025, 4, 30),
        "deliverables": "REST API syncing stock between a POS and a web shop, pytest suite "
        "with contract tests, deployment guide.",
        "client_rating": Decimal("4.9"),
        "client_feedback": "Works flawlessly; the tests caught a POS bug on day one.",
        "assessments": {0: "accepted", 1: "rejected", 2: "accepted"},
    },
    {
        "platform": "Toptal",
        "title": "Rate-limited public API for a logistics startup",
        "url": "https://www.toptal.com/developers/resume/amara-okafor",
        "client_name": "Parcelwise",
        "started_on": date(2025, 6, 2),
        "finished_on": date(2025, 8, 29),
        "deliverables": "Versioned public tracking API with API keys, rate limits and "
        "generated reference docs; load-tested to 2,000 requests/s.",
        "client_rating": Decimal("4.8"),
        "client_feedback": "Excellent API design sense and communication.",
        "assessments": {0: "accepted", 1: "accepted", 2: "rejected"},
    },
]
REVIEWER = "Dr. Lena Marsh"
REJECTION_NOTE = "Delivered, but the work did not show this competency at the required level."


@dataclass(frozen=True, slots=True)
class DemoData:
    issuer: Issuer
    certification: MicroCertification
    freelancer: Freelancer
    projects: list[GigProject]
    api_key: str
    evaluation: EvidenceEvaluation
    #: The demo credential (None only if the evidence rule were not met).
    credential: IssuedCredential | None = None
    #: The console's demo owner and the password set on this run.
    owner_email: str = OWNER_EMAIL
    owner_password: str = ""


def seed_demo(*, base_url: str, passphrase: bytes) -> DemoData:
    """Create (or find) the demo records; call inside one write transaction."""
    issuer, api_key = _issuer(base_url, passphrase)
    certification = _certification(issuer)
    freelancer = _freelancer(issuer)
    gig_projects = [_project(issuer, freelancer, certification, spec) for spec in PROJECTS]
    evaluation = progress(issuer, freelancer.id, certification.id)
    credential = seed_demo_credential(
        issuer, freelancer, certification, evaluation, passphrase=passphrase
    )
    password = _console_owner(issuer)
    return DemoData(
        issuer,
        certification,
        freelancer,
        gig_projects,
        api_key,
        evaluation,
        credential,
        owner_password=password,
    )


def _console_owner(issuer: Issuer) -> str:
    """The console's demo owner with a fresh password (printed once, like the API key)."""
    password = secrets.token_urlsafe(12)
    user = accounts.find_user(OWNER_EMAIL)
    if user is None:
        user = accounts.new_user(OWNER_EMAIL, OWNER_NAME, password)
    else:
        accounts.set_password(user, password, action="user.password_reset")
    if accounts.membership(user.id, issuer.id) is None:
        teams.add_member(issuer, user, "owner", actor=ACTOR)
    return password


def seed_demo_credential(
    issuer: Issuer,
    freelancer: Freelancer,
    certification: MicroCertification,
    evaluation: EvidenceEvaluation,
    *,
    passphrase: bytes,
) -> IssuedCredential | None:
    """Issue the demo credential once: a re-run finds the freelancer's valid credential.

    Signed with the provider's active key through the issuance service (which reads the
    key passphrase from the app config, the same value as ``passphrase``).
    """
    held = held_credential(freelancer.id, certification.id, datetime.now(UTC))
    if held is not None:
        return held
    if not evaluation.met:
        return None
    return issue_credential(
        issuer, freelancer_id=freelancer.id, certification_id=certification.id, actor=ACTOR
    )


def _issuer(base_url: str, passphrase: bytes) -> tuple[Issuer, str]:
    """The demo provider and a usable API key (new on every run: keys are stored hashed)."""
    existing = db.session.scalar(select(Issuer).where(Issuer.slug == ISSUER_SLUG))
    if existing is not None:
        return existing, _fresh_demo_key(existing)
    created = issuers.create_issuer(
        ISSUER_SLUG,
        name="Northwind Skills Academy",
        base_url=base_url,
        passphrase=passphrase,
        actor=ACTOR,
        profile=ISSUER_PROFILE,
        api_key_name=DEMO_KEY_NAME,
    )
    # The demo's own seed vouches for the demo provider, so its page shows the trusted
    # case; a real provider is confirmed by a person ('microcred issuers confirm').
    identity.confirm(created.issuer, by="microcred demo seed", actor=ACTOR)
    return created.issuer, created.api_key_token


def _certification(issuer: Issuer) -> MicroCertification:
    existing = db.session.scalar(
        select(MicroCertification).where(
            MicroCertification.issuer_id == issuer.id,
            MicroCertification.slug == CERTIFICATION["slug"],
        )
    )
    if existing is not None:
        return existing
    return certifications.create_certification(issuer, CERTIFICATION, actor=ACTOR)


def _freelancer(issuer: Issuer) -> Freelancer:
    existing = freelancers.find_by_email(issuer, FREELANCER["email"])
    if existing is not None:
        return existing
    return freelancers.create_freelancer(issuer, FREELANCER, actor=ACTOR)


def _project(
    issuer: Issuer,
    freelancer: Freelancer,
    certification: MicroCertification,
    spec: dict[str, Any],
) -> GigProject:
    fields = {k: v for k, v in spec.items() if k != "assessments"}
    project = db.session.scalar(
        select(GigProject).where(
            GigProject.freelancer_id == freelancer.id, GigProject.title == spec["title"]
        )
    )
    if project is None:
        project = projects.create_project(issuer, freelancer.id, fields, actor=ACTOR)
    items = [
        {
            "competency_id": certification.competencies[position].id,
            "outcome": outcome,
            "note": None if outcome == "accepted" else REJECTION_NOTE,
        }
        for position, outcome in spec["assessments"].items()
    ]
    return projects.set_assessments(issuer, project.id, items, reviewer=REVIEWER, actor=ACTOR)


def _fresh_demo_key(issuer: Issuer) -> str:
    """Revoke earlier demo keys and make a new one: only a new key can be shown."""
    for key in db.session.scalars(
        select(ApiKey).where(
            ApiKey.issuer_id == issuer.id,
            ApiKey.name == DEMO_KEY_NAME,
            ApiKey.revoked_at.is_(None),
        )
    ):
        api_keys.revoke_api_key(issuer, key.prefix, actor=ACTOR)
    return api_keys.create_api_key(issuer, name=DEMO_KEY_NAME, actor=ACTOR).token
