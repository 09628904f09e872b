"""The authenticated issuer API under ``/api/v1`` (flask-smorest blueprints)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from issuer.api import (
    certifications,
    docs,
    freelancers,
    me,
    projects,
    webhooks,  # fl-webhooks
)
from issuer.api.blueprint import SECURITY_SCHEME, ApiBlueprint

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api

__all__ = ["ApiBlueprint", "register_api"]

#: Registered in this order (= order of tags in the OpenAPI document and the docs page).
BLUEPRINTS = (me.blp, certifications.blp, freelancers.blp, projects.blp)
# --- fl-webhooks ---
BLUEPRINTS = (*BLUEPRINTS, webhooks.blp)
# --- end fl-webhooks ---


def register_api(app: Flask, api: Api) -> None:
    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "mc_<prefix>_<secret>",
            "description": "An API key of one training provider (microcred issuers create / "
            "api-keys create). It reaches only that provider's data, and only what its scopes "
            "allow: each operation lists the scope it needs under `security` (read: every GET; "
            "issue: evidence and issuance; revoke: revoke, suspend, unsuspend; manage: "
            "micro-certifications and the provider; webhooks: the webhook endpoints, reading "
            "included). Without it: 403 insufficient_scope. "
            "Keys expire (401 api_key_expired).",
        },
    )
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.blp)
