"""Finding one of our stored credentials from the reference in a verification URL.

``/v/<ref>`` accepts the short code QR codes carry, the credential's UUID, or its JSON
``id`` (``urn:uuid:<uuid>``). Anything else is simply not found: the reference is never
echoed into a query except as a bound parameter, and is length-checked first. The store
itself is the issuing side's (``OwnSources.credentials``, filled in by the composition
root), so this module knows no database.
"""

from __future__ import annotations

import re
import uuid

from verifier.web.interfaces import CredentialStore, RefKind, StoredCredential

_URN_PREFIX = "urn:uuid:"
_SHORT_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
MAX_REF_LENGTH = 64


def parse_ref(ref: str) -> tuple[RefKind, str] | None:
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


def find_credential(ref: str, store: CredentialStore) -> StoredCredential | None:
    parsed = parse_ref(ref)
    if parsed is None:
        return None
    return store(*parsed)
