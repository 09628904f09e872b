"""Finding one of our stored credentials from the reference in a verification URL.

``/v/<ref>`` accepts the short code QR codes carry, the credential's UUID, or its JSON
``id`` (``urn:uuid:<uuid>``). Anything else is simply not found: the reference is never
echoed into a query except as a bound parameter, and is length-checked first.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from issuer.models import IssuedCredential
from microcred.extensions import db

_URN_PREFIX = "urn:uuid:"
_SHORT_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
MAX_REF_LENGTH = 64


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """What the verification page needs of a stored credential (no ORM object escapes)."""

    id: str  # the UUID: the documents' URLs are built from it
    short_code: str
    document: str  # the signed JSON, exactly as issued


def parse_ref(ref: str) -> tuple[str, str] | None:
    """``("id", uuid)`` or ``("short_code", code)``; None when it cannot name a credential."""
    if not ref or len(ref) > MAX_REF_LENGTH:
        return None
    text = ref[len(_URN_PREFIX) :] if ref.lower().startswith(_URN_PREFIX) else ref
    if len(text) >= 32:
        try:
            return "id", str(uuid.UUID(text))
        except ValueError:
            return None
    if text is ref and _SHORT_CODE.fullmatch(ref):
        return "short_code", ref
    return None


def find_credential(ref: str) -> StoredCredential | None:
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    kind, value = parsed
    column = IssuedCredential.id if kind == "id" else IssuedCredential.short_code
    row = db.session.execute(
        select(IssuedCredential.id, IssuedCredential.short_code, IssuedCredential.document).where(
            column == value
        )
    ).one_or_none()
    if row is None:
        return None
    return StoredCredential(id=row.id, short_code=row.short_code, document=row.document)
