"""The evidence rule's minimum client rating and the expiry in calendar months: through
the API (create, read, refuse), the progress endpoint and issuance (refusal, override)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.services.issuance import expires_at
from tests.issuer.factories import Factory, Provider, certification_payload
from tests.issuer.issuance_helpers import issue

CERTS = "/api/v1/micro-certifications"
CREDENTIALS = "/api/v1/credentials"


def _rated_world(make: Factory, ratings: list[float | None]) -> dict[str, Any]:
    """A provider, a certification needing 2 accepted projects rated >= 4.5 per competency,
    and a freelancer whose projects (one per rating) are accepted for every competency."""
    provider = make.provider()
    cert = make.certification(
        provider,
        min_projects=2,
        evidence_rule={"min_projects_per_competency": 2, "min_client_rating": Decimal("4.5")},
    )
    freelancer = make.freelancer(provider)
    for rating in ratings:
        project = make.project(
            provider,
            freelancer,
            client_rating=None if rating is None else Decimal(str(rating)),
        )
        make.assess(provider, project, dict.fromkeys(cert.competency_ids, "accepted"))
    return {"provider": provider, "cert": cert, "freelancer": freelancer}


def _issue(client: FlaskClient, world: dict[str, Any], **extra: Any) -> Any:
    provider: Provider = world["provider"]
    return client.post(
        CREDENTIALS,
        json={"freelancerId": world["freelancer"], "certificationId": world["cert"].id, **extra},
        headers=provider.headers,
    )


def test_the_api_stores_and_returns_the_rating_and_months(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    body = certification_payload(
        validityDays=None,
        validityMonths=18,
        evidenceRule={"minProjectsPerCompetency": 2, "minClientRating": 4.5},
    )
    created = client.post(CERTS, json=body, headers=provider.headers)
    assert created.status_code == 201, created.get_json()
    got = client.get(f"{CERTS}/{created.get_json()['id']}", headers=provider.headers).get_json()
    assert got["validityMonths"] == 18
    assert got["validityDays"] is None
    assert got["evidenceRule"]["minClientRating"] == 4.5
    changed = client.patch(
        f"{CERTS}/{got['id']}",
        json={"evidenceRule": {"minProjectsPerCompetency": 1, "minClientRating": None}},
        headers=provider.headers,
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["evidenceRule"]["minClientRating"] is None


@pytest.mark.parametrize(
    ("field", "value"),
    [("minClientRating", 5.5), ("minClientRating", -1), ("minClientRating", "high")],
)
def test_a_bad_rating_is_refused_by_name(
    client: FlaskClient, make: Factory, field: str, value: object
) -> None:
    provider = make.provider()
    body = certification_payload(evidenceRule={"minProjectsPerCompetency": 1, field: value})
    response = client.post(CERTS, json=body, headers=provider.headers)
    assert response.status_code == 422
    assert f"evidenceRule.{field}" in response.get_json()["errors"]


def test_days_and_months_together_are_refused(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    body = certification_payload(validityDays=30, validityMonths=1)
    response = client.post(CERTS, json=body, headers=provider.headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "validityMonths"


def test_an_edit_giving_months_replaces_days(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    created = client.post(
        CERTS, json=certification_payload(validityDays=30), headers=provider.headers
    )
    assert created.status_code == 201, created.get_json()
    url = f"{CERTS}/{created.get_json()['id']}"
    changed = client.patch(url, json={"validityMonths": 6}, headers=provider.headers)
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["validityMonths"], changed.get_json()["validityDays"]) == (6, None)
    back = client.patch(url, json={"validityDays": 10}, headers=provider.headers).get_json()
    assert (back["validityMonths"], back["validityDays"]) == (None, 10)


def test_issuance_refuses_projects_rated_below_the_minimum(
    client: FlaskClient, make: Factory
) -> None:
    # Two accepted projects per competency, but one rated 4.0 and one unrated: neither counts.
    world = _rated_world(make, [4.0, None, 4.8])
    response = _issue(client, world)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "evidence_rule_not_met"
    first = world["cert"].competency_ids[0]
    assert body["errors"][f"competencies.{first}"] == [
        "Python: 1 more accepted gig project rated at least 4.5/5 by the client needed (has 1 of 2)"
    ]


def test_issuance_accepts_projects_rated_at_the_minimum(client: FlaskClient, make: Factory) -> None:
    world = _rated_world(make, [4.5, 5.0, 3.0])
    response = _issue(client, world)
    assert response.status_code == 201, response.get_json()
    evidence = response.get_json()["document"]["evidence"]
    # Only the two projects that count back the credential.
    assert len(evidence) == 2


def test_the_override_still_issues_below_the_minimum(client: FlaskClient, make: Factory) -> None:
    world = _rated_world(make, [3.0, 3.5])
    response = _issue(client, world, override={"reason": "Client ratings were withheld"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["override"]["reason"] == "Client ratings were withheld"


def test_progress_counts_only_projects_rated_enough(client: FlaskClient, make: Factory) -> None:
    world = _rated_world(make, [4.6, 4.0])
    response = client.get(
        f"/api/v1/freelancers/{world['freelancer']}/progress",
        query_string={"certification": world["cert"].id},
        headers=world["provider"].headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["met"] is False
    assert {c["accepted"] for c in body["competencies"]} == {1}


@pytest.mark.parametrize(
    ("issued", "months", "expected"),
    [
        (datetime(2026, 1, 31, 9, tzinfo=UTC), 1, datetime(2026, 2, 28, 9, tzinfo=UTC)),
        (datetime(2028, 1, 31, 9, tzinfo=UTC), 1, datetime(2028, 2, 29, 9, tzinfo=UTC)),
        (datetime(2026, 11, 15, tzinfo=UTC), 2, datetime(2027, 1, 15, tzinfo=UTC)),
        (datetime(2026, 5, 1, tzinfo=UTC), 24, datetime(2028, 5, 1, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(issued: datetime, months: int, expected: datetime) -> None:
    assert expires_at(issued, None, months) == expected
    assert expires_at(issued, None, None) is None


def test_an_issued_credential_expires_months_later(app: Flask, make: Factory) -> None:
    world = _rated_world(make, [5.0, 5.0])
    with make.transaction():
        from issuer.services import certifications, issuers

        issuer = issuers.get_issuer(world["provider"].slug)
        certifications.update_certification(
            issuer, world["cert"].id, {"validity_months": 6}, actor="test"
        )
    issued = issue(make, world["provider"], world["freelancer"], world["cert"].id).json
    valid_from = datetime.fromisoformat(issued["validFrom"])
    assert datetime.fromisoformat(issued["validUntil"]) == expires_at(valid_from, None, 6)
