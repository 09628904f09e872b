"""What an event costs a provider without webhook endpoints: the interest query that now
runs inside the event's transaction, against the fan-out task every event used to queue.

``python -m bench webhook_interest [--seconds N]``: a migrated SQLite database (the
default embedded setup) with one provider and no endpoints; the task queue is the default
SQLite one (huey). Results are in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.issuance import _app, _environment, build_world
from bench.timing import measure, pin_to_one_core, report

BASE_URL = "http://127.0.0.1:5999"


def run(seconds: float) -> None:
    print(f"== an event of a provider without webhooks ({pin_to_one_core()}) ==")
    with tempfile.TemporaryDirectory(prefix="microcred-bench-") as name:
        folder = Path(name)
        build_world(folder, BASE_URL, pool=1)
        app = _app(_environment(folder, BASE_URL))
        from issuer.services.events import Event
        from issuer.services.webhooks import FAN_OUT_TASK, _has_endpoints
        from microcred.platform.extensions import db
        from microcred.platform.queue import task_queue

        with app.app_context():
            event = Event("credential.issued", 1, "bench")
            session = db.session()
            query = measure(
                "interest query (in the transaction)",
                lambda _: _has_endpoints(event, session),
                seconds=seconds,
            )
            db.session.rollback()
            queue = task_queue(app)
            args = ("credential.issued", 1, "bench", None, "2026-01-01T00:00:00+00:00")
            enqueue = measure(
                "fan-out task queued (before)",
                lambda _: queue.enqueue(FAN_OUT_TASK, *args),
                seconds=seconds,
            )
        report(enqueue)
        report(query, baseline=enqueue)
