"""WSGI entry point for production (from a checkout or a wheel install alike):
``gunicorn -c python:microcred.gunicorn_conf microcred.wsgi:app``.

Creating the app here validates the configuration: a production server with development
secrets refuses to start, with one line naming the variable to fix.
"""

from credentials.errors import ConfigurationError
from microcred.app import create_app

try:
    app = create_app()
except ConfigurationError as exc:
    raise SystemExit(f"microcred cannot start: {exc.message}") from None
