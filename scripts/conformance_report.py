"""Summarise a `make conformance` run: per-suite counts and the failing tests.

    python scripts/conformance_report.py RESULTS_DIR

Reads the JSON lines that the suites' reporter (../shared/w3c/lib/reporter.cjs) wrote, one
file per suite. A test is passed, failed (also when a failed hook kept it from running:
"notrun") or n/a (the suite skipped it: an optional feature it does not test here). Exits 1
unless every applicable test passed and each suite defined the number of tests expected of
one implementation (a smaller number means a tag or a configuration is missing).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

#: Tests each suite defines for one issuer + verifier implementation (../shared/w3c/README.md).
EXPECTED = {
    "vc-data-model-2.0-test-suite": 59,
    "vc-di-eddsa-test-suite": 57,
    "vc-bitstring-status-list-test-suite": 27,
}


def summarise(folder: Path) -> bool:
    ok = True
    failures: list[str] = []
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    print(f"{'suite':<38} {'passed':>6} {'failed':>6} {'n/a':>5} {'total':>6} {'expected':>8}")
    for suite, expected in EXPECTED.items():
        path = folder / f"{suite}.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        passed = sum(r["state"] == "passed" for r in rows)
        failed = [r for r in rows if r["state"] in ("failed", "notrun")]
        skipped = sum(r["state"] == "skipped" for r in rows)
        print(f"{suite:<38} {passed:>6} {len(failed):>6} {skipped:>5} {len(rows):>6} {expected:>8}")
        totals["passed"] += passed
        totals["failed"] += len(failed) + max(expected - len(rows), 0)
        totals["skipped"] += skipped
        if failed or len(rows) != expected:
            ok = False
        if len(rows) != expected:
            failures.append(
                f"{suite}: {len(rows)} tests ran, {expected} expected (see {suite}.log)"
            )
        failures.extend(
            f"{suite} :: {r['suite'].split(' > ')[-1]} :: {r['title']}\n      {r.get('reason', '')}"
            for r in failed
        )
    if failures:
        print("\nfailing:")
        for line in failures:
            print(f"  {line}")
    print("\nconformance:", "every applicable test passed" if ok else "FAILED")
    # The plain closing line CI reads (n/a: the suites' own skips of optional features).
    print(
        f"conformance: {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['skipped']} skipped"
    )
    return ok


if __name__ == "__main__":
    sys.exit(0 if summarise(Path(sys.argv[1])) else 1)
