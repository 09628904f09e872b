"""Integrity of related resources (VC Data Model 2.0 §5.3): the digest formats.

``relatedResource`` entries name a resource by URL and carry ``digestSRI`` (a
Subresource Integrity hash expression: ``sha256|sha384|sha512-<base64>``) and/or
``digestMultibase`` (a multibase string, ``u`` base64url or ``z`` base58btc, of a
SHA-2 digest, bare or with its multihash header). These functions parse them and
compare them with a resource's bytes; retrieving the resource is the caller's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from credentials.errors import MicrocredError
from credentials.multikey import decode_base58btc

__all__ = ["digest_problem", "digests_match"]

_SRI = re.compile(r"^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$")
_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}
#: multihash codes of the SHA-2 digests (multiformats table): code -> (name, size)
_MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}


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


def digest_problem(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first malformed or missing digest of one entry."""
    if "digestSRI" not in entry and "digestMultibase" not in entry:
        return "", "needs a digestSRI or a digestMultibase"
    if "digestSRI" in entry and _sri_digests(entry["digestSRI"]) is None:
        return "digestSRI", "must be sha256-, sha384- or sha512- and the base64 digest"
    if "digestMultibase" in entry and _multibase_digest(entry["digestMultibase"]) is None:
        return "digestMultibase", "must be a multibase (u or z) SHA-256/384/512 digest"
    return None


def digests_match(entry: Mapping[str, Any], content: bytes) -> bool:
    """True when every digest the entry gives is the digest of ``content``."""
    found = list(_sri_digests(entry.get("digestSRI")) or [])
    multibase = _multibase_digest(entry.get("digestMultibase"))
    if multibase is not None:
        found.append(multibase)
    return bool(found) and all(hashlib.new(name, content).digest() == d for name, d in found)
