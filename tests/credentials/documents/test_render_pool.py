"""The render pool: a render past its time or memory budget is stopped and refused, the
pool carries on with a new renderer, and a busy pool says so instead of queueing forever."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from credentials.documents import render_pool
from credentials.documents.render_pool import RenderBudget, RenderPool, shared_pool
from credentials.errors import RenderBudgetError, RenderOverloadError, UnsupportedMediaError

# The jobs run in another process: they are module-level functions, found by name there.


def spin(seconds: float) -> int:
    """Burn ``seconds`` of CPU, then answer with the renderer's process id."""
    started = time.process_time()
    while time.process_time() - started < seconds:
        pass
    return os.getpid()


def sleep(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def allocate(mib: int) -> int:
    return len(bytearray(mib * 1024 * 1024))


def refuse() -> None:
    raise UnsupportedMediaError("not an image", field="image")


@pytest.fixture
def pool() -> Iterator[RenderPool]:
    made = RenderPool(RenderBudget(seconds=1.0, memory_mb=512, workers=1, queue_seconds=0.5))
    yield made
    made.close()


def test_a_render_runs_in_a_renderer_that_stays_warm(pool: RenderPool) -> None:
    first = pool.run(spin, 0.0)
    assert first != os.getpid()
    assert pool.run(spin, 0.0) == first  # the same process: its caches stay warm
    assert pool.renders == 2
    assert pool.replaced == 0


def test_a_render_over_its_time_is_killed_refused_and_the_next_one_renders(
    pool: RenderPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However busy the test machine (other test processes share its cores), a spinning
    # render reaches its CPU budget before the clock calls it starved.
    monkeypatch.setattr(render_pool, "_WALL_FACTOR", 30.0)
    before = pool.run(spin, 0.0)
    started = time.monotonic()
    with pytest.raises(RenderBudgetError) as refused:
        pool.run(spin, 60.0)
    assert time.monotonic() - started < 20  # stopped at its budget, not after 60 s of CPU
    assert refused.value.http_status == 422
    assert refused.value.code == "render_budget_exceeded"
    assert "budget of 1 s of CPU" in refused.value.message
    assert pool.replaced == 1
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)  # the runaway renderer is gone
    after = pool.run(spin, 0.0)
    assert after not in (before, os.getpid())


def test_a_render_over_its_memory_is_refused_and_the_next_one_renders(pool: RenderPool) -> None:
    assert pool.run(allocate, 64) == 64 * 1024 * 1024
    with pytest.raises(RenderBudgetError, match="more than the renderer's 512 MiB"):
        pool.run(allocate, 2048)
    assert pool.run(allocate, 64) == 64 * 1024 * 1024


def test_a_render_that_got_no_cpu_is_the_servers_fault_not_the_inputs(pool: RenderPool) -> None:
    with pytest.raises(RenderOverloadError) as busy:
        pool.run(sleep, 30.0)  # a stand-in for a renderer starved of CPU
    assert busy.value.http_status == 503
    assert busy.value.retry_after_seconds > 0
    assert pool.run(spin, 0.0) > 0


def test_no_free_renderer_in_time_is_an_overload(pool: RenderPool) -> None:
    pool.run(spin, 0.0)  # started, so the other thread does not wait on a cold start
    holder = threading.Thread(target=pool.run, args=(sleep, 2.0))  # holds the one renderer
    holder.start()
    time.sleep(0.1)
    try:
        with pytest.raises(RenderOverloadError, match="every renderer is busy"):
            pool.run(spin, 0.0)  # waits queue_seconds (0.5 s), not for the holder
        assert holder.is_alive()
    finally:
        holder.join()
    assert pool.run(spin, 0.0) > 0


def test_a_refusal_inside_the_renderer_reaches_the_caller_as_itself(pool: RenderPool) -> None:
    with pytest.raises(UnsupportedMediaError, match="not an image") as refused:
        pool.run(refuse)
    assert refused.value.field == "image"
    assert pool.replaced == 0  # a refusal is an answer: the renderer stays


def test_not_isolated_renders_in_the_calling_process() -> None:
    pool = RenderPool(RenderBudget(isolated=False))
    assert pool.run(spin, 0.0) == os.getpid()


def test_apps_with_the_same_budget_share_one_pool() -> None:
    budget = RenderBudget(seconds=7.0)
    assert shared_pool(budget) is shared_pool(RenderBudget(seconds=7.0))
    assert shared_pool(budget) is not shared_pool(RenderBudget(seconds=8.0))


def test_a_renderer_that_died_while_idle_is_replaced_without_blaming_the_next_render(
    pool: RenderPool,
) -> None:
    first = pool.run(spin, 0.0)
    os.kill(first, 9)
    time.sleep(0.2)
    second = pool.run(spin, 0.0)
    assert second != first
    assert pool.replaced == 1
