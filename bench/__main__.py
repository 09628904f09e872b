"""Run every benchmark, or the ones named: ``python -m bench [core ...] [--seconds N]``.

Each benchmark is a module of this package with a ``run(seconds)`` function; results
and how to reproduce them are recorded in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import importlib

BENCHMARKS = ["core", "issuance", "verify_http", "documents", "webhook_interest"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)}")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each figure")
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in args.names or BENCHMARKS:
        importlib.import_module(f"bench.{name}").run(args.seconds)
        print()


if __name__ == "__main__":
    main()
