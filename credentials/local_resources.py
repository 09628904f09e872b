"""Resources whose bytes microcred holds itself, for ``relatedResource`` digests.

A credential may pin a JSON-LD context by digest (VC Data Model 2.0 §5.3 shows the base
context pinned so). Contexts are never fetched (``credentials.jsonld``), so the digest is
compared with what we have, without any network:

1. the bundled file (``credentials/contexts/``, listed in ``manifest.json``), byte for
   byte;
2. the published revisions of the same URL below, known by their digests. The bytes
   served at a context URL changed over time (and our bundled copy of the VC 2.0 base
   context comes from the npm package, which re-indents the published JSON), so an issuer
   that computed the digest of what the URL served at the time would otherwise be
   refused. Each revision is named with where its bytes can be checked; one whose JSON
   differs from the bundled file says how.

A resource is "local" when it is bundled; a local resource is never fetched, and its
digest must match one candidate (the bundled bytes or one revision) in every algorithm
the entry gives.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Final

from credentials.related import ALGORITHMS

__all__ = ["PUBLISHED_REVISIONS", "Candidate", "Revision", "candidates"]


@dataclass(frozen=True, slots=True)
class Revision:
    """A published revision of a bundled resource: when, where to find its bytes, and
    the hex SHA-256/384/512 digests of those bytes."""

    published: str
    source: str
    sha256: str
    sha384: str
    sha512: str

    def digests(self) -> dict[str, bytes]:
        return {name: bytes.fromhex(getattr(self, name)) for name in ALGORITHMS}


_VC2 = "https://www.w3.org/ns/credentials/v2"

#: URL -> earlier or other published byte sequences of that bundled resource.
PUBLISHED_REVISIONS: Final[Mapping[str, tuple[Revision, ...]]] = {
    _VC2: (
        # The Recommendation's bytes (10,131): VC Data Model 2.0 (2025-05-15) §B.1 "Base
        # Context" gives this SHA-256 for the file served at the URL. The same bytes are
        # contexts/credentials/v2 in w3c/vc-data-model at commit 08b83e46 (2025-02-24);
        # as parsed JSON they equal the bundled credentials-v2.jsonld.
        Revision(
            published="2025-05-15",
            source="VC Data Model 2.0 Recommendation §B.1 (w3c/vc-data-model 08b83e46)",
            sha256="59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
            sha384="97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18c"
            "b360133c221aa31d6896a6bf3e65b614",
            sha512="5d55452bd2dcf8a29f5a290473eb242b1c5fb77d4e68f1a0aa87baa4dba26948"
            "52d65ec63d48ac04a99d956f9f7153b9406f84d2d04c74869b02c239a1d81305",
        ),
        # The Candidate Recommendation's bytes (10,139): w3c/vc-data-model commit 8d0ee107
        # (2024-07-20, "Remove @vocab definition from v2 context"), whose SHA-256 the CR's
        # §B.1 gave; the W3C VC 2.0 test suite's relatedResource fixture (tests/fixtures.js)
        # pins these bytes. It differs from the Recommendation only in where statusMessage,
        # statusReference and statusSize are defined (under BitstringStatusListCredential
        # instead of BitstringStatusListEntry; fixed in b4d990ee and 08b83e46).
        Revision(
            published="2024-07-20",
            source="VC Data Model 2.0 Candidate Recommendation (w3c/vc-data-model 8d0ee107)",
            sha256="24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9",
            sha384="35239c36999d2155312091af194a1edb61634d6ad789a5e5b19f2aebdd762dd9"
            "d1dcaada40eda7ef921c6b8c0ae107a0",
            sha512="cb1336dfa8670d80d03344b3b0cc25faf4d45201823c35f39bb1afe5a9f911f6"
            "15ff4ec80ec5f2f89e33d14e96bec8be78e38df35b918c9cd5f3b3449bd6c88f",
        ),
    ),
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One byte sequence a local resource's digest may name, by its digests."""

    label: str
    digests: Mapping[str, bytes]


@functools.cache
def _bundled_files() -> dict[str, str]:
    folder = resources.files("credentials") / "contexts"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    return {url: entry["file"] for url, entry in manifest.items()}


@functools.cache
def candidates(url: str) -> tuple[Candidate, ...]:
    """The bundled bytes of ``url`` and its published revisions; () when ``url`` is not
    bundled (then it has to be retrieved)."""
    name = _bundled_files().get(url)
    if name is None:
        return ()
    content = (resources.files("credentials") / "contexts" / name).read_bytes()
    bundled = Candidate(
        f"the bundled copy of {url}",
        {algorithm: hashlib.new(algorithm, content).digest() for algorithm in ALGORITHMS},
    )
    revisions = tuple(
        Candidate(f"{url} as published on {r.published}, {r.source}", r.digests())
        for r in PUBLISHED_REVISIONS.get(url, ())
    )
    return (bundled, *revisions)
