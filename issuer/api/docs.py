"""The browsable API reference at ``/api/v1/docs``, rendered server-side from the OpenAPI
document (no JavaScript, no CDN: the page works offline and in locked-down browsers)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template
from markupsafe import Markup, escape

from microcred.platform.extensions import api, limit_public

blp = Blueprint("api_docs_page", __name__)
limit_public(blp)

_METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_REF_PREFIX = "#/components/"


@dataclass
class Property:
    name: str
    type: str
    required: bool
    description: str = ""
    constraints: list[str] = field(default_factory=list)
    ref: str | None = None


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    secured: bool
    parameters: list[Property]
    request_schema: str | None
    request_content_type: str | None
    responses: list[tuple[str, str, str | None]]


def ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: Mapping[str, Any]) -> tuple[str, str | None]:
    """A readable type ("array of Competency", "string | null") and the schema it links to."""
    if "$ref" in schema:
        name = ref_name(schema["$ref"])
        return name, name
    for combiner in ("allOf", "oneOf", "anyOf"):
        if schema.get(combiner):
            labels = [type_label(s) for s in schema[combiner]]
            return " | ".join(label for label, _ in labels), next(
                (ref for _, ref in labels if ref), None
            )
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if "array" in kind and "items" in schema:
        inner, ref = type_label(schema["items"])
        return kind.replace("array", f"array of {inner}"), ref
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    return kind, None


def constraints(schema: Mapping[str, Any]) -> list[str]:
    out = []
    for key, label in (
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "min"),
        ("maximum", "max"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("pattern", "pattern"),
        ("default", "default"),
    ):
        if key in schema:
            out.append(f"{label}: {schema[key]}")
    if "enum" in schema:
        out.append("one of: " + ", ".join(str(v) for v in schema["enum"] if v is not None))
    if schema.get("readOnly"):
        out.append("read-only")
    if schema.get("writeOnly"):
        out.append("write-only")
    return out


def schema_properties(schema: Mapping[str, Any]) -> list[Property]:
    required = set(schema.get("required", ()))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        label, ref = type_label(prop)
        rows.append(
            Property(
                name=name,
                type=label,
                required=name in required,
                description=str(prop.get("description", "")),
                constraints=constraints(prop),
                ref=ref,
            )
        )
    return rows


def _parameters(spec: Mapping[str, Any], raw: list[Mapping[str, Any]]) -> list[Property]:
    rows = []
    for entry in raw:
        param = entry
        if "$ref" in entry:
            param = spec["components"]["parameters"][ref_name(entry["$ref"])]
        label, ref = type_label(param.get("schema", {}))
        rows.append(
            Property(
                name=f"{param['name']} ({param['in']})",
                type=label,
                required=bool(param.get("required")),
                description=str(param.get("description", "")),
                constraints=constraints(param.get("schema", {})),
                ref=ref,
            )
        )
    return rows


def _responses(
    spec: Mapping[str, Any], raw: Mapping[Any, Any]
) -> list[tuple[str, str, str | None]]:
    rows = []
    for status in sorted(raw, key=lambda s: (str(s) == "default", str(s))):
        response = raw[status]
        if isinstance(response, Mapping) and "$ref" in response:
            response = spec["components"]["responses"][ref_name(response["$ref"])]
        content = response.get("content", {}) if isinstance(response, Mapping) else {}
        schema = next(iter(content.values()), {}).get("schema", {})
        label = type_label(schema)[0] if schema else None
        rows.append((str(status), str(response.get("description", "")), label))
    return rows


def operations_by_tag(spec: Mapping[str, Any]) -> dict[str, list[Operation]]:
    grouped: dict[str, list[Operation]] = {tag["name"]: [] for tag in spec.get("tags", [])}
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in _METHOD_ORDER:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            content_type, media = next(iter(body.items()), (None, {}))
            operation = Operation(
                method=method.upper(),
                path=path,
                anchor=f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                secured=bool(op.get("security")),
                parameters=_parameters(spec, [*shared, *op.get("parameters", [])]),
                request_schema=type_label(media["schema"])[0] if media.get("schema") else None,
                request_content_type=content_type,
                responses=_responses(spec, op.get("responses", {})),
            )
            for tag in op.get("tags", ["other"]):
                grouped.setdefault(tag, []).append(operation)
    return grouped


@blp.app_template_filter("inline_code")
def inline_code(value: object) -> Markup:
    """Escape, then turn `backticks` from docstrings into <code> (nothing else is markup)."""
    return Markup(_CODE_SPAN.sub(r"<code>\1</code>", str(escape(value))))  # noqa: S704


@blp.get("/api/v1/docs")
def api_docs() -> str:
    spec = api.spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template(
        "api_docs.html",
        spec=spec,
        tags=spec.get("tags", []),
        operations=operations_by_tag(spec),
        schemas={name: schema_properties(s) for name, s in sorted(schemas.items())},
        schema_descriptions={name: s.get("description", "") for name, s in schemas.items()},
        security=spec.get("components", {}).get("securitySchemes", {}),
        base_url=current_app.config["MICROCRED_BASE_URL"],
    )
