"""The evidence rule: pure evaluation, and the progress endpoint built on it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient

from issuer.services.evidence import evaluate
from tests.issuer.factories import Factory


def _certification(min_projects: int = 1, min_competencies: int | None = None) -> Any:
    competencies = [SimpleNamespace(id=f"c{i}", name=f"Skill {i}") for i in range(3)]
    total = len(competencies)
    required = total if min_competencies is None else min(min_competencies, total)
    return SimpleNamespace(
        id="cert",
        competencies=competencies,
        min_projects_per_competency=min_projects,
        required_competencies=required,
        min_client_rating=None,
    )


def test_rule_met_when_every_competency_has_enough_projects() -> None:
    result = evaluate(
        _certification(2), "frl", {"c0": ["p1", "p2"], "c1": ["p2", "p3"], "c2": ["p1", "p3"]}
    )
    assert result.met
    assert result.missing == ()
    assert result.backing_project_ids == ("p1", "p2", "p3")


def test_rule_lists_what_is_missing() -> None:
    result = evaluate(_certification(2), "frl", {"c0": ["p1", "p2"], "c1": ["p1"]})
    assert not result.met
    assert result.competencies_met == 1
    assert result.missing == (
        "Skill 1: 1 more accepted gig project needed (has 1 of 2)",
        "Skill 2: 2 more accepted gig projects needed (has 0 of 2)",
    )


def test_the_same_project_twice_counts_once() -> None:
    result = evaluate(_certification(2), "frl", {"c0": ["p1", "p1"], "c1": [], "c2": []})
    assert result.competencies[0].accepted == 1


def test_partial_rule_needs_only_some_competencies() -> None:
    certification = _certification(1, min_competencies=2)
    assert evaluate(certification, "frl", {"c0": ["p1"], "c2": ["p2"]}).met
    short = evaluate(certification, "frl", {"c0": ["p1"]})
    assert not short.met
    assert short.missing[0] == "1 more competency must be met (1 of 2 required)"


def test_no_competencies_never_meets_the_rule() -> None:
    empty = SimpleNamespace(
        id="cert",
        competencies=[],
        min_projects_per_competency=1,
        required_competencies=0,
        min_client_rating=None,
    )
    result = evaluate(empty, "frl", {})
    assert not result.met
    assert result.missing == ("the micro-certification has no competencies",)


@pytest.fixture
def setting(make: Factory) -> dict[str, Any]:
    provider = make.provider()
    cert = make.certification(provider, min_projects=2)
    freelancer = make.freelancer(provider)
    projects = [make.project(provider, freelancer) for _ in range(3)]
    return {"provider": provider, "cert": cert, "freelancer": freelancer, "projects": projects}


def _progress(client: FlaskClient, setting: dict[str, Any]) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/freelancers/{setting['freelancer']}/progress",
        query_string={"certification": setting["cert"].id},
        headers=setting["provider"].headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_progress_follows_the_assessments(
    client: FlaskClient, make: Factory, setting: dict[str, Any]
) -> None:
    provider, cert, projects = setting["provider"], setting["cert"], setting["projects"]
    c0, c1, c2 = cert.competency_ids
    before = _progress(client, setting)
    assert before["met"] is False
    assert before["competenciesMet"] == 0
    assert len(before["missing"]) == 3

    make.assess(provider, projects[0], {c0: "accepted", c1: "accepted", c2: "accepted"})
    make.assess(provider, projects[1], {c0: "accepted", c1: "rejected", c2: "accepted"})
    make.assess(provider, projects[2], {c1: "accepted"})
    after = _progress(client, setting)
    assert after["met"] is True
    assert after["missing"] == []
    by_id = {c["competencyId"]: c for c in after["competencies"]}
    assert by_id[c1]["acceptedProjectIds"] == sorted([projects[0], projects[2]])
    assert (by_id[c1]["accepted"], by_id[c1]["required"], by_id[c1]["met"]) == (2, 2, True)


def test_progress_counts_only_this_freelancers_projects(
    client: FlaskClient, make: Factory, setting: dict[str, Any]
) -> None:
    provider, cert = setting["provider"], setting["cert"]
    someone_else = make.freelancer(provider)
    for _ in range(2):
        project = make.project(provider, someone_else)
        make.assess(provider, project, dict.fromkeys(cert.competency_ids, "accepted"))
    assert _progress(client, setting)["competenciesMet"] == 0


def test_progress_needs_a_known_certification(
    client: FlaskClient, make: Factory, setting: dict[str, Any]
) -> None:
    url = f"/api/v1/freelancers/{setting['freelancer']}/progress"
    headers = setting["provider"].headers
    missing = client.get(url, headers=headers)
    assert missing.status_code == 422
    assert missing.get_json()["field"] == "certification"
    unknown = client.get(url, query_string={"certification": "cert_nope"}, headers=headers)
    assert unknown.status_code == 404
    foreign = make.certification(make.provider())
    other = client.get(url, query_string={"certification": foreign.id}, headers=headers)
    assert other.status_code == 404
