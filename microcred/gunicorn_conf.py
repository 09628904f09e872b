"""gunicorn settings: ``gunicorn -c python:microcred.gunicorn_conf microcred.wsgi:app``.

Environment (defaults are what docs/PERFORMANCE.md measured best on 2 cores):

- MICROCRED_BIND: address to listen on [0.0.0.0:8000]
- WEB_CONCURRENCY: worker processes [one per CPU]
- GUNICORN_THREADS: request threads per worker [1]
- GUNICORN_WORKER_CONNECTIONS: open client connections per worker [16]
- GUNICORN_TIMEOUT: seconds before a stuck worker is restarted [30]
- GUNICORN_LOG_LEVEL: error log level [info]; GUNICORN_ACCESS_LOG: access log file, '-'
  for stdout, '' for none [-]

Several workers need PostgreSQL (DATABASE_URL) for concurrent issuance and a shared rate
limit store (RATELIMIT_STORAGE_URI=redis://…).
"""

import multiprocessing
import os

bind = os.environ.get("MICROCRED_BIND", "0.0.0.0:8000")

# Verifying and signing are CPU-bound Python: one process per core does the work, and extra
# threads in a process only queue on the GIL (measured: 2 workers x 4 threads verify ~40%
# fewer credentials per second than 2 x 1, with twice the p99 latency). gthread rather than
# sync keeps client connections alive: a sync worker pays a TCP handshake per request.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A worker stops accepting once it holds this many connections, so kept-alive connections
# spread over the workers instead of piling onto whichever accepted first (one worker with
# three quarters of the connections doubled the p99 latency in bench/verify_http.py).
# Queued connections wait in the kernel's backlog, where any free worker takes them. Run
# behind a TLS-terminating reverse proxy (production needs https anyway), which holds the
# clients' idle connections; raise this when clients connect directly.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "16"))

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Restart workers now and then so that a slow leak cannot grow without bound; at a thousand
# requests a second a few thousand would mean a cold restart every few seconds.
max_requests = 100_000
max_requests_jitter = 10_000

# The app is created in each worker after the fork: database connections are never shared
# between processes.
preload_app = False

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local reverse proxy (see MICROCRED_TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
