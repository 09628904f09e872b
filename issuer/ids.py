"""Public identifiers: a type prefix plus 80 random bits (``cert_3kq8mz2v7hx4tw1p``).

Random rather than sequential ids do not reveal how many records other training
providers have, and the prefix tells a reader what kind of object an id names.
"""

from __future__ import annotations

import base64
import secrets
import uuid

_ALPHABET_BYTES = 10  # 80 bits -> 16 base32 characters


def new_id(prefix: str) -> str:
    token = base64.b32encode(secrets.token_bytes(_ALPHABET_BYTES)).decode("ascii").lower()
    return f"{prefix}_{token}"


def new_uuid() -> str:
    return str(uuid.uuid4())
