"""gunicorn settings: ``gunicorn -c python:microcred.gunicorn_conf microcred.wsgi:app``.

Environment (defaults are what docs/PERFORMANCE.md measured best on 2 cores):

- MICROCRED_BIND: address to listen on [0.0.0.0:8000]
- WEB_CONCURRENCY: worker processes [one per CPU]
- GUNICORN_THREADS: request threads per worker [1]
- GUNICORN_WORKER_CONNECTIONS: open client connections per worker [16]
- GUNICORN_TIMEOUT: seconds before a stuck worker is restarted [30]
- GUNICORN_LOG_LEVEL: error log level [info]; GUNICORN_ACCESS_LOG: access log file, '-'
  for stdout, '' for none [-]
- MICROCRED_CONTROL_SOCKET: gunicorn's control socket (``gunicornc -s PATH``), 'off' for
  none [gunicorn.ctl in the instance folder]

Several workers need PostgreSQL (DATABASE_URL) for concurrent issuance and a shared rate
limit store (RATELIMIT_STORAGE_URI=redis://…).
"""

import hashlib
import multiprocessing
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from microcred.platform.config import instance_path_from_env

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

# gunicorn ≥ 25.1 opens a control socket (for ``gunicornc``) at one path per user,
# $XDG_RUNTIME_DIR/gunicorn.ctl: a second instance on the machine takes it over from the
# first, so ``gunicornc`` would stop or resize the wrong service. Each instance gets its
# own, in its instance folder, next to its SQLite database and as private as it (0600).
_UNIX_PATH_MAX = 104  # sun_path holds 108 bytes on Linux, 104 on the BSDs and macOS


def _private_runtime_dir() -> Path:
    """A directory only this user can enter: $XDG_RUNTIME_DIR, else /tmp/microcred-<uid>."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isdir(runtime):
        return Path(runtime) / "microcred"
    return Path(tempfile.gettempdir()) / f"microcred-{os.getuid()}"


def control_socket_path(environ: Mapping[str, str]) -> str | None:
    """This instance's control socket, or None when MICROCRED_CONTROL_SOCKET is 'off'."""
    explicit = environ.get("MICROCRED_CONTROL_SOCKET", "").strip()
    if explicit.lower() in ("off", "none", "0"):
        return None
    if explicit:
        return explicit
    instance = Path(instance_path_from_env(environ) or Flask("microcred").instance_path)
    path = instance / "gunicorn.ctl"
    if len(os.fsencode(path)) < _UNIX_PATH_MAX:
        instance.mkdir(mode=0o700, parents=True, exist_ok=True)
        return str(path)
    # A deep instance folder does not fit in a socket address: name the instance by hash.
    digest = hashlib.sha256(os.fsencode(instance.resolve())).hexdigest()[:16]
    directory = _private_runtime_dir()
    directory.mkdir(mode=0o700, exist_ok=True)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError(
            f"{directory} is not a private directory of this user; set MICROCRED_CONTROL_SOCKET"
        )
    return str(directory / f"gunicorn-{digest}.ctl")


_control_socket = control_socket_path(os.environ)
if _control_socket is None:
    control_socket_disable = True
else:
    control_socket = _control_socket
    control_socket_mode = 0o600
