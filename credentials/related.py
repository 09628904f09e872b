"""Integrity of related resources (VC Data Model 2.0 §5.3): the digest formats.

``relatedResource`` entries name a resource by URL and carry ``digestSRI`` (one or more
Subresource Integrity hash expressions, space-separated: ``sha256|sha384|sha512-<base64>``)
and/or ``digestMultibase`` (VC Data Integrity §2.6: a string or a list of strings, each a
multibase string, ``u`` base64url or ``z`` base58btc, of a SHA-2 multihash; a bare SHA-2
digest is read as well, by its length, as the W3C VC 2.0 test suite writes it). These
functions parse them and compare them with a resource's bytes; retrieving the resource is
the caller's job (``credentials.relatedcheck``).

Every digest an entry gives must match (stricter than SRI, where any one of the strongest
algorithm's digests would do): they all describe the one resource the issuer pinned.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credentials.errors import MicrocredError
from credentials.multikey import decode_base58btc

__all__ = ["ALGORITHMS", "Digest", "claimed_digests", "digest_problem", "digests_match"]

_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$")
_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
#: The hash algorithms a digest may use (hashlib names).
ALGORITHMS = tuple(_SIZES)
#: multihash codes of the SHA-2 digests (multiformats table): code -> (name, size)
_MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}


@dataclass(frozen=True, slots=True)
class Digest:
    """One digest an entry claims: where it is written, its algorithm and its bytes."""

    field: str  # relative to the entry: "digestSRI", "digestMultibase", "digestMultibase[1]"
    algorithm: str
    value: bytes

    def matches(self, content: bytes) -> bool:
        return hashlib.new(self.algorithm, content).digest() == self.value


def _sri_digests(value: object) -> list[tuple[str, bytes]] | None:
    if not isinstance(value, str) or not value.strip():
        return None
    out = []
    for expression in value.split():
        match = _SRI.match(expression)
        if match is None:
            return None
        try:
            digest = base64.b64decode(match[2], validate=True)
        except binascii.Error:
            return None
        if len(digest) != _SIZES[match[1]]:
            return None
        out.append((match[1], digest))
    return out


def _multibase_digest(value: object) -> tuple[str, bytes] | None:
    if not isinstance(value, str) or len(value) < 2:
        return None
    try:
        if value[0] == "u" and re.fullmatch(r"[A-Za-z0-9_-]+", value[1:]):
            raw = base64.urlsafe_b64decode(value[1:] + "=" * (-len(value[1:]) % 4))
        elif value[0] == "z":
            raw = decode_base58btc(value)
        else:
            return None
    except (binascii.Error, ValueError, MicrocredError):
        return None
    by_size = {size: name for name, size in _SIZES.items()}
    if len(raw) in by_size:
        return by_size[len(raw)], raw
    name = _MULTIHASH.get(raw[0]) if len(raw) > 2 else None
    if name is not None and raw[1] == _SIZES[name] == len(raw) - 2:
        return name, raw[2:]
    return None


def _multibase_digests(value: object) -> list[tuple[str, tuple[str, bytes]]] | None:
    """(field suffix, digest) for a string or a non-empty list of strings."""
    if isinstance(value, list):
        if not value:
            return None
        items = [(f"[{i}]", _multibase_digest(v)) for i, v in enumerate(value)]
    else:
        items = [("", _multibase_digest(value))]
    out = [(suffix, digest) for suffix, digest in items if digest is not None]
    return out if len(out) == len(items) else None


def digest_problem(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first malformed or missing digest of one entry."""
    if "digestSRI" not in entry and "digestMultibase" not in entry:
        return "", "needs a digestSRI or a digestMultibase"
    if "digestSRI" in entry and _sri_digests(entry["digestSRI"]) is None:
        return "digestSRI", "must be sha256-, sha384- or sha512- and the base64 digest"
    if "digestMultibase" in entry and _multibase_digests(entry["digestMultibase"]) is None:
        return (
            "digestMultibase",
            "must be a multibase (u or z) SHA-256/384/512 multihash, or a list of them",
        )
    return None


def claimed_digests(entry: Mapping[str, Any]) -> list[Digest]:
    """Every digest a well-formed entry gives (check ``digest_problem`` first: malformed
    values are left out here)."""
    found = [
        Digest("digestSRI", name, value)
        for name, value in _sri_digests(entry.get("digestSRI")) or []
    ]
    if "digestMultibase" in entry:
        for suffix, (name, value) in _multibase_digests(entry["digestMultibase"]) or []:
            found.append(Digest("digestMultibase" + suffix, name, value))
    return found


def digests_match(entry: Mapping[str, Any], content: bytes) -> bool:
    """True when every digest the entry gives is the digest of ``content``."""
    found = claimed_digests(entry)
    return bool(found) and all(d.matches(content) for d in found)
