"""Fixtures for the documents and sharing tests.

``app`` is the shared fixture's app (SQLite, and PostgreSQL with TEST_DATABASE_URL) with
the document cache in the test's own folder and template changes seen at once. ``issue``
creates a provider, a certification, a freelancer with an assessed gig project, and issues
through the real issuance service; ``revoke``/``suspend`` go through the real credential
service. ``verify`` runs the app-wide verifier (our did:web issuer and status lists come
from the database: offline).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from credentials.results import VerificationResult
from credentials.verify import Verifier
from issuer.services import credentials as credential_service
from issuer.services import issuers
from issuer.services.issuance import issue_credential
from tests.issuer.factories import Factory, Provider

ACTOR = "test-sharing"
BASE_URL = "https://microcred.example"
#: Names that try to break out of HTML, SVG, PDF and CSS, run right to left, and overflow
#: (each within its database column's 200 characters, the longest the API accepts).
HOSTILE_RECIPIENT = (
    "<script>alert('recipient')</script> \"Amara\" O'Kafor & أمارا أوكافور 🎓 "
    + "Wolfeschlegelsteinhausenbergerdorff" * 3
)
HOSTILE_CERTIFICATION = (
    '</title><img src=x onerror=alert(1)> "Certified" <b>Python</b> & APIs 🛡️ שלום '
    + "with a very long name that keeps going " * 3
)
HOSTILE_ISSUER = "Evil \"Academy\" </style><script>alert('issuer')</script> & Co أكاديمية"
HOSTILE_PROJECT = "</textarea><script>alert('project')</script> Gig \"title\" " + "y" * 140


HOSTILE_VALUES = (HOSTILE_RECIPIENT, HOSTILE_CERTIFICATION, HOSTILE_ISSUER, HOSTILE_PROJECT)
assert max(map(len, HOSTILE_VALUES)) <= 200


@dataclass(frozen=True)
class Issued:
    """An issued credential as the tests need it (plain values, no ORM objects)."""

    id: str
    short_code: str
    credential_id: str
    document: str
    provider: Provider
    certification_id: str
    freelancer_id: str

    @property
    def verify_url(self) -> str:
        return f"{BASE_URL}/v/{self.short_code}"

    def path(self, suffix: str) -> str:
        return f"/credentials/{self.id}{suffix}"


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    return make_app(
        MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"),
        MICROCRED_TEMPLATE_CHECK_SECONDS=0,
    )


def _issue(
    app: Flask,
    make: Factory,
    *,
    provider: Provider | None = None,
    recipient: str = "Amara Okafor",
    certification: str = "Freelance Python API Developer",
    issuer_name: str | None = None,
    project_title: str = "Payments webhook API for a Shopify store",
    handle: str | None = None,
    profile_public: bool = False,
    image: str | None = None,
    branding: dict[str, Any] | None = None,
    suite: str = "eddsa-rdfc-2022",
    validity_days: int | None = 365,
) -> Issued:
    provider = provider or make.provider()
    if issuer_name is not None or branding:
        with make.transaction():
            changes = dict(branding or {})
            if issuer_name is not None:
                changes["name"] = issuer_name
            issuers.update_profile(issuers.get_issuer(provider.slug), changes, actor=ACTOR)
    overrides: dict[str, Any] = {"name": certification, "validity_days": validity_days}
    if image is not None:
        overrides["image"] = image
    cert = make.certification(provider, **overrides)
    freelancer_fields: dict[str, Any] = {"name": recipient, "profile_public": profile_public}
    if handle is not None:
        freelancer_fields["handle"] = handle
    freelancer_id = make.freelancer(provider, **freelancer_fields)
    project_id = make.project(
        provider,
        freelancer_id,
        title=project_title,
        url="https://www.upwork.com/freelancers/~01demo/portfolio/payments",
        client_name="Brightline Outfitters",
    )
    make.assess(provider, project_id, dict.fromkeys(cert.competency_ids, "accepted"))
    with make.transaction():
        issued = issue_credential(
            issuers.get_issuer(provider.slug),
            freelancer_id=freelancer_id,
            certification_id=cert.id,
            suite=suite,
            actor=ACTOR,
        )
        return Issued(
            id=issued.id,
            short_code=issued.short_code,
            credential_id=issued.credential_id,
            document=issued.document,
            provider=provider,
            certification_id=cert.id,
            freelancer_id=freelancer_id,
        )


@pytest.fixture
def issue(app: Flask, make: Factory) -> Callable[..., Issued]:
    def run(**options: Any) -> Issued:
        return _issue(app, make, **options)

    return run


@pytest.fixture
def make_issued(make_app: Callable[..., Flask]) -> Callable[[Flask], Issued]:
    """Issue in an app of the test's own making (``make_app`` with other settings)."""

    def run(app: Flask, **options: Any) -> Issued:
        return _issue(app, Factory(app), **options)

    return run


@pytest.fixture
def revoke(app: Flask, make: Factory) -> Callable[[Issued], None]:
    def run(issued: Issued) -> None:
        with make.transaction():
            issuer = issuers.get_issuer(issued.provider.slug)
            credential_service.revoke(issuer, issued.id, reason="Plagiarised project", actor=ACTOR)

    return run


@pytest.fixture
def suspend(app: Flask, make: Factory) -> Callable[[Issued], None]:
    def run(issued: Issued) -> None:
        with make.transaction():
            issuer = issuers.get_issuer(issued.provider.slug)
            credential_service.suspend(issuer, issued.id, reason="Under review", actor=ACTOR)

    return run


@pytest.fixture
def verify(app: Flask) -> Callable[[Any], VerificationResult]:
    """The app-wide verifier: our provider's did:web and status lists from the database."""

    def run(credential: Any) -> VerificationResult:
        verifier = app.extensions["microcred.verifier"]
        assert isinstance(verifier, Verifier)
        with app.app_context():
            return verifier.verify(credential)

    return run


def renders(app: Flask) -> dict[str, int]:
    """How many documents the app rendered, per kind (cache misses)."""
    return dict(app.extensions["microcred.sharing"].documents.renders)


def stored_json(issued: Issued) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(issued.document)
    return parsed
