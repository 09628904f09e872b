"""gunicorn settings: ``gunicorn -c microcred/gunicorn_conf.py microcred.wsgi:app``.

Environment: MICROCRED_BIND (default 0.0.0.0:8000), WEB_CONCURRENCY (worker processes,
default 2 × CPUs + 1), GUNICORN_THREADS (per worker, default 2), GUNICORN_TIMEOUT
(seconds, default 30). Several workers need PostgreSQL (DATABASE_URL) and a shared rate
limit store (RATELIMIT_STORAGE_URI=redis://…); SQLite serialises writers.
"""

import multiprocessing
import os

bind = os.environ.get("MICROCRED_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The app is created in each worker after the fork: database connections are never shared
# between processes.
preload_app = False
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local reverse proxy (see MICROCRED_TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
