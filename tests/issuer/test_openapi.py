"""The served OpenAPI document is valid OpenAPI 3.1, and the response check that every
issuer test runs through (tests/openapi_check.py) fails on what it should fail on."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.issuer.factories import Factory
from tests.openapi_check import check_response, document_for


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_the_served_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_the_validator_catches_the_old_client_rating(spec: dict[str, Any]) -> None:
    # What the document said before: "null" twice, and bounds as strings.
    broken = copy.deepcopy(spec)
    rating = broken["components"]["schemas"]["ProjectCreate"]["properties"]["clientRating"]
    rating.update({"type": ["number", "null", "null"], "maximum": "5.0"})
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_client_rating_is_documented_as_a_number_from_0_to_5(spec: dict[str, Any]) -> None:
    for name in ("ProjectCreate", "ProjectUpdate"):
        rating = spec["components"]["schemas"][name]["properties"]["clientRating"]
        assert rating["type"] == ["number", "null"]
        assert (rating["minimum"], rating["maximum"]) == (0, 5)


def _json_response(app: Flask, status: int, body: Any) -> Any:
    return app.response_class(json.dumps(body), status=status, mimetype="application/json")


def test_the_response_check_refuses_an_undocumented_property(app: Flask) -> None:
    body = {"code": 404, "message": "Not Found", "description": "x", "error": "not_found"}
    check_response(app, "GET", "/api/v1/freelancers/frl_x", _json_response(app, 404, body))
    with pytest.raises(AssertionError, match="breaks its schema"):
        check_response(
            app, "GET", "/api/v1/freelancers/frl_x", _json_response(app, 404, {**body, "x": 1})
        )


def test_the_response_check_refuses_an_undocumented_status(app: Flask) -> None:
    body = {"code": 418, "message": "I'm a teapot", "description": "x", "error": "teapot"}
    with pytest.raises(AssertionError, match="not documented"):
        check_response(app, "POST", "/api/v1/verify", _json_response(app, 418, body))


def test_the_response_check_knows_the_vc_api_problem(app: Flask) -> None:
    # A VC API 400 carries microcred's members too; its schema says additionalProperties
    # false, so they must be documented there.
    document = document_for(app)
    problem = {
        "type": "https://www.w3.org/TR/vc-data-model#PARSING_ERROR",
        "title": "PARSING_ERROR",
        "detail": "not JSON",
        "code": 400,
        "message": "Bad Request",
        "description": "not JSON",
        "error": "malformed_credential",
        "field": "body",
        "errors": {"body": ["not JSON"]},
    }
    assert document.errors({"$ref": "#/components/schemas/VcApiProblem"}, problem) == []
    verify = {
        "verified": False,
        "problemDetails": [],
        **{k: problem[k] for k in ("code", "message", "description", "error", "field")},
    }
    assert document.errors({"$ref": "#/components/schemas/VcApiVerifyResponse"}, verify) == []


def test_links_lead_from_each_creation_to_operations_that_exist(spec: dict[str, Any]) -> None:
    found = 0
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for link in response.get("links", {}).values():
                    path, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
                    path = path.replace("~1", "/").replace("~0", "~")
                    assert method in spec["paths"][path], link
                    (parameter,) = link["parameters"]
                    assert "{" + parameter + "}" in path
                    found += 1
    assert found >= 15


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"verifiableCredential": 1}', '{"credential": {}, "x": 1}']
)
def test_vc_api_400_bodies_match_their_schemas(
    client: FlaskClient, make: Factory, body: str
) -> None:
    # CheckedClient validates each answer against its operation's schema, which says
    # additionalProperties: false; these once carried undocumented members.
    provider = make.provider()
    for path in ("/credentials/issue", "/credentials/verify"):
        response = client.post(
            path, data=body, content_type="application/json", headers=provider.headers
        )
        assert response.status_code == 400, response.get_data(as_text=True)
