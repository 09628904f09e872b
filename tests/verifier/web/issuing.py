"""Credentials issued by our own (did:web) issuer through the real services: a provider, a
micro-certification, a freelancer with assessed gig projects, then ``issue_credential``;
revocation and suspension through ``issuer.services.credentials``. ``tamper`` edits the
stored signed JSON directly, as an attacker with database access would."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import update

from credentials.proofs import RDFC
from issuer.models import IssuedCredential
from issuer.services import credentials as credential_service
from issuer.services import issuers
from issuer.services.issuance import issue_credential
from issuer.services.status_lists import parse_status_list_url, publisher
from microcred.platform.extensions import db
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider

COMPETENCIES = [
    {
        "name": "Python programming",
        "description": "Writes idiomatic, typed, maintainable Python.",
        "alignment": {
            "target_name": "Python (computer programming)",
            "target_url": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
            "target_framework": "ESCO",
        },
    },
    {"name": "HTTP API design", "description": "Resource-oriented HTTP APIs with clear errors."},
    {"name": "Automated testing", "description": "Tests that catch regressions."},
]

PROJECTS = [
    {
        "platform": "Upwork",
        "title": "Payments webhook API for a Shopify store",
        "url": "https://www.upwork.com/freelancers/~01demo/portfolio/payments-webhooks",
        "client_name": "Brightline Outfitters",
        "started_on": date(2025, 2, 3),
        "finished_on": date(2025, 3, 14),
    },
    {
        "platform": "Fiverr",
        "title": "Inventory sync REST API with a pytest suite",
        "url": "https://www.fiverr.com/amaraokafor/build-a-python-rest-api",
        "client_name": "Kettle & Crumb Bakery",
        "started_on": date(2025, 4, 7),
        "finished_on": date(2025, 4, 30),
    },
]


@dataclass(frozen=True)
class Issued:
    id: str
    short_code: str
    provider: Provider
    freelancer_name: str

    @property
    def page(self) -> str:
        return f"/v/{self.short_code}"


class IssuingWorld:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.make = Factory(app)
        self._provider: Provider | None = None
        self._issued = 0

    @property
    def provider(self) -> Provider:
        if self._provider is None:
            self._provider = self.make.provider("northwind-skills")
        return self._provider

    def issue(
        self,
        *,
        name: str = "Amara Okafor",
        suite: str = RDFC,
        validity_days: int | None = 365,
    ) -> Issued:
        provider = self.provider
        self._issued += 1
        certification = self.make.certification(
            provider,
            slug=f"python-api-developer-{self._issued}",
            name="Freelance Python API Developer",
            description="Designs, builds and tests production HTTP APIs in Python.",
            validity_days=validity_days,
            competencies=COMPETENCIES,
        )
        freelancer = self.make.freelancer(provider, name=name)
        for index, spec in enumerate(PROJECTS):
            project = self.make.project(provider, freelancer, **spec)
            outcomes = {
                cid: "accepted" if (index + position) % 3 != 2 else "rejected"
                for position, cid in enumerate(certification.competency_ids)
            }
            self.make.assess(provider, project, outcomes)
        with self.make.transaction():
            issuer = issuers.get_issuer(provider.slug)
            issued = issue_credential(
                issuer,
                freelancer_id=freelancer,
                certification_id=certification.id,
                suite=suite,
                actor=FACTORY_ACTOR,
            )
            result = Issued(issued.id, issued.short_code, provider, name)
        self.publish_lists(result)
        return result

    def revoke(self, issued: Issued) -> None:
        with self.make.transaction():
            issuer = issuers.get_issuer(issued.provider.slug)
            credential_service.revoke(issuer, issued.id, reason="test", actor=FACTORY_ACTOR)
        self.publish_lists(issued)

    def suspend(self, issued: Issued) -> None:
        with self.make.transaction():
            issuer = issuers.get_issuer(issued.provider.slug)
            credential_service.suspend(issuer, issued.id, actor=FACTORY_ACTOR)
        self.publish_lists(issued)

    def unsuspend(self, issued: Issued) -> None:
        with self.make.transaction():
            issuer = issuers.get_issuer(issued.provider.slug)
            credential_service.unsuspend(issuer, issued.id, actor=FACTORY_ACTOR)
        self.publish_lists(issued)

    def publish_lists(self, issued: Issued) -> None:
        """Sign the credential's status lists now, as the issuer's list endpoint would.

        Lists are signed lazily with ``validFrom`` = signing time (truncated to the second).
        Signed *during* a verification, a list can come out "not valid before" the instant
        that verification read its clock when a second boundary falls in between; signing
        first keeps these tests about the verdicts (the race is reported to the issuer side).
        """
        base_url = self.app.config["MICROCRED_BASE_URL"]
        entries = self.document(issued).get("credentialStatus", [])
        with self.app.app_context():
            for entry in entries:
                parsed = parse_status_list_url(base_url, entry["statusListCredential"])
                assert parsed is not None
                publisher(self.app).published(*parsed)

    def document(self, issued: Issued) -> dict[str, Any]:
        with self.app.app_context():
            row = db.session.get(IssuedCredential, issued.id)
            assert row is not None
            parsed: dict[str, Any] = json.loads(row.document)
            return parsed

    def tamper(self, issued: Issued, change: Callable[[dict[str, Any]], None]) -> None:
        document = self.document(issued)
        change(document)
        with self.make.transaction():
            db.session.execute(
                update(IssuedCredential)
                .where(IssuedCredential.id == issued.id)
                .values(document=json.dumps(document))
            )
