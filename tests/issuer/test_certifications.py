"""Micro-certifications through the API: create, read, list, update, retire."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.issuer.factories import Factory, Provider, certification_payload

BASE = "/api/v1/micro-certifications"


def _create(client: FlaskClient, provider: Provider, **overrides: object) -> dict:
    response = client.post(BASE, json=certification_payload(**overrides), headers=provider.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_returns_the_certification_with_competencies_in_order(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    response = client.post(BASE, json=certification_payload(), headers=provider.headers)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"{BASE}/{body['id']}"
    assert body["id"].startswith("cert_")
    assert body["slug"] == "freelance-python-api-developer"
    assert body["achievementType"] == "MicroCredential"
    assert body["validityDays"] == 365
    assert body["evidenceRule"] == {
        "minProjectsPerCompetency": 1,
        "minCompetencies": None,
        "minClientRating": None,
    }
    assert [c["name"] for c in body["competencies"]] == [
        "Python programming",
        "HTTP API design",
        "Automated testing",
    ]
    assert [c["position"] for c in body["competencies"]] == [0, 1, 2]
    assert body["competencies"][0]["alignment"] == {
        "targetName": "Python (computer programming)",
        "targetUrl": "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
        "targetFramework": "ESCO",
        "targetCode": None,
    }
    assert body["competencies"][1]["alignment"] is None
    assert body["retired"] is False
    fetched = client.get(f"{BASE}/{body['id']}", headers=provider.headers)
    assert fetched.get_json() == body


def test_duplicate_slug_is_a_conflict_naming_the_slug(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    _create(client, provider, slug="python-api")
    response = client.post(
        BASE, json=certification_payload(slug="python-api"), headers=provider.headers
    )
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "duplicate_slug"
    assert body["field"] == "slug"
    assert "python-api" in body["description"]


def test_two_providers_may_use_the_same_slug(client: FlaskClient, make: Factory) -> None:
    first, second = make.provider(), make.provider()
    assert _create(client, first, slug="same")["slug"] == "same"
    assert _create(client, second, slug="same")["slug"] == "same"


def test_invalid_fields_are_all_named(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    payload = certification_payload(
        slug="Not A Slug",
        achievementType="Trophy",
        validityDays=0,
        evidenceRule={"minProjectsPerCompetency": 0},
        competencies=[{"name": " "}, {"name": "ok", "alignment": {"targetName": "x"}}],
        image="javascript:alert(1)",
    )
    response = client.post(BASE, json=payload, headers=provider.headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {
        "slug",
        "achievementType",
        "validityDays",
        "evidenceRule.minProjectsPerCompetency",
        "competencies[0].name",
        "competencies[1].alignment.targetUrl",
        "image",
    }


def test_at_least_one_competency_is_required(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    response = client.post(
        BASE, json=certification_payload(competencies=[]), headers=provider.headers
    )
    assert response.status_code == 422
    assert "competencies" in response.get_json()["errors"]


def test_duplicate_competency_names_are_refused(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    payload = certification_payload(competencies=[{"name": "Python"}, {"name": "python"}])
    response = client.post(BASE, json=payload, headers=provider.headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "competencies[1]"


def test_rule_cannot_ask_for_more_competencies_than_exist(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    payload = certification_payload(evidenceRule={"minCompetencies": 4})
    response = client.post(BASE, json=payload, headers=provider.headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "evidenceRule.minCompetencies"


def test_ext_achievement_types_are_accepted(client: FlaskClient, make: Factory) -> None:
    body = _create(client, make.provider(), achievementType="ext:GigSkill")
    assert body["achievementType"] == "ext:GigSkill"


def test_list_is_paginated_and_scoped(client: FlaskClient, make: Factory) -> None:
    provider, other = make.provider(), make.provider()
    created = [_create(client, provider, slug=f"c-{i}")["id"] for i in range(3)]
    _create(client, other, slug="foreign")
    page1 = client.get(f"{BASE}?perPage=2", headers=provider.headers).get_json()
    page2 = client.get(f"{BASE}?perPage=2&page=2", headers=provider.headers).get_json()
    assert page1["pagination"] == {"page": 1, "perPage": 2, "total": 3, "pages": 2}
    assert [c["id"] for c in page1["items"] + page2["items"]] == created
    beyond = client.get(f"{BASE}?page=9", headers=provider.headers).get_json()
    assert beyond["items"] == []


def test_bad_pagination_arguments_are_422(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    for query in ("page=0", "perPage=101", "page=x", "pageSize=5"):
        response = client.get(f"{BASE}?{query}", headers=provider.headers)
        assert response.status_code == 422, query
        assert response.get_json()["error"] == "validation_failed"


def test_patch_changes_only_the_given_fields(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    created = _create(client, provider)
    response = client.patch(
        f"{BASE}/{created['id']}",
        json={"name": "Python API Developer", "validityDays": None},
        headers=provider.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Python API Developer"
    assert body["validityDays"] is None
    assert body["description"] == created["description"]
    assert body["competencies"] == created["competencies"]


def test_empty_patch_is_refused(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    created = _create(client, provider)
    response = client.patch(f"{BASE}/{created['id']}", json={}, headers=provider.headers)
    assert response.status_code == 422
    assert response.get_json()["field"] == "body"


def test_patch_competencies_keeps_updates_adds_and_removes(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    created = _create(client, provider)
    python, api, _testing = created["competencies"]
    competencies = [
        {"id": api["id"], "name": "REST API design"},
        {"id": python["id"], "name": python["name"]},
        {"name": "Deployment"},
    ]
    response = client.patch(
        f"{BASE}/{created['id']}", json={"competencies": competencies}, headers=provider.headers
    )
    assert response.status_code == 200
    after = response.get_json()["competencies"]
    assert [(c["id"], c["name"]) for c in after[:2]] == [
        (api["id"], "REST API design"),
        (python["id"], "Python programming"),
    ]
    assert after[2]["name"] == "Deployment"
    assert after[2]["id"] not in {python["id"], api["id"], _testing["id"]}
    assert after[1]["alignment"] is None  # the list is a full replacement


def test_patch_refuses_foreign_competency_ids(client: FlaskClient, make: Factory) -> None:
    provider, other = make.provider(), make.provider()
    mine = _create(client, provider)
    theirs = make.certification(other)
    response = client.patch(
        f"{BASE}/{mine['id']}",
        json={"competencies": [{"id": theirs.competency_ids[0], "name": "Stolen"}]},
        headers=provider.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["field"] == "competencies[0].id"


def test_competency_with_assessments_cannot_be_dropped(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    cert = make.certification(provider)
    project = make.project(provider, make.freelancer(provider))
    make.assess(provider, project, {cert.competency_ids[2]: "accepted"})
    keep = [
        {"id": cid, "name": name}
        for cid, name in zip(cert.competency_ids[:2], ("A", "B"), strict=True)
    ]
    response = client.patch(
        f"{BASE}/{cert.id}", json={"competencies": keep}, headers=provider.headers
    )
    assert response.status_code == 409
    assert response.get_json()["error"] == "competency_has_assessments"
    unchanged = client.get(f"{BASE}/{cert.id}", headers=provider.headers).get_json()
    assert [c["id"] for c in unchanged["competencies"]] == list(cert.competency_ids)


def test_retire_is_idempotent_and_freezes_the_certification(
    client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    created = _create(client, provider)
    first = client.post(f"{BASE}/{created['id']}/retire", headers=provider.headers)
    assert first.status_code == 200
    assert first.get_json()["retired"] is True
    again = client.post(f"{BASE}/{created['id']}/retire", headers=provider.headers)
    assert again.get_json()["retiredAt"] == first.get_json()["retiredAt"]
    patch = client.patch(f"{BASE}/{created['id']}", json={"name": "X"}, headers=provider.headers)
    assert patch.status_code == 409
    assert patch.get_json()["error"] == "certification_retired"


def test_changes_are_audited_with_the_actor(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    created = _create(client, provider)
    client.post(f"{BASE}/{created['id']}/retire", headers=provider.headers)
    events = client.get("/api/v1/audit-events", headers=provider.headers).get_json()["items"]
    prefix = "_".join(provider.token.split("_")[:2])
    mine = [(e["action"], e["actor"]) for e in events if e["targetId"] == created["id"]]
    assert mine == [
        ("certification.retire", f"api-key:{prefix}"),
        ("certification.create", f"api-key:{prefix}"),
    ]
