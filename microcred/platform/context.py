"""The running application, for code that does not import Flask itself.

Services (``issuer.services``) run inside an application context — a request's, a CLI
command's or a test's — but speak no HTTP: they import neither Flask nor werkzeug (the
``services-speak-no-http`` import contract). What they need from the application is its
configuration and its per-app objects (caches kept in ``app.extensions``); they ask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app


def app_config() -> Mapping[str, Any]:
    """The running application's configuration (``app.config``)."""
    return current_app.config


def running_app() -> Any:
    """The running application itself, for the per-app objects in its ``extensions``."""
    return current_app._get_current_object()  # type: ignore[attr-defined]
