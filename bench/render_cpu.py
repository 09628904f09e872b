"""CPU time per certificate render: this process plus its renderer processes.

Run from a tree's root: ``.venv/bin/python -m bench.render_cpu`` (or, against an older
tree, ``cd ../base && ../svg-budget/.venv/bin/python /path/to/bench/render_cpu.py``; it
imports ``bench.documents`` from the working directory). The world is the documents
benchmark's; 10 warm-up renders, then 5 × 20, each batch's CPU time (``process_time`` of
this process plus ``/proc/<pid>/stat`` of the render pool's processes, none before the
pool) divided by 20. CPU time moves far less than wall time on a shared, busy host.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())
from bench.documents import World, _render_through_service, build_world
from bench.timing import pin_to_one_core


def cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def renderers(world: World) -> list[int]:
    try:
        from sharing.state import sharing

        with world.app.app_context():
            return [r.process.pid for r in sharing().documents.pool._all if r.process.pid]
    except AttributeError:
        return []


def main() -> None:
    pin_to_one_core()
    with tempfile.TemporaryDirectory() as tmp:
        world = build_world(Path(tmp))
        render = _render_through_service(world)
        for i in range(10):
            render(i)
        pids = renderers(world)
        samples: list[float] = []
        for _ in range(5):
            c0 = time.process_time() + sum(cpu_of(p) for p in pids)
            for i in range(20):
                render(i)
            c1 = time.process_time() + sum(cpu_of(p) for p in pids)
            samples.append((c1 - c0) / 20 * 1000)
        print(
            f"CPU per render (ms, 5 x 20 renders, this process + {len(pids)} renderer(s)):",
            " ".join(f"{s:.1f}" for s in samples),
            f"median {statistics.median(samples):.1f}",
        )


if __name__ == "__main__":
    main()
