"""Core hot-path work for an instruction count: ``N`` rounds of verify + sign, both suites.

``bench.instructions`` counts whole HTTP requests through the app; this counts the
credential core alone (no app, no database), for changes inside ``credentials/``.

Wall-clock figures on a shared machine drift by several percent; instructions do not.
Run it twice under cachegrind, with ``N`` = 0 and ``N`` = 300, and divide the difference
by 300: that is the instructions one round costs, setup and warm-up excluded::

    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python -m bench.core_instructions 300

One round verifies an eddsa-rdfc-2022 and an eddsa-jcs-2022 credential with
``credentials.verify.Verifier`` (all checks, no status) and signs one of each, cycling
over ``POOL`` distinct credentials (bench.core's) so the RDF templates are filled, not
replayed. The key is fixed, so every run does the same work.
"""

from __future__ import annotations

import sys

from bench.core import make_pool
from credentials.did import DidKeyResolver, did_key_from_public_key, did_key_verification_method
from credentials.keys import Ed25519SigningKey
from credentials.proofs import JCS, RDFC, add_proof
from credentials.resolvers import CompositeDidResolver
from credentials.verify import Verifier

POOL = 10


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    key = Ed25519SigningKey.from_seed(bytes(range(32)))
    vm = did_key_verification_method(did_key_from_public_key(key.public_key))
    pool = make_pool(key, POOL)
    verifier = Verifier(did_resolver=CompositeDidResolver({"key": DidKeyResolver()}))
    signed = {
        suite: [add_proof(doc, key, verification_method=vm, cryptosuite=suite) for doc in pool]
        for suite in (RDFC, JCS)
    }
    for suite, documents in signed.items():  # warm-up: every cache filled before counting
        for document in documents:
            if not verifier.verify(document).verified:
                raise SystemExit(f"{suite}: the fixture does not verify")
    for i in range(rounds):
        for suite in (RDFC, JCS):
            verifier.verify(signed[suite][i % POOL])
            add_proof(pool[i % POOL], key, verification_method=vm, cryptosuite=suite)


if __name__ == "__main__":
    main()
