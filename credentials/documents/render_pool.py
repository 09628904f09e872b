"""Renders with a time and memory budget: a few warm child processes, killed on overrun.

WeasyPrint (PDF certificates) and resvg (badge PNGs) run in the request's thread, and
neither can be stopped from Python once it has started: resvg holds the GIL for the whole
render, and WeasyPrint spends its time in Pango, HarfBuzz and zlib. A thread cannot be
killed and an address-space limit applies to a whole process, so a render that ran away
tied up a worker (and its memory) for as long as it liked. Here each render runs in one of
``workers`` child processes that

- live as long as the pool, so the per-thread caches of :mod:`~credentials.documents.pdf`
  (parsed templates, the stylesheet, fonts, decoded images) stay warm: a render costs
  what it did in-process plus sending its inputs and the result through a pipe;
- are started by a fork server with the renderers already imported, never forked from a
  threaded web worker (a lock held by another thread at the fork would be held forever);
- run under ``RLIMIT_AS`` (``memory_mb``): an allocation past it fails in the child
  (a ``MemoryError``, or the child dies), never in the web worker;
- import the web process's main module again when they start, as every ``multiprocessing``
  child does: a script that renders must keep its top level under
  ``if __name__ == "__main__":`` (gunicorn, the ``microcred`` command and pytest do);
- are killed (SIGKILL) and replaced when a render has used ``seconds`` of CPU time
  without answering, or has not answered after three times ``seconds`` on the clock.

Who is at fault decides the answer. The budget is CPU time, read from /proc every few tens
of milliseconds, so a busy machine does not make an ordinary document look hostile: a render
that used up its CPU budget, or ran out of memory, asked for too much, and the input is
refused (:class:`RenderBudgetError`, 422). A render that did not get its CPU within three
times its budget on the clock was starved by a busy machine, and no renderer free within
``queue_seconds`` means too many renders at once: both are :class:`RenderOverloadError`
(503 with Retry-After), and the client retries.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from credentials.errors import MicrocredError, RenderBudgetError, RenderOverloadError

__all__ = ["RenderBudget", "RenderPool", "shared_pool"]

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: Imported once by the fork server, so each renderer starts with them loaded.
_PRELOAD: Final = ["credentials.documents.pdf", "credentials.documents.svg_raster"]
#: A render that has not had its CPU budget after this many times its wall time was starved.
_WALL_FACTOR: Final = 3.0
_MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RenderBudget:
    """What one render may take; see docs/DEPLOYMENT.md ("Rendering budget")."""

    seconds: float = 5.0  # CPU time of one render (the clock allows three times as much)
    memory_mb: int = 1024  # address space of each renderer process
    workers: int = 2  # renderer processes per web process
    queue_seconds: float = 5.0  # wait for a free renderer before answering 503
    isolated: bool = True  # False: render in the calling thread, without the hard bounds


def _serve(conn: multiprocessing.connection.Connection, memory_bytes: int) -> None:
    """A renderer's life: one job at a time from ``conn`` until the pipe closes."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            func, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = ("ok", func(*args, **kwargs))
        except MemoryError:
            answer = ("memory", None)
        except MicrocredError as exc:
            answer = ("error", exc)
        except Exception as exc:  # sent back as it is; the caller's code decides
            answer = ("error", exc)
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # an answer that does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of ``pid`` so far, from /proc (None where there is none)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Renderer:
    def __init__(self, context: Any, memory_bytes: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, memory_bytes), name="microcred-renderer", daemon=True
        )
        self.process.start()
        child.close()
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


class RenderPool:
    """``run(func, *args, **kwargs)`` in a renderer under ``budget``; thread-safe."""

    def __init__(self, budget: RenderBudget) -> None:
        self.budget = budget
        self.renders = 0  # finished renders, for tests and the benchmark
        self.replaced = 0  # renderers killed or lost and started anew
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: queue.LifoQueue[_Renderer | None] = queue.LifoQueue()
        for _ in range(self.budget.workers):
            self._idle.put(None)  # a free slot whose renderer starts on first use
        self._all: list[_Renderer] = []

    def _context(self) -> Any:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context

    def run(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``func(*args, **kwargs)`` within the budget; all of them must pickle."""
        if not self.budget.isolated:
            return func(*args, **kwargs)
        with self._lock:
            if self._pid != os.getpid():  # a forked copy: its parent's renderers are not ours
                self._reset()
        try:
            renderer = self._idle.get(timeout=self.budget.queue_seconds)
        except queue.Empty:
            raise RenderOverloadError(
                f"every renderer is busy ({self.budget.workers} per process); retry shortly"
            ) from None
        try:
            if renderer is not None and not renderer.process.is_alive():
                # Died while idle (the OOM killer, an operator): not this document's doing.
                self._replace(renderer)
                renderer = None
            if renderer is None:
                renderer = self._start()
            return self._ask(renderer, (func, args, kwargs))
        finally:
            # A killed renderer leaves its slot empty: the next render there starts anew.
            self._idle.put(None if renderer is None or renderer.stopped else renderer)

    def _start(self) -> _Renderer:
        renderer = _Renderer(self._context(), self.budget.memory_mb * _MIB)
        with self._lock:
            self._all.append(renderer)
        return renderer

    def _replace(self, renderer: _Renderer) -> None:
        """Kill ``renderer``; its slot starts a new one on next use."""
        renderer.stop()
        with self._lock:
            if renderer in self._all:
                self._all.remove(renderer)
            self.replaced += 1

    def _ask(self, renderer: _Renderer, job: tuple[Callable[..., T], tuple[Any, ...], Any]) -> T:
        budget = self.budget
        pid = renderer.process.pid or 0
        cpu_before = _cpu_seconds(pid)
        started = time.monotonic()
        step = min(0.05, budget.seconds / 10)
        status: str = "lost"
        value: Any = None
        try:
            renderer.conn.send(job)
            while True:
                if renderer.conn.poll(step):
                    status, value = renderer.conn.recv()
                    break
                status = self._overrun(pid, cpu_before, time.monotonic() - started)
                if status:
                    break
        except (EOFError, OSError):
            status = "lost"
        if status == "ok":
            self.renders += 1
            result: T = value
            return result
        if status == "error" and isinstance(value, BaseException):
            raise value
        self._replace(renderer)
        elapsed = time.monotonic() - started
        if status == "cpu":
            raise RenderBudgetError(
                f"the document takes more than its budget of {budget.seconds:g} s of CPU to render"
            )
        if status == "starved":
            raise RenderOverloadError(
                f"the render was not done after {elapsed:.1f} s, with less than its"
                f" {budget.seconds:g} s of CPU: the server is busy; retry shortly"
            )
        if status == "memory":
            raise RenderBudgetError(
                f"the document needs more than the renderer's {budget.memory_mb} MiB of memory"
                f" (stopped after {elapsed:.1f} s)"
            )
        # Died without an answer: how a C library fails an allocation under RLIMIT_AS
        # (abort, segfault), so the input's doing as a rule; the log keeps the exit code.
        code = renderer.process.exitcode
        logger.warning("renderer %s stopped during a render (exit code %s)", pid, code)
        raise RenderBudgetError(
            f"the renderer stopped while drawing the document (exit code {code}, after"
            f" {elapsed:.1f} s; its memory budget is {budget.memory_mb} MiB)"
        )

    def _overrun(self, pid: int, cpu_before: float | None, elapsed: float) -> str:
        """ "cpu" once the render has had its budget of CPU time (the input asks too much,
        however busy the machine); "starved" once the wall clock passes the budget
        ``_WALL_FACTOR`` times over without that (the machine is too busy); else ""."""
        seconds = self.budget.seconds
        cpu_now = _cpu_seconds(pid)
        if cpu_before is None or cpu_now is None:  # no /proc: wall time is all there is
            return "cpu" if elapsed >= seconds else ""
        if cpu_now - cpu_before >= seconds:
            return "cpu"
        return "starved" if elapsed >= seconds * _WALL_FACTOR else ""

    def close(self) -> None:
        """Stop every renderer (the pool starts new ones if used again)."""
        with self._lock:
            renderers, self._all = self._all, []
        for renderer in renderers:
            renderer.stop()
        self._reset()


_POOLS: dict[RenderBudget, RenderPool] = {}
_POOLS_LOCK: Final = threading.Lock()


def shared_pool(budget: RenderBudget) -> RenderPool:
    """One pool per budget in this process: apps built with the same settings (tests build
    hundreds) share its renderers instead of each starting its own."""
    with _POOLS_LOCK:
        pool = _POOLS.get(budget)
        if pool is None:
            pool = _POOLS[budget] = RenderPool(budget)
        return pool
