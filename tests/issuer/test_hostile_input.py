"""Hostile and odd input on the issuer API (issue 16, "Hostile and odd input"): each case
once answered 500 or was accepted when it should not be. Runs on SQLite and PostgreSQL.

Every response here is also checked against the OpenAPI document (tests/issuer/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from issuer.models.evidence import GigProject
from microcred.platform.extensions import db
from tests.issuer.factories import Factory, World, certification_payload, project_payload

NUL = "\x00"


@pytest.fixture
def world(make: Factory) -> World:
    return make.world()


def assert_422(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["field"] == field, body
    assert field in body["errors"], body
    return body


# --- blank optional text: null, never a 500 ----------------------------------------------


@pytest.mark.parametrize("blank", ["", " ", "\t\n "])
@pytest.mark.parametrize("field", ["clientName", "deliverables", "clientFeedback"])
def test_a_blank_optional_project_field_is_null(
    client: FlaskClient, world: World, field: str, blank: str
) -> None:
    response = client.post(
        f"/api/v1/freelancers/{world.freelancer_id}/projects",
        json=project_payload(**{field: blank}),
        headers=world.provider.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()[field] is None
    response = client.patch(
        f"/api/v1/projects/{world.project_id}",
        json={field: blank},
        headers=world.provider.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()[field] is None


def test_blank_issuer_description_and_signatory_are_null(client: FlaskClient, world: World) -> None:
    response = client.patch(
        "/api/v1/issuer",
        json={"description": " ", "branding": {"signatoryName": "", "signatoryTitle": " "}},
        headers=world.provider.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["description"] is None
    assert body["branding"]["signatoryName"] is None


def test_a_blank_competency_description_is_null(client: FlaskClient, world: World) -> None:
    payload = certification_payload(competencies=[{"name": "Python", "description": "  "}])
    response = client.post(
        "/api/v1/micro-certifications", json=payload, headers=world.provider.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["competencies"][0]["description"] is None


@pytest.mark.parametrize("field", ["name", "description", "criteriaNarrative"])
def test_a_blank_certification_field_that_has_no_null_is_refused(
    client: FlaskClient, world: World, field: str
) -> None:
    response = client.patch(
        f"/api/v1/micro-certifications/{world.certification.id}",
        json={field: "  "},
        headers=world.provider.headers,
    )
    body = assert_422(response, field)
    assert "blank" in body["description"]


def test_a_blank_suspension_reason_is_no_reason(
    client: FlaskClient, make: Factory, world: World
) -> None:
    make.assess(
        world.provider,
        world.project_id,
        dict.fromkeys(world.certification.competency_ids, "accepted"),
    )
    issued = client.post(
        "/api/v1/credentials",
        json={"freelancerId": world.freelancer_id, "certificationId": world.certification.id},
        headers=world.provider.headers,
    )
    assert issued.status_code == 201, issued.get_data(as_text=True)
    response = client.post(
        f"/api/v1/credentials/{issued.get_json()['id']}/suspend",
        json={"reason": " "},
        headers=world.provider.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "suspended"


# --- page numbers -----------------------------------------------------------------------

LISTS = [
    "/api/v1/freelancers",
    "/api/v1/micro-certifications",
    "/api/v1/credentials",
    "/api/v1/audit-events",
]


@pytest.mark.parametrize("path", LISTS)
def test_a_page_past_the_end_is_empty(client: FlaskClient, world: World, path: str) -> None:
    response = client.get(f"{path}?page=999999", headers=world.provider.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["items"] == []


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("page", [str(10**36), "1000001", "0", "-1", "abc", "1e3", ""])
def test_an_absurd_page_number_is_422(
    client: FlaskClient, world: World, path: str, page: str
) -> None:
    response = client.get(f"{path}?page={page}", headers=world.provider.headers)
    assert_422(response, "page")


def test_a_bulk_job_page_past_the_end_or_absurd(client: FlaskClient, world: World) -> None:
    created = client.post(
        "/api/v1/bulk-issuances",
        json={"rows": [{"freelancerId": "frl_nobody", "certificationId": world.certification.id}]},
        headers=world.provider.headers,
    )
    assert created.status_code == 202, created.get_data(as_text=True)
    job = created.get_json()["id"]
    past = client.get(f"/api/v1/bulk-issuances/{job}?page=5000", headers=world.provider.headers)
    assert past.status_code == 200
    assert past.get_json()["items"] == []
    absurd = client.get(
        f"/api/v1/bulk-issuances/{job}?page={10**36}", headers=world.provider.headers
    )
    assert_422(absurd, "page")


# --- NUL: PostgreSQL's text cannot hold it -------------------------------------------------


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/api/v1/freelancers", {"name": f"a{NUL}b", "email": "n@example.com"}, "name"),
        ("/api/v1/micro-certifications", certification_payload(description=NUL), "description"),
        (
            "/api/v1/micro-certifications",
            certification_payload(competencies=[{"name": "x", "description": f"y{NUL}"}]),
            "competencies[0].description",
        ),
    ],
)
def test_nul_in_a_json_field_is_422_naming_it(
    client: FlaskClient, world: World, path: str, payload: dict[str, Any], field: str
) -> None:
    response = client.post(path, json=payload, headers=world.provider.headers)
    body = assert_422(response, field)
    assert "NUL" in body["description"]


def test_nul_in_a_patch_and_in_branding(client: FlaskClient, world: World) -> None:
    response = client.patch(
        "/api/v1/issuer",
        json={"branding": {"signatoryName": f"Dr{NUL}"}},
        headers=world.provider.headers,
    )
    assert_422(response, "branding.signatoryName")
    response = client.patch(
        f"/api/v1/projects/{world.project_id}",
        json={"clientName": NUL},
        headers=world.provider.headers,
    )
    assert_422(response, "clientName")


def test_nul_in_the_query_or_a_path_id(client: FlaskClient, world: World) -> None:
    assert_422(
        client.get("/api/v1/audit-events?action=a%00b", headers=world.provider.headers), "action"
    )
    response = client.get("/api/v1/freelancers/frl_%00x", headers=world.provider.headers)
    assert response.status_code == 404


def test_nul_in_a_csv_bulk_body(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/bulk-issuances",
        data=f"freelancerEmail,certificationId\na{NUL}@example.com,{world.certification.id}\n",
        content_type="text/csv",
        headers=world.provider.headers,
    )
    assert_422(response, "body")


# --- patterns match the whole value -----------------------------------------------------


@pytest.mark.parametrize(
    ("path_kind", "payload", "field"),
    [
        ("freelancers", {"handle": "abc<script>"}, "handle"),
        ("freelancers", {"handle": "abc\n"}, "handle"),
        ("freelancers", {"did": "did:key:z6Mk<script>"}, "did"),
        ("freelancers", {"did": "did:key:z6Mk\n"}, "did"),
        ("issuer", {"branding": {"primaryColor": "#1f4e79<script>"}}, "branding.primaryColor"),
        ("issuer", {"branding": {"accentColor": "#1f4e79\n"}}, "branding.accentColor"),
        ("certification", {"slug": "good-slug<script>"}, "slug"),
    ],
)
def test_a_pattern_must_match_the_whole_value(
    client: FlaskClient, world: World, path_kind: str, payload: dict[str, Any], field: str
) -> None:
    path = {
        "freelancers": f"/api/v1/freelancers/{world.freelancer_id}",
        "issuer": "/api/v1/issuer",
        "certification": f"/api/v1/micro-certifications/{world.certification.id}",
    }[path_kind]
    assert_422(client.patch(path, json=payload, headers=world.provider.headers), field)


def test_whole_values_still_pass(client: FlaskClient, world: World) -> None:
    response = client.patch(
        f"/api/v1/freelancers/{world.freelancer_id}",
        json={
            "handle": "abc-def",
            "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        },
        headers=world.provider.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    response = client.patch(
        "/api/v1/issuer",
        json={"branding": {"primaryColor": "#1f4e79"}},
        headers=world.provider.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_documented_patterns_are_anchored(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    patterns = [
        prop["pattern"]
        for schema in spec["components"]["schemas"].values()
        for prop in schema.get("properties", {}).values()
        if "pattern" in prop
    ]
    assert len(patterns) >= 6
    for pattern in patterns:
        assert pattern.startswith("^(?:"), pattern
        assert pattern.endswith(")$"), pattern


# --- URLs that credentials carry as IRIs --------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        'https://example.com/a">b',
        "https://example.com/a<b>",
        "https://example.com/{x}",
        "https://example.com/a|b",
        "https://example.com/a\\b",
        "https://example.com/a^b",
        "https://example.com/a`b",
    ],
)
def test_a_url_that_is_no_iri_is_refused_at_input(
    client: FlaskClient, world: World, url: str
) -> None:
    response = client.post(
        f"/api/v1/freelancers/{world.freelancer_id}/projects",
        json=project_payload(url=url),
        headers=world.provider.headers,
    )
    assert_422(response, "url")
    payload = certification_payload()
    payload["competencies"][0]["alignment"]["targetUrl"] = url
    response = client.post(
        "/api/v1/micro-certifications", json=payload, headers=world.provider.headers
    )
    assert_422(response, "competencies[0].alignment.targetUrl")
    assert_422(
        client.patch("/api/v1/issuer", json={"url": url}, headers=world.provider.headers), "url"
    )


def test_a_url_stored_before_the_input_check_blocks_no_one(
    app: Flask, client: FlaskClient, make: Factory, world: World
) -> None:
    # A project URL with '">' stored before the check (issue 16) made rdfc issuance fail
    # later. It still cannot be signed as an IRI: a 422 naming it, and once the provider
    # corrects the project, rdfc issues.
    make.assess(
        world.provider,
        world.project_id,
        dict.fromkeys(world.certification.competency_ids, "accepted"),
    )
    with app.app_context():
        db.session.execute(
            sa.update(GigProject)
            .where(GigProject.id == world.project_id)
            .values(url='https://example.com/a">b')
        )
        db.session.commit()
    issue = {
        "freelancerId": world.freelancer_id,
        "certificationId": world.certification.id,
        "suite": "eddsa-rdfc-2022",
    }
    refused = client.post("/api/v1/credentials", json=issue, headers=world.provider.headers)
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert 'https://example.com/a">b' in refused.get_json()["description"]
    fixed = client.patch(
        f"/api/v1/projects/{world.project_id}",
        json={"url": "https://example.com/a%22%3Eb"},
        headers=world.provider.headers,
    )
    assert fixed.status_code == 200, fixed.get_data(as_text=True)
    issued = client.post("/api/v1/credentials", json=issue, headers=world.provider.headers)
    assert issued.status_code == 201, issued.get_data(as_text=True)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/gig?id=1&x=%22%3E#frag",
        "https://bücher.example/ä/ö?q=ü",
        "http://127.0.0.1:8080/path;p=1",
        "https://example.com/a'b(c)*!~$,+=:@",
        "https://[2001:db8::1]/x",
    ],
)
def test_every_accepted_url_issues(
    client: FlaskClient, make: Factory, world: World, url: str, suite: str
) -> None:
    headers = world.provider.headers
    project = client.post(
        f"/api/v1/freelancers/{world.freelancer_id}/projects",
        json=project_payload(url=url),
        headers=headers,
    )
    if project.status_code == 422:
        pytest.skip(f"refused at input: {project.get_json()['description']}")
    assert project.status_code == 201, project.get_data(as_text=True)
    outcomes = dict.fromkeys(world.certification.competency_ids, "accepted")
    make.assess(world.provider, project.get_json()["id"], outcomes)
    issued = client.post(
        "/api/v1/credentials",
        json={
            "freelancerId": world.freelancer_id,
            "certificationId": world.certification.id,
            "suite": suite,
        },
        headers=headers,
    )
    assert issued.status_code == 201, issued.get_data(as_text=True)


@pytest.mark.parametrize("name", ["a\x00b.csv", "x" * 256, "tab\there"])
def test_a_bulk_source_name_header_that_the_column_cannot_hold_is_400(
    client: FlaskClient, world: World, name: str
) -> None:
    response = client.post(
        "/api/v1/bulk-issuances",
        data=f"freelancerId,certificationId\n{world.freelancer_id},{world.certification.id}\n",
        content_type="text/csv",
        headers={**world.provider.headers, "Content-Disposition-Filename": name},
    )
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["field"] == "Content-Disposition-Filename"


def test_a_bulk_source_name_is_kept(client: FlaskClient, world: World) -> None:
    response = client.post(
        "/api/v1/bulk-issuances",
        data=f"freelancerId,certificationId\n{world.freelancer_id},{world.certification.id}\n",
        content_type="text/csv",
        headers={**world.provider.headers, "Content-Disposition-Filename": "März.csv"},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["sourceName"] == "März.csv"
