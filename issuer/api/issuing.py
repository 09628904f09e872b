"""Registers the issuance features: the credential and bulk APIs, the VC API issue
endpoint (with its OpenAPI entry) — called once by ``microcred.app.create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    from issuer.api import bulk, credentials, vcapi
    from issuer.api.links import add_links
    from issuer.api.vcapi_doc import document
    from issuer.services import housekeeping
    from issuer.services.bulk import worker as bulk_worker
    from microcred.platform.extensions import api
    from microcred.platform.queue import task_queue

    api.register_blueprint(credentials.blp)
    api.register_blueprint(bulk.blp)
    bulk_worker.register(app, task_queue(app))  # bulk jobs run on the queue's workers
    housekeeping.register(app, task_queue(app))  # expired links, offers and sessions, hourly
    app.register_blueprint(vcapi.blp)
    document(app, api)
    add_links(api)  # every issuer operation is registered now
