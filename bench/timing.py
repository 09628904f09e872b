"""Small timing helpers shared by the benchmarks: pin to one core, run for a duration, report."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass


def pin_to_one_core() -> str:
    """Pin this process to one CPU so figures are per core; returns what was done."""
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError):
        return "not pinned (sched_setaffinity unavailable)"
    return f"pinned to CPU {cpu}"


def unpin() -> None:
    """Undo ``pin_to_one_core`` (benchmarks that run a server and a load generator need all
    CPUs, and child processes inherit this process's affinity)."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


@dataclass(frozen=True)
class Rate:
    label: str
    ops: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.ops / self.seconds

    @property
    def ms_per_op(self) -> float:
        return 1000 * self.seconds / self.ops


def measure(
    label: str, work: Callable[[int], object], *, seconds: float = 2.0, warmup: int = 20
) -> Rate:
    """Call ``work(i)`` with i = 0, 1, 2, ... for about ``seconds`` (after a warm-up)."""
    for i in range(warmup):
        work(i)
    ops = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(10):
            work(ops)
            ops += 1
        now = time.perf_counter()
        if now >= deadline:
            return Rate(label, ops, now - start)


def report(rate: Rate, *, target: float | None = None, baseline: Rate | None = None) -> str:
    parts = [f"{rate.label:<46} {rate.per_second:>10,.0f} ops/s  {rate.ms_per_op:>8.3f} ms/op"]
    if target is not None:
        verdict = "meets" if rate.per_second >= target else "MISSES"
        parts.append(f"  target {target:,.0f}/s: {verdict} ({rate.per_second / target:.2f}x)")
    if baseline is not None:
        parts.append(f"  = {rate.per_second / baseline.per_second:.3f}x {baseline.label}")
    line = "".join(parts)
    print(line, flush=True)
    return line
