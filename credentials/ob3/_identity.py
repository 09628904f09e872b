"""Recipient identifiers: OB 3.0 ``IdentityObject`` and ``IdentityHash``.

IdentityHash (OB 3.0 Appendix B, derived types): ``<algorithm>$<hex digest>`` where the
digest is taken over the UTF-8 identifier with the salt appended, algorithm ``sha256``
or ``md5``. The spec's own example: ``a@example.com`` salted with ``Kosher`` hashes to
``sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping


def new_salt() -> str:
    """A fresh random salt (128 bits, hex) so hashed emails cannot be looked up in tables."""
    return secrets.token_hex(16)


def normalise_email(email: str) -> str:
    """The form an email is hashed in: surrounding blanks removed, lower case."""
    return email.strip().lower()


def identity_hash(value: str, salt: str | None = None, *, algorithm: str = "sha256") -> str:
    """``sha256$<hex>`` (or ``md5$<hex>``) of ``value`` followed by ``salt``, as UTF-8."""
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"IdentityHash supports sha256 and md5, not {algorithm!r}")
    data = (value + (salt or "")).encode("utf-8")
    # md5 only to *check* identifiers other issuers wrote; the spec still allows it.
    digest = hashlib.new(algorithm, data, usedforsecurity=False).hexdigest()
    return f"{algorithm}${digest}"


def hash_email(email: str, salt: str | None) -> str:
    """The IdentityHash microcred writes for an email address."""
    return identity_hash(normalise_email(email), salt)


def identifier_matches(
    identifier: Mapping[str, object] | object, known: str, *, identity_type: str = "emailAddress"
) -> bool:
    """Whether an IdentityObject identifies the holder of ``known`` (OB 3.0 § Verify the
    Recipient Using an Identifier). Emails are compared in their normalised form."""
    if not isinstance(identifier, Mapping) or identifier.get("identityType") != identity_type:
        return False
    stored, salt = identifier.get("identityHash"), identifier.get("salt")
    if not isinstance(stored, str) or not isinstance(salt, str | None):
        return False
    if identity_type == "emailAddress":
        known = normalise_email(known)
    if identifier.get("hashed") is not True:
        return stored == known or (identity_type == "emailAddress" and stored.lower() == known)
    algorithm, _, digest = stored.partition("$")
    if algorithm not in ("sha256", "md5"):
        return False
    expected = identity_hash(known, salt, algorithm=algorithm).partition("$")[2]
    # Not a secret comparison: both values are public, so plain equality is fine.
    return expected == digest.lower()
