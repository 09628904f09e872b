"""Services refuse with the project's own errors, outside any request (issue 12, one tree).

Each refusal is a ``credentials.errors.MicrocredError`` with a stable code, the field at
fault and the HTTP status its class implies — and never a werkzeug ``HTTPException``, so
the CLI, bulk issuance and a future worker catch one tree. The mapping of these errors to
responses is tested in ``tests/microcred/test_refusals.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, has_request_context
from werkzeug.exceptions import HTTPException

from credentials.errors import MicrocredError
from issuer.models import Issuer
from issuer.services import certifications, credentials, freelancers, issuers
from issuer.services.bulk import row_problem
from issuer.services.issuance import issue_credential
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnprocessableError,
)
from tests.conftest import TEST_PASSPHRASE
from tests.issuer.factories import Factory, Provider
from tests.issuer.issuance_helpers import ready


@pytest.fixture
def provider(make: Factory) -> Provider:
    return make.provider()


@pytest.fixture
def issuer(app: Flask, provider: Provider) -> Iterator[Issuer]:
    """The provider, in an application context with no request (as the CLI runs)."""
    with app.app_context():
        assert not has_request_context()
        yield issuers.get_issuer(provider.slug)
        db.session.rollback()


def _refusal(caught: pytest.ExceptionInfo[MicrocredError]) -> MicrocredError:
    assert not isinstance(caught.value, HTTPException)
    return caught.value


def test_an_unknown_certification_is_not_found(issuer: Issuer) -> None:
    with pytest.raises(NotFoundError) as caught:
        certifications.get_certification(issuer, "cert_doesnotexist00")
    error = _refusal(caught)
    assert (error.http_status, error.code) == (404, "not_found")
    assert "cert_doesnotexist00" in error.message
    # A 404 is input the caller can fix: the CLI's usage error (exit 2).
    assert isinstance(error, InvalidInputError)


def test_another_providers_freelancer_is_not_found(
    app: Flask, make: Factory, provider: Provider
) -> None:
    freelancer_id = make.freelancer(make.provider())
    with app.app_context(), pytest.raises(NotFoundError) as caught:
        freelancers.get_freelancer(issuers.get_issuer(provider.slug), freelancer_id)
    assert _refusal(caught).code == "not_found"


def test_a_duplicate_provider_slug_is_a_conflict_on_slug(app: Flask, provider: Provider) -> None:
    with app.app_context(), pytest.raises(ConflictError) as caught:
        issuers.create_issuer(
            provider.slug,
            name="Same slug",
            base_url=app.config["MICROCRED_BASE_URL"],
            passphrase=TEST_PASSPHRASE,
        )
    error = _refusal(caught)
    assert (error.http_status, error.code, error.field) == (409, "conflict", "slug")
    assert error.field_errors() == {"slug": [error.message]}


def test_a_duplicate_certification_slug_names_its_code(
    app: Flask, make: Factory, provider: Provider
) -> None:
    taken = make.certification(provider)
    with app.app_context():
        issuer = issuers.get_issuer(provider.slug)
        data = {
            "name": "Another",
            "slug": certifications.get_certification(issuer, taken.id).slug,
            "competencies": [{"name": "Python"}],
            "evidence_rule": {"min_projects_per_competency": 1},
        }
        with pytest.raises(ConflictError) as caught:
            certifications.create_certification(issuer, data, actor="test")
    error = _refusal(caught)
    assert (error.http_status, error.code, error.field) == (409, "duplicate_slug", "slug")


def test_a_broken_rule_is_unprocessable_with_its_field(issuer: Issuer) -> None:
    with pytest.raises(UnprocessableError) as caught:
        credentials.credentials_query(issuer, {"status": "sideways"})
    error = _refusal(caught)
    assert (error.http_status, error.code, error.field) == (422, "validation_failed", "status")
    assert error.field_errors() == {"status": [error.message]}


def test_issuing_a_retired_certification_is_a_conflict(
    app: Flask, make: Factory, provider: Provider
) -> None:
    world = ready(make, provider)
    with app.app_context(), write_transaction(db.session):
        certifications.retire_certification(
            issuers.get_issuer(provider.slug), world.certification.id, actor="test"
        )
    with app.app_context(), pytest.raises(ConflictError) as caught:
        issue_credential(
            issuers.get_issuer(provider.slug),
            freelancer_id=world.freelancer_id,
            certification_id=world.certification.id,
            actor="test",
        )
    error = _refusal(caught)
    assert (error.code, error.field) == ("certification_retired", "certificationId")


def test_an_unmet_evidence_rule_lists_every_competency(
    app: Flask, make: Factory, provider: Provider
) -> None:
    certification = make.certification(provider, min_projects=1)
    freelancer_id = make.freelancer(provider)
    with app.app_context(), pytest.raises(UnprocessableError) as caught:
        issue_credential(
            issuers.get_issuer(provider.slug),
            freelancer_id=freelancer_id,
            certification_id=certification.id,
            actor="test",
        )
    error = _refusal(caught)
    assert (error.http_status, error.code, error.field) == (
        422,
        "evidence_rule_not_met",
        "freelancerId",
    )
    assert set(error.field_errors()) == {
        f"competencies.{cid}" for cid in certification.competency_ids
    }


def test_a_bulk_row_records_the_refusal_as_it_was() -> None:
    """Bulk issuance catches the tree and records code, message and column per row."""
    error = ConflictError("already holds it", code="already_issued", field="freelancerId")
    assert row_problem(error) == {
        "column": "freelancerId",
        "error": "already_issued",
        "message": "already holds it",
    }
    assert row_problem(NotFoundError("no such certification"))["column"] == "certificationId"
