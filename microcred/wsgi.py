"""WSGI entry point for production (from a checkout or a wheel install alike):
``gunicorn -c python:microcred.gunicorn_conf microcred.wsgi:app``.

Creating the app here validates the configuration: a production server with development
secrets, or a base URL its issuers were not minted for, refuses to start, with one line
naming what to fix.
"""

import sys

from credentials.errors import ConfigurationError
from microcred.app import create_app

#: gunicorn's WORKER_BOOT_ERROR: the arbiter stops ("Worker failed to boot") instead of
#: respawning a worker that can never start (any other status is respawned forever).
BOOT_ERROR = 3

try:
    app = create_app()
except ConfigurationError as exc:
    print(f"microcred cannot start: {exc.message}", file=sys.stderr)
    raise SystemExit(BOOT_ERROR) from None
