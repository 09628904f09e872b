"""Side by side, deterministically: Python function calls (and CPU time) per verification of
a Data Integrity credential through the API's parsing (``load_supported``, ``unwrap``,
``refuse_unsupported``) and ``Verifier.verify``, in a given source tree.

Wall-clock benchmarks on a shared, loaded machine cannot tell 5 % apart; a call count can:
the same count means no work was added to the path. Compare two commits with::

    git archive <base> | tar -x -C /tmp/base
    .venv/bin/python -m bench.verify_calls /tmp/base jcs
    .venv/bin/python -m bench.verify_calls . jcs          # and rdfc

(``PYTHONDONTWRITEBYTECODE=1`` keeps the other tree clean.) Added with the JWT formats
(issue 15, item 4: their detection must not slow our own credentials down).
"""

from __future__ import annotations

import json
import sys
import time
import uuid


def main(tree: str, suite_name: str, pool_size: int = 20, rounds: int = 15) -> str:
    sys.path.insert(0, tree)
    from credentials.formats import load_supported, refuse_unsupported
    from credentials.proofs import JCS, RDFC
    from credentials.verify import Verifier
    from tests.credentials import factories
    from verifier.web.inputs import unwrap

    suite = {"jcs": JCS, "rdfc": RDFC}[suite_name]
    pool = []
    for i in range(pool_size):
        doc = factories.credential(id=f"urn:uuid:{uuid.UUID(int=i)}")
        doc.pop("credentialStatus", None)
        pool.append(json.dumps(factories.signed(doc, suite=suite)).encode())
    verifier = Verifier.offline(clock=lambda: factories.NOW)

    def once(body: bytes) -> None:
        credential = unwrap(load_supported(body, whole=False))
        refuse_unsupported(credential)
        if not verifier.verify(credential).verified:
            raise SystemExit("the benchmark credential did not verify")

    for body in pool:
        once(body)  # warm the caches a long-running service has
    # Every call event, Python and C, counted exactly (cProfile's statistics merge the
    # generated ``__init__`` of different dataclasses, all "<string>:2", into one entry).
    counted = [0]

    def count(frame: object, event: str, arg: object) -> None:
        if event in ("call", "c_call"):
            counted[0] += 1

    sys.setprofile(count)
    for body in pool:
        once(body)
    sys.setprofile(None)
    calls = (counted[0] - 1) / len(pool)  # less the call that removes the hook
    cpu = []
    for _ in range(rounds):
        start = time.process_time()
        for body in pool:
            once(body)
        cpu.append((time.process_time() - start) / len(pool) * 1e6)
    cpu.sort()
    return (
        f"{tree} {suite_name}: {calls:.1f} calls/verification, "
        f"CPU µs min {cpu[0]:.0f} p25 {cpu[len(cpu) // 4]:.0f}"
    )


if __name__ == "__main__":
    print(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "jcs"))
