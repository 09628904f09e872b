"""The soak's figures (``bench.soak``): the tallies and samples it collects, the tables it
prints and the verdict."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

OPERATIONS = ("issue", "freelancer", "verify", "pdf", "bulk", "revoke")

#: Memory is flat when no process's last-quarter median RSS exceeds its second-quarter
#: median by more than this. Why 10 %: bounded caches (decrypted keys, DID documents,
#: status lists, rendered-document bookkeeping) keep filling after the warm-up quarter as
#: the soak issues thousands of credentials, and pymalloc arenas and glibc heaps move RSS
#: by a few MiB; runs without a leak moved by 0.1 - 4.4 % (the 4.4 % in a 30 s run, all
#: warm-up). A leak still shows: a web worker holds ~190 MiB and served ~11 requests/s in
#: the recorded 10-minute run (docs/PERFORMANCE.md, "Soak"), so 10 % is ~6 KiB per request
#: over the 5 minutes between the two quarters' midpoints, on a quiet machine less.
FLAT_PERCENT = 10.0


@dataclass
class Tally:
    """Latencies and outcomes of one operation, shared by the client threads."""

    seconds: list[float] = field(default_factory=list)
    server_errors: int = 0
    unexpected: int = 0
    failed: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass
class Sample:
    at: float
    rss: dict[str, int]  # role -> KiB
    connections: int
    load1: float


def quarter_medians(samples: list[Sample], role: str) -> tuple[float, float] | None:
    values = [s.rss[role] for s in samples if role in s.rss]
    if len(values) < 8:
        return None
    q = len(values) // 4
    return statistics.median(values[q : 2 * q]), statistics.median(values[-q:])


# --- the run -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(tallies: dict[str, Tally], samples: list[Sample], elapsed: float) -> None:
    """The table of operations and the table of RSS over time."""
    print(
        f"\n{'operation':<11}{'count':>8}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'5xx':>6}{'other':>7}{'failed':>8}"
    )
    for op in OPERATIONS:
        tally = tallies.get(op)
        if tally is None or not tally.seconds:
            continue
        ms = [s * 1000 for s in tally.seconds]
        print(
            f"{op:<11}{len(ms):>8}{len(ms) / elapsed:>8.1f}{percentile(ms, 0.5):>9.1f}"
            f"{percentile(ms, 0.99):>9.1f}{max(ms):>9.1f}{tally.server_errors:>6}"
            f"{tally.unexpected:>7}{tally.failed:>8}"
            + (f"  e.g. {', '.join(tally.examples)}" if tally.examples else "")
        )
    total = sum(len(t.seconds) for t in tallies.values())
    print(f"{'all':<11}{total:>8}{total / elapsed:>8.1f}")
    roles = sorted({role for s in samples for role in s.rss}, key=lambda r: (r[:3], r))
    print(
        "\nRSS in MiB over time (web-N: gunicorn master, web-N/1: its worker; "
        "worker-N: queue worker); pg: the database's connections; load: 1-min load average"
    )
    print(f"{'t s':>6}" + "".join(f"{role:>10}" for role in roles) + f"{'pg':>5}{'load':>6}")
    for s in samples:
        cells = "".join(
            f"{s.rss[role] / 1024:>10.1f}" if role in s.rss else f"{'-':>10}" for role in roles
        )
        print(f"{s.at:>6.0f}{cells}{s.connections:>5}{s.load1:>6.1f}")


def cpu_per_request(tallies: dict[str, Tally], cpu: dict[str, float]) -> None:
    """Requests per CPU-second of the web workers: unlike wall-clock throughput, it holds
    on a machine shared with other work (how many a web worker serves per core)."""
    web = sum(t for role, t in cpu.items() if role.startswith("web-") and "/" in role)
    queue = sum(t for role, t in cpu.items() if role.startswith("worker-"))
    total = sum(len(t.seconds) for t in tallies.values())
    per_op = ", ".join(f"{op} {len(t.seconds) / web:.1f}" for op, t in tallies.items() if web)
    print(
        f"# web workers: {web:.1f} CPU s for {total} requests = {total / max(web, 1e-9):.1f} "
        f"requests per CPU-second ({per_op}); queue workers: {queue:.1f} CPU s"
    )


def verdict(tallies: dict[str, Tally], samples: list[Sample], bulk_ok: bool) -> int:
    """The verdict line; the exit status (0: no 5xx, no failed request, memory flat, bulk
    exactly once)."""
    server_errors = sum(t.server_errors for t in tallies.values())
    failed = sum(t.failed for t in tallies.values())
    roles = sorted({role for s in samples for role in s.rss})
    growth: dict[str, float] = {}
    for role in roles:
        medians = quarter_medians(samples, role)
        if medians is not None:
            growth[role] = 100 * (medians[1] - medians[0]) / medians[0]
    flat = all(g <= FLAT_PERCENT for g in growth.values())
    if growth:
        worst = max(growth, key=lambda r: growth[r])
        memory = (
            f"memory {'flat' if flat else 'GROWING'} (last-quarter vs second-quarter "
            f"median RSS, largest change {growth[worst]:+.1f}% in {worst}; bound "
            f"+{FLAT_PERCENT:.0f}%)"
        )
    else:
        memory = "memory not judged (fewer than 8 samples)"
    ok = server_errors == 0 and failed == 0 and flat and bulk_ok
    print(
        f"\nverdict: {'PASS' if ok else 'FAIL'}: {server_errors} 5xx, {failed} failed "
        f"requests, {memory}, bulk {'exactly once' if bulk_ok else 'NOT exactly once'}"
    )
    return 0 if ok else 1
