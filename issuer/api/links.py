"""OpenAPI links between the issuer API's operations: what a created object's ``id`` can be
used for next. Clients read them as documentation; schemathesis follows them in its
stateful phase (create a freelancer, then add a project to it, assess it, issue…).

Added once every blueprint is registered (``issuer.api.issuing.init_app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask_smorest import Api

_ID = "$response.body#/id"

#: (path, method, status) of a creating operation → the operations its ``id`` feeds, each
#: as (link name, path, method, path parameter).
LINKS: dict[tuple[str, str, str], tuple[tuple[str, str, str, str], ...]] = {
    ("/api/v1/freelancers", "post", "201"): (
        ("GetFreelancer", "/api/v1/freelancers/{freelancer_id}", "get", "freelancer_id"),
        ("UpdateFreelancer", "/api/v1/freelancers/{freelancer_id}", "patch", "freelancer_id"),
        ("AddProject", "/api/v1/freelancers/{freelancer_id}/projects", "post", "freelancer_id"),
        ("ListProjects", "/api/v1/freelancers/{freelancer_id}/projects", "get", "freelancer_id"),
        ("GetProgress", "/api/v1/freelancers/{freelancer_id}/progress", "get", "freelancer_id"),
    ),
    ("/api/v1/freelancers/{freelancer_id}/projects", "post", "201"): (
        ("GetProject", "/api/v1/projects/{project_id}", "get", "project_id"),
        ("UpdateProject", "/api/v1/projects/{project_id}", "patch", "project_id"),
        ("DeleteProject", "/api/v1/projects/{project_id}", "delete", "project_id"),
        ("AssessProject", "/api/v1/projects/{project_id}/assessments", "put", "project_id"),
    ),
    ("/api/v1/micro-certifications", "post", "201"): (
        (
            "GetCertification",
            "/api/v1/micro-certifications/{certification_id}",
            "get",
            "certification_id",
        ),
        (
            "UpdateCertification",
            "/api/v1/micro-certifications/{certification_id}",
            "patch",
            "certification_id",
        ),
        (
            "RetireCertification",
            "/api/v1/micro-certifications/{certification_id}/retire",
            "post",
            "certification_id",
        ),
    ),
    ("/api/v1/credentials", "post", "201"): (
        ("GetCredential", "/api/v1/credentials/{credential_id}", "get", "credential_id"),
        ("RevokeCredential", "/api/v1/credentials/{credential_id}/revoke", "post", "credential_id"),
        (
            "SuspendCredential",
            "/api/v1/credentials/{credential_id}/suspend",
            "post",
            "credential_id",
        ),
        (
            "UnsuspendCredential",
            "/api/v1/credentials/{credential_id}/unsuspend",
            "post",
            "credential_id",
        ),
    ),
    ("/api/v1/bulk-issuances", "post", "202"): (
        ("GetBulkIssuance", "/api/v1/bulk-issuances/{job_id}", "get", "job_id"),
    ),
}


def _operation_ref(path: str, method: str) -> str:
    # JSON Pointer: "~" is "~0" and "/" is "~1".
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(api: Api) -> None:
    """Write ``LINKS`` into the registered operations' responses (apispec keeps the paths
    it will render in ``spec._paths``; flask-smorest offers no other way in)."""
    paths: dict[str, Any] = api.spec._paths
    for (path, method, status), targets in LINKS.items():
        response = paths[path][method]["responses"][status]
        links = response.setdefault("links", {})
        for name, target, target_method, parameter in targets:
            if target_method not in paths.get(target, {}):
                raise LookupError(f"no {target_method.upper()} {target} to link to")
            links[name] = {
                "operationRef": _operation_ref(target, target_method),
                "parameters": {parameter: _ID},
            }
