"""Every response a test receives is checked against the served OpenAPI document.

``CheckedClient`` is a Flask test client that, after each request whose path and method
the document describes, validates the response: its status must be documented (or a
``default`` given) and a JSON body must match the documented schema (OpenAPI 3.1 JSON
Schema, ``additionalProperties: false`` included). A mismatch fails the test that made
the request, naming the operation, the status and the first schema error.

The document is fetched once per app from ``/api/v1/openapi.json`` (what clients see).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

SPEC_URL = "/api/v1/openapi.json"
_SPEC_KEY = "tests.openapi_check"
_PARAMETER = re.compile(r"\{[^}/]+\}")


class OpenApiDocument:
    """The served document, with its paths as regexes and a validator per schema."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.paths = [
            (re.compile("^" + _PARAMETER.sub("[^/]+", path) + "$"), item)
            for path, item in spec.get("paths", {}).items()
        ]
        resource = Resource(contents=spec, specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)

    def operation(self, path: str, method: str) -> dict[str, Any] | None:
        for pattern, item in self.paths:
            if pattern.match(path) and method.lower() in item:
                return dict(item[method.lower()])
        return None

    def response_schema(self, operation: dict[str, Any], status: int) -> tuple[bool, Any]:
        """(documented, JSON schema or None) for ``status`` of ``operation``."""
        responses = operation.get("responses", {})
        response = responses.get(str(status), responses.get("default"))
        if response is None:
            return False, None
        if "$ref" in response:
            response = self.resolve(response["$ref"])
        media = response.get("content", {}).get("application/json")
        return True, (media or {}).get("schema")

    def resolve(self, ref: str) -> Any:
        node: Any = self.spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def errors(self, schema: dict[str, Any], body: Any) -> list[str]:
        validator = OAS31Validator(
            {"$ref": "urn:openapi#" + schema["$ref"][1:]} if "$ref" in schema else schema,
            registry=self.registry,
        )
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
            for e in validator.iter_errors(body)
        ]


def document_for(app: Flask) -> OpenApiDocument:
    document: OpenApiDocument | None = app.extensions.get(_SPEC_KEY)
    if document is None:
        spec = FlaskClient(app).get(SPEC_URL).get_json()
        document = app.extensions[_SPEC_KEY] = OpenApiDocument(spec)
    return document


def check_response(app: Flask, method: str, path: str, response: TestResponse) -> None:
    """Raise AssertionError when ``response`` breaks the document's description of it."""
    document = document_for(app)
    operation = document.operation(path, method)
    if operation is None:
        return  # not an API operation (pages, DID documents, badges)
    name = f"{method.upper()} {path}"
    documented, schema = document.response_schema(operation, response.status_code)
    assert documented, f"{name} answered {response.status_code}, which is not documented"
    if schema is None or response.mimetype != "application/json":
        return
    body = response.get_json()
    problems = document.errors(schema, body)
    assert not problems, (
        f"{name} answered {response.status_code} with a body that breaks its schema: "
        f"{problems[0]} (of {len(problems)}); body: {str(body)[:300]}"
    )


class CheckedClient(FlaskClient):
    """A test client whose every response is checked against the OpenAPI document."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response: TestResponse = super().open(*args, **kwargs)
        request = response.request
        if request.path != SPEC_URL:
            check_response(self.application, request.method, request.path, response)
        return response
