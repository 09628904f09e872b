"""Instructions per request, counted by cachegrind: a figure the busy host cannot move.

Run: ``.venv/bin/python -m bench.instructions [--requests N] [--tree PATH ...] [OP ...]``.

Wall-clock rates on this shared host vary 10–30 % from minute to minute, so a change
that moves code around is compared by what it executes instead. For each operation a
child process builds the app, warms it up with a few requests, then serves ``N`` more
through the Flask test client (the WSGI app, rate limits off, SQLite in WAL mode);
``valgrind --tool=cachegrind --cache-sim=no`` counts its instructions once with ``N``
requests and once with none, and the figure is ``(I(N) − I(0)) / N``: start-up, imports
and the world's set-up cancel out. Start-up's objects are frozen out of the garbage
collector's way first (``gc.freeze()``), so runs of one tree agree to within about 1 %.

Operations:

- ``verify_jcs``, ``verify_rdfc``: ``POST /api/v1/verify`` with one of our credentials
  (every check, our own DID document and status lists read locally);
- ``issue_jcs``, ``issue_rdfc``: ``POST /api/v1/credentials`` with an API key, each
  request for another freelancer (two assessed projects each).

``--tree PATH`` (repeatable) measures the same operations with another checkout first on
``sys.path`` and this interpreter's packages (a side-by-side against an older commit:
``git worktree add ../base <commit>``); the first tree is the baseline of the ratio.
Needs valgrind (Debian's ``valgrind``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
OPERATIONS = ("verify_jcs", "verify_rdfc", "issue_jcs", "issue_rdfc")
WARMUP = 5
_TOTAL = re.compile(r"I\s+refs:\s+([\d,]+)")


# --- the child: one operation, N times ---------------------------------------------------------


def _child(operation: str, requests: int, folder: Path) -> None:
    import credentials
    from bench.issuance import _app, _environment

    if not Path(credentials.__file__).is_relative_to(Path.cwd()):
        raise SystemExit(f"measuring {credentials.__file__}, not the tree in {Path.cwd()}")
    world = json.loads((folder / "world.json").read_text())
    app = _app(_environment(folder, world["base_url"]))
    client = app.test_client()
    # What start-up built goes to the permanent generation: otherwise whether a full
    # collection of it falls inside the N requests moves the figure by up to 0.1 M from
    # run to run. The requests' own garbage is still collected, and counted.
    gc.collect()
    gc.freeze()
    kind, suite = operation.split("_")
    suite_name = {"jcs": "eddsa-jcs-2022", "rdfc": "eddsa-rdfc-2022"}[suite]
    if kind == "verify":
        # A different credential each time, as a client's traffic: verification caches
        # what it learnt about one document.
        for body in world["documents"][suite_name][: WARMUP + requests]:
            answer = client.post(
                "/api/v1/verify", data=body, headers={"Content-Type": "application/json"}
            )
            if answer.status_code != 200 or answer.get_json()["verdict"] != "valid":
                raise SystemExit(f"verification failed: {answer.get_data(as_text=True)[:300]}")
        return
    headers = {"Authorization": f"Bearer {world['token']}"}
    pool = world["freelancers"][suite_name]
    for freelancer in pool[: WARMUP + requests]:
        answer = client.post(
            "/api/v1/credentials",
            json={
                "freelancerId": freelancer,
                "certificationId": world["certification_id"],
                "suite": suite_name,
            },
            headers=headers,
        )
        if answer.status_code != 201:
            raise SystemExit(f"issuance failed: {answer.get_data(as_text=True)[:300]}")


# --- the world, built once per tree, outside valgrind -----------------------------------------


def _prepare(folder: Path, requests: int) -> None:
    from bench.issuance import _app, _environment, build_world

    # Ask the tree, not the import system: the venv's editable install would lend an old
    # tree this checkout's microcred.platform.
    if (Path.cwd() / "microcred" / "platform").is_dir():
        from microcred.platform.db import write_transaction
        from microcred.platform.extensions import db
    else:  # a tree from before the platform had its own package (d8ac39d)
        from microcred.db import write_transaction  # type: ignore[no-redef]
        from microcred.extensions import db  # type: ignore[no-redef]

    base_url = "http://127.0.0.1:5999"
    each = WARMUP + requests
    world = build_world(folder, base_url, 4 * each)
    app = _app(_environment(folder, base_url))
    documents: dict[str, list[str]] = {}
    with app.app_context():
        from issuer.services import issuers
        from issuer.services.issuance import issue_credential

        for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022"):
            documents[suite] = []
            for freelancer in world.take(each):
                with write_transaction(db.session):
                    issued = issue_credential(
                        issuers.get_issuer(world.slug),
                        freelancer_id=freelancer,
                        certification_id=world.certification_id,
                        suite=suite,
                        actor="bench",
                    )
                    documents[suite].append(issued.document)
        db.engine.dispose()
    half = len(world.freelancers) // 2
    (folder / "world.json").write_text(
        json.dumps(
            {
                "base_url": base_url,
                "token": world.token,
                "certification_id": world.certification_id,
                "documents": documents,
                "freelancers": {
                    "eddsa-jcs-2022": world.freelancers[:half],
                    "eddsa-rdfc-2022": world.freelancers[half:],
                },
            }
        )
    )


# --- the parent: count, subtract, compare ----------------------------------------------------


def _python(tree: Path, *args: str, valgrind: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    # This file runs as a script, so an older tree without it can be measured too; its
    # own bench/, credentials/, issuer/ … come first on the path.
    command = [sys.executable, str(Path(__file__).resolve()), *args]
    if valgrind:
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                   "--cachegrind-out-file=/dev/null", *command]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, env=env, cwd=tree, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed in {tree}:\n{done.stderr[-2000:]}")
    return done


def count(tree: Path, operation: str, requests: int, folder: Path) -> float:
    """Instructions per request of ``operation`` in ``tree``."""
    totals = []
    for n in (0, requests):
        # A fresh copy of the world each time: both runs start from the same database.
        run_folder = folder.with_name(f"{folder.name}-{operation}-{n}")
        shutil.rmtree(run_folder, ignore_errors=True)
        shutil.copytree(folder, run_folder)
        done = _python(tree, "--child", operation, str(n), str(run_folder), valgrind=True)
        match = _TOTAL.search(done.stderr)
        if match is None:
            raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-800:]}")
        totals.append(int(match.group(1).replace(",", "")))
        shutil.rmtree(run_folder, ignore_errors=True)
    return (totals[1] - totals[0]) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("operations", nargs="*", metavar="OP", help=", ".join(OPERATIONS))
    parser.add_argument("--requests", type=int, default=100, help="requests counted per run")
    parser.add_argument("--tree", action="append", type=Path, help="checkout to measure")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]), Path(args.child[2]))
        return
    if args.prepare:
        _prepare(Path(args.prepare[0]), int(args.prepare[1]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    unknown = sorted(set(args.operations) - set(OPERATIONS))
    if unknown:
        parser.error(f"unknown operation(s): {', '.join(unknown)}")
    trees = [tree.resolve() for tree in args.tree or [HERE]]
    operations = args.operations or list(OPERATIONS)
    results: dict[str, list[float]] = {op: [] for op in operations}
    with tempfile.TemporaryDirectory(prefix="microcred-instructions-") as scratch:
        for number, tree in enumerate(trees):
            world = Path(scratch) / f"world{number}"
            world.mkdir()
            _python(tree, "--prepare", str(world), str(args.requests))
            for operation in operations:
                results[operation].append(count(tree, operation, args.requests, world))
    _report(trees, results, args.requests)


def _report(trees: list[Path], results: dict[str, list[float]], requests: int) -> None:
    print(f"# instructions per request (cachegrind, (I({requests}) - I(0)) / {requests})")
    for number, tree in enumerate(trees):
        print(f"#   tree {number}: {tree}")
    for operation, figures in results.items():
        cells = [f"{figure / 1e6:8.2f} M" for figure in figures]
        ratios: list[Any] = [f"{figure / figures[0] - 1:+.1%}" for figure in figures[1:]]
        print(f"{operation:12} " + "  ".join(cells) + ("  " + " ".join(ratios) if ratios else ""))


if __name__ == "__main__":
    main()
