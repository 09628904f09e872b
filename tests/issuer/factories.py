"""Test data through the real services (warehouse style factories).

Every factory call runs in its own app context and write transaction and returns plain
values, so tests never hold ORM objects from a closed session. JSON payload builders
(``certification_payload`` …) give valid API bodies to tweak per test.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask

from issuer.services import api_keys, certifications, freelancers, issuers, projects
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db

FACTORY_ACTOR = "test-factory"


@dataclass(frozen=True)
class Provider:
    id: int
    slug: str
    did: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Certification:
    id: str
    competency_ids: tuple[str, ...]


@dataclass(frozen=True)
class World:
    """A provider with one of everything, as the authorisation matrix needs."""

    provider: Provider
    certification: Certification
    freelancer_id: str
    project_id: str


def certification_payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Freelance Python API Developer",
        "description": "Builds and tests HTTP APIs in Python for freelance clients.",
        "criteriaNarrative": "Two accepted client projects per competency.",
        "validityDays": 365,
        "evidenceRule": {"minProjectsPerCompetency": 1},
        "competencies": [
            {
                "name": "Python programming",
                "alignment": {
                    "targetName": "Python (computer programming)",
                    "targetUrl": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
                    "targetFramework": "ESCO",
                },
            },
            {"name": "HTTP API design", "description": "Resource-oriented APIs."},
            {"name": "Automated testing"},
        ],
    }
    body.update(overrides)
    return body


def freelancer_payload(**overrides: Any) -> dict[str, Any]:
    return {"name": "Amara Okafor", "email": "amara@example.com", **overrides}


def project_payload(**overrides: Any) -> dict[str, Any]:
    return {
        "platform": "Upwork",
        "title": "Payments webhook API",
        "url": "https://www.upwork.com/jobs/~01demo",
        "clientName": "Brightline Outfitters",
        "startedOn": "2025-02-03",
        "finishedOn": "2025-03-14",
        "clientRating": 4.9,
        **overrides,
    }


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._counter = itertools.count(1)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.app.app_context(), write_transaction(db.session):
            yield

    def _next(self) -> int:
        return next(self._counter)

    def provider(self, slug: str | None = None, *, did_method: str = "web") -> Provider:
        slug = slug or f"provider-{self._next()}"
        with self.transaction():
            created = issuers.create_issuer(
                slug,
                name=f"Provider {slug}",
                base_url=self.app.config["MICROCRED_BASE_URL"],
                passphrase=self.app.config["MICROCRED_KEY_PASSPHRASE"],
                did_method=did_method,
                actor=FACTORY_ACTOR,
            )
            return Provider(created.issuer.id, slug, created.issuer.did, created.api_key_token)

    def api_key(self, provider: Provider, *, name: str = "extra", revoked: bool = False) -> str:
        with self.transaction():
            issuer = issuers.get_issuer(provider.slug)
            new = api_keys.create_api_key(issuer, name=name, actor=FACTORY_ACTOR)
            if revoked:
                api_keys.revoke_api_key(issuer, new.api_key.prefix, actor=FACTORY_ACTOR)
            return new.token

    def certification(
        self, provider: Provider, *, min_projects: int = 1, **overrides: Any
    ) -> Certification:
        data = {
            "name": f"Certification {self._next()}",
            "description": "A micro-certification made by the test factory.",
            "criteria_narrative": "Assessed gig projects.",
            "evidence_rule": {"min_projects_per_competency": min_projects},
            "competencies": [{"name": n} for n in ("Python", "API design", "Testing")],
            **overrides,
        }
        with self.transaction():
            issuer = issuers.get_issuer(provider.slug)
            cert = certifications.create_certification(issuer, data, actor=FACTORY_ACTOR)
            return Certification(cert.id, tuple(c.id for c in cert.competencies))

    def freelancer(self, provider: Provider, **overrides: Any) -> str:
        n = self._next()
        data = {"name": f"Freelancer {n}", "email": f"freelancer{n}@example.com", **overrides}
        with self.transaction():
            issuer = issuers.get_issuer(provider.slug)
            return freelancers.create_freelancer(issuer, data, actor=FACTORY_ACTOR).id

    def project(self, provider: Provider, freelancer_id: str, **overrides: Any) -> str:
        data = {
            "platform": "Fiverr",
            "title": f"Gig {self._next()}",
            "started_on": date(2025, 1, 6),
            "finished_on": date(2025, 2, 7),
            **overrides,
        }
        with self.transaction():
            issuer = issuers.get_issuer(provider.slug)
            return projects.create_project(issuer, freelancer_id, data, actor=FACTORY_ACTOR).id

    def assess(self, provider: Provider, project_id: str, outcomes: Mapping[str, str]) -> None:
        items = [{"competency_id": cid, "outcome": outcome} for cid, outcome in outcomes.items()]
        with self.transaction():
            issuer = issuers.get_issuer(provider.slug)
            projects.set_assessments(
                issuer, project_id, items, reviewer="Test Reviewer", actor=FACTORY_ACTOR
            )

    def world(self, slug: str | None = None) -> World:
        provider = self.provider(slug)
        certification = self.certification(provider)
        freelancer_id = self.freelancer(provider)
        project_id = self.project(provider, freelancer_id)
        return World(provider, certification, freelancer_id, project_id)
