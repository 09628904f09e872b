"""Shared set-up of the issuance tests: a provider whose freelancer meets the evidence
rule, issuing through the real service, and verifiers wired to our own database.

``ClientStatusLists`` fetches status lists through the public endpoint with the Flask
test client (the real view, headers and all), so a test can check what any verifier on
the internet would see; ``DatabaseSources`` is what the service's own verifier uses.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from credentials.errors import ResolutionError
from credentials.proofs import RDFC
from credentials.verify import Verifier
from issuer.local_sources import DatabaseSources
from issuer.services import issuers
from issuer.services.issuance import issue_credential
from tests.conftest import TEST_BASE_URL
from tests.issuer.factories import FACTORY_ACTOR, Certification, Factory, Provider
from verifier.factory import build_verifier


@dataclass(frozen=True)
class Ready:
    """A provider, a certification (3 competencies, 2 projects each) and a freelancer
    whose two gig projects are accepted for every competency."""

    provider: Provider
    certification: Certification
    freelancer_id: str
    project_ids: tuple[str, ...]


@dataclass(frozen=True)
class Issued:
    id: str
    short_code: str
    document: str
    suite: str

    @property
    def json(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.document)
        return parsed


def ready(make: Factory, provider: Provider | None = None, **certification: Any) -> Ready:
    provider = provider or make.provider()
    cert = make.certification(provider, min_projects=2, validity_days=365, **certification)
    freelancer_id = make.freelancer(provider)
    projects = []
    for n, (platform, client) in enumerate((("Upwork", "Brightline"), ("Toptal", "Parcelwise"))):
        project_id = make.project(
            provider,
            freelancer_id,
            platform=platform,
            client_name=client,
            url=f"https://gigs.example/{n}",
            started_on=date(2025, 2 + 3 * n, 3),
            finished_on=date(2025, 3 + 3 * n, 14),
            deliverables=f"Deliverable {n}",
            client_feedback=f"Great work {n}",
        )
        make.assess(provider, project_id, dict.fromkeys(cert.competency_ids, "accepted"))
        projects.append(project_id)
    return Ready(provider, cert, freelancer_id, tuple(projects))


def issue(
    make: Factory,
    provider: Provider,
    freelancer_id: str,
    certification_id: str,
    *,
    suite: str = RDFC,
    override_reason: str | None = None,
    language: str | None = None,
) -> Issued:
    with make.transaction():
        credential = issue_credential(
            issuers.get_issuer(provider.slug),
            freelancer_id=freelancer_id,
            certification_id=certification_id,
            suite=suite,
            override_reason=override_reason,
            language=language,
            actor=FACTORY_ACTOR,
        )
        return Issued(credential.id, credential.short_code, credential.document, credential.suite)


class ClientStatusLists:
    """A StatusListFetcher that GETs our public status list endpoint (test client)."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.responses: list[Any] = []

    def fetch(self, url: str) -> Mapping[str, Any]:
        if not url.startswith(TEST_BASE_URL + "/"):
            raise ResolutionError(f"{url} is not served by the app under test")
        response = self.client.get(url[len(TEST_BASE_URL) :])
        self.responses.append(response)
        if response.status_code != 200:
            raise ResolutionError(f"{url} answered {response.status_code}")
        document: Mapping[str, Any] = json.loads(response.data)
        return document


def local_verifier(app: Flask) -> Verifier:
    """The verifier the service itself uses: DIDs and status lists from the database."""
    sources = DatabaseSources(app)
    return build_verifier(local_dids=sources, local_status_lists=sources)


def public_verifier(app: Flask, client: FlaskClient) -> Verifier:
    """DIDs from the database, status lists through the public HTTP endpoint."""
    return build_verifier(
        local_dids=DatabaseSources(app), local_status_lists=ClientStatusLists(client)
    )


def check_outcomes(verifier: Verifier, document: str) -> dict[str, list[str]]:
    result = verifier.verify(document)
    outcomes: dict[str, list[str]] = {}
    for check in result.checks:
        outcomes.setdefault(check.name, []).append(str(check.outcome.value))
    return outcomes


class NarrowRandom(random.Random):
    """Draws status indices from ``[0, width)`` only, so concurrent issuances collide."""

    def __init__(self, width: int) -> None:
        super().__init__(1234)
        self.width = width

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return super().randrange(min(start, self.width))
        return super().randrange(start, min(stop, start + self.width), step)
