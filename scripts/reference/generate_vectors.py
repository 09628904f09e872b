"""Write tests/credentials/reference_vectors.json from the JavaScript reference libraries.

Run from the repository root after ``npm ci --prefix scripts/reference``:

    .venv/bin/python scripts/reference/generate_vectors.py

Every expected value comes from scripts/reference/oracle.mjs (jsonld.js + rdf-canonize
for eddsa-rdfc-2022, canonicalize for RFC 8785 / eddsa-jcs-2022, jsonld-signatures with
DataIntegrityProof for the proofs), never from microcred. The corpus is deterministic
(tests/credentials/unicode_corpus.py), so running this again gives the same file unless
the pinned packages change. tests/credentials/test_reference_vectors.py checks it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.credentials import factories  # noqa: E402
from tests.credentials import unicode_corpus as uc  # noqa: E402
from tests.credentials.reference_oracle import CREATED, SEED, Oracle  # noqa: E402

OUT = ROOT / "tests" / "credentials" / "reference_vectors.json"
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")

JCS_VALUES: list[Any] = [
    {"n": 2**53 - 1},
    {"n": -(2**53 - 1)},
    {"n": 2**53},
    {"n": 2**53 + 1},
    {"n": -(2**63)},
    {"n": 2**64},
    {"n": 10**21},
    {"n": 123456789012345678901234567890},
    {"f": [0.1, 1e-7, 1e-6, 1e20, 1e21, 5e-324, 1.7976931348623157e308, -0.0, 2.0**53]},
    {"f": [1 / 3, 100.0, 1e300 * 1e-300, 0.000001234, 123e-20]},
    {"\ufb33": 1, "\U00010000": 2, "a": 3, "\u00e9": 4, "\uffff": 5, "\U0001f600": 6},
    {"\u2028": "\u2029", "\x00": "\x1f\x7f\x85", "\ud7ff": "\ue000"},
]


def _changes(rng: random.Random) -> list[tuple[str, list[tuple[uc.Path, Any]]]]:
    strings = uc.corpus(rng)
    cases: list[tuple[str, list[tuple[uc.Path, Any]]]] = []
    fields = uc.TEXT_FIELDS
    for i, text in enumerate(strings):
        cases.append((f"text-{i}", [(fields[i % len(fields)], text)]))
    for i, text in enumerate(uc.SPECIAL_TEXT):
        field = uc.LANGUAGE_FIELDS[i % len(uc.LANGUAGE_FIELDS)]
        language = [*uc.LANGUAGES, None][i % (len(uc.LANGUAGES) + 1)]
        direction = uc.DIRECTIONS[i % len(uc.DIRECTIONS)]
        cases.append((f"language-{i}", [(field, uc.language_value(text, language, direction))]))
    iris = list(uc.SPECIAL_IRIS)
    iris += ["https://ex.example/" + text for text in strings[len(uc.SPECIAL_TEXT) :: 4]]
    for i, iri in enumerate(iris):
        cases.append((f"iri-{i}", [(uc.IRI_FIELDS[i % len(uc.IRI_FIELDS)], iri)]))
    tag_lists = [
        ["a\U0001f600", "a\uff01"],  # UTF-16 order puts the emoji first, code points last
        ["\ufffe", "\uffff", "\ufffd"],
        ["x\u2028", "x\u2029", "x\x85", "x"],
        ["\U0001f600", "\ufe0f", "\ue000", "\U000f0000"],
    ]
    tag_lists += [rng.sample(strings, 3) for _ in range(8)]
    for i, tags in enumerate(tag_lists):
        cases.append((f"tags-{i}", [(uc.TAGS, tags)]))
    # The two evidence entries are blank nodes (once the first loses its id): their labels
    # come from first-degree hashes over text sorted in one order or the other.
    for i, (first, second) in enumerate(
        [("\U0001f600", "\uff01"), ("\ufffe", "\uffff"), ("a\u2028", "a\u2029")]
    ):
        cases.append(
            (
                f"blank-nodes-{i}",
                [
                    (("evidence", 0, "id"), None),
                    (("evidence", 0, "name"), first),
                    (("evidence", 1, "name"), second),
                    (("evidence", 0, "genre"), [first, second]),
                ],
            )
        )
    return cases


def main() -> None:
    rng = random.Random(20260501)  # noqa: S311 - a reproducible corpus, not a secret
    base = factories.credential()
    oracle = Oracle()
    lines: list[str] = []
    index: dict[str, int] = {}
    documents = []
    for case_id, changes in _changes(rng):
        document = uc.apply(base, changes)
        nquads = oracle.rdfc(document)
        rdfc_lines = None
        if nquads is not None:
            rdfc_lines = []
            for line in nquads.split("\n")[:-1]:
                rdfc_lines.append(index.setdefault(line, len(lines)))
                if rdfc_lines[-1] == len(lines):
                    lines.append(line)
        jcs = oracle.jcs(document)
        proofs: dict[str, str | None] = {}
        for suite in SUITES:
            signed = oracle.sign(document, suite)
            proofs[suite] = None if signed is None else signed["proof"]["proofValue"]
        documents.append(
            {
                "id": case_id,
                "changes": [[list(path), value] for path, value in changes],
                "rdfc": rdfc_lines,
                "jcs_sha256": None if jcs is None else hashlib.sha256(jcs.encode()).hexdigest(),
                "proofValue": proofs,
            }
        )
    jcs_vectors = [{"value": value, "text": oracle.jcs(value)} for value in JCS_VALUES]
    oracle.close()
    lock = json.loads((ROOT / "scripts" / "reference" / "package-lock.json").read_text())
    versions = {
        name.removeprefix("node_modules/"): entry["version"]
        for name, entry in lock["packages"].items()
        if name.count("node_modules/") == 1
    }
    out = {
        "about": "Expected values from the JavaScript reference libraries; see the generator.",
        "generator": "scripts/reference/generate_vectors.py",
        "packages": versions,
        "seed": SEED.hex(),
        "created": CREATED,
        "base": base,
        "lines": lines,
        "documents": documents,
        "jcs": jcs_vectors,
    }
    # ensure_ascii: the file stays readable in any editor and survives any tool chain.
    OUT.write_text(json.dumps(out, ensure_ascii=True, indent=1) + "\n", encoding="ascii")
    refused = sum(1 for d in documents if d["rdfc"] is None)
    print(f"{len(documents)} documents ({refused} refused by jsonld.js), {len(lines)} lines")


if __name__ == "__main__":
    main()
