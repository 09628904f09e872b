"""The task queue: Huey, one per app, its storage chosen by ``MICROCRED_QUEUE_URL``.

Work that outlives a request (bulk issuance; mail and webhooks next) is a Huey task that a
separate worker process runs (``microcred worker``). Storage, by URL:

- ``sqlite:///PATH`` (the default: ``queue.db`` in the instance folder), embedded, for one
  machine: the web process and its workers share the file;
- ``redis://HOST:PORT/DB`` (or ``rediss://``, ``unix://``) in production: every web
  process and worker on every machine shares it;
- ``memory://``, one process only: the tests' default (a consumer runs in a thread).

Huey has no acknowledgements: a task whose worker is killed is gone from the queue. The
features therefore keep their own durable state and a lease that a periodic task
reclaims (see ``issuer.services.bulk.lease``); this module only moves messages.

Features register their tasks through ``TaskQueue.task`` and ``TaskQueue.periodic``; the
function runs inside an app context of the app that registered it.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Huey, TaskWrapper
from huey.consumer import Consumer

from credentials.errors import ConfigurationError

EXTENSION_KEY = "microcred.queue"
DEFAULT_QUEUE_FILE = "queue.db"
REDIS_SCHEMES = ("redis", "rediss", "unix")

logger = logging.getLogger(__name__)


def make_huey(url: str, instance_path: str, name: str = "microcred") -> Huey:
    """A Huey on the storage ``url`` names (see the module docs); results are not kept:
    tasks record their outcome in the database. ``name`` keeps several instances (or test
    runs) apart on one Redis."""
    scheme = urlsplit(url).scheme
    if scheme in REDIS_SCHEMES:
        if importlib.util.find_spec("redis") is None:
            raise ConfigurationError(
                "MICROCRED_QUEUE_URL names Redis, but the redis package is not installed: "
                "pip install 'microcred[redis]'",
                field="MICROCRED_QUEUE_URL",
            )
        return RedisHuey(name, url=url, results=False)
    if scheme == "sqlite":
        # SQLAlchemy's spelling: sqlite:///relative (to the instance folder), sqlite:////abs
        filename = Path(instance_path, url.removeprefix("sqlite://").removeprefix("/"))
        if url.startswith("sqlite:////"):
            filename = Path(url.removeprefix("sqlite:///"))
        elif url.rstrip("/") == "sqlite:":
            filename = Path(instance_path, DEFAULT_QUEUE_FILE)
        filename.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(filename), results=False)
    if scheme == "memory":
        return MemoryHuey(name, results=False)
    raise ConfigurationError(
        f"MICROCRED_QUEUE_URL {url!r}: use sqlite:///PATH, redis://HOST:PORT/DB or memory://",
        field="MICROCRED_QUEUE_URL",
    )


@dataclass
class TaskQueue:
    """An app's Huey and the tasks registered on it, by name."""

    huey: Huey
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)

    def task(
        self, app: Flask, name: str, *, retries: int = 0, delay: float = 0, backoff: float = 0
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register ``func`` as the task ``name``, run in ``app``'s context; a failure is
        tried again ``retries`` times, after ``delay`` seconds multiplied by ``backoff``
        each time."""

        def register(func: Callable[..., Any]) -> TaskWrapper:
            wrapper = self.huey.task(
                retries=retries,
                retry_delay=delay,
                retry_backoff=backoff,
                name=name,
            )(_in_context(app, func))
            self.tasks[name] = wrapper
            return wrapper

        return register

    def periodic(
        self, app: Flask, name: str, *, minutes: str = "*"
    ) -> Callable[[Callable[..., Any]], TaskWrapper]:
        """Register ``func`` to run on the workers' scheduler (crontab ``minutes``)."""

        def register(func: Callable[..., Any]) -> TaskWrapper:
            wrapper = self.huey.periodic_task(crontab(minute=minutes), name=name)(
                _in_context(app, func)
            )
            self.tasks[name] = wrapper
            return wrapper

        return register

    def enqueue(self, name: str, *args: Any) -> bool:
        """Put the task ``name`` on the queue. False (logged) when the queue can't be
        reached: callers keep durable state that a sweep enqueues again later."""
        try:
            self.tasks[name](*args)
        except Exception:  # the storage's own errors (Redis, SQLite) vary by backend
            logger.exception("could not enqueue task %s%r", name, args)
            return False
        return True

    def run_pending(self) -> int:
        """Run every task that is due now in this thread (tests, and one-off sweeps)."""
        done = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            done += 1
        return done


def _in_context(app: Flask, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return func(*args, **kwargs)

    return run


def init_app(app: Flask) -> TaskQueue:
    # Tests default to memory:// so that each test app has a queue of its own.
    default = "memory://" if app.testing else f"sqlite:///{DEFAULT_QUEUE_FILE}"
    url = str(app.config.get("MICROCRED_QUEUE_URL") or default)
    name = str(app.config.get("MICROCRED_QUEUE_NAME") or "microcred")
    queue = TaskQueue(make_huey(url, app.instance_path, name))
    app.extensions[EXTENSION_KEY] = queue
    return queue


def task_queue(app: Flask | None = None) -> TaskQueue:
    queue = (app or current_app).extensions[EXTENSION_KEY]
    assert isinstance(queue, TaskQueue)  # noqa: S101 - set by init_app
    return queue


def describe(url: str | None) -> str:
    """The queue's storage for humans, without a password."""
    if not url:
        return f"sqlite (instance folder, {DEFAULT_QUEUE_FILE})"
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@")
    return url


class _ThreadConsumer(Consumer):  # type: ignore[misc]  # huey ships no type hints
    """A consumer whose threads run beside a server: signals stay the server's."""

    def _set_signal_handlers(self) -> None:
        pass


def consumer(app: Flask, *, workers: int, in_thread: bool = False) -> Consumer:
    """A consumer of ``app``'s queue with ``workers`` threads and the periodic scheduler.

    ``in_thread``: started beside a server (``microcred serve``), leaving its signal
    handlers alone; otherwise the caller calls ``run()`` (``microcred worker``)."""
    kind = _ThreadConsumer if in_thread else Consumer
    return kind(
        task_queue(app).huey,
        workers=workers,
        worker_type="thread",
        periodic=True,
        initial_delay=0.05,
        max_delay=1.0,
        scheduler_interval=1,
    )
