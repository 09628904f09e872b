"""Whose badge is it? The ``recipient`` IdentityObject against what a client typed.

OB 2.0 §IdentityObject: ``type`` (email, url, telephone...), ``hashed``, ``salt`` and
``identity``: the plain identity, or ``sha256$<hex>`` / ``md5$<hex>`` of identity + salt.
OB 0.5-1.0 also put a bare hash string in ``recipient`` with the salt beside it.

The answer never reveals a hashed identity (it cannot: only its hash is known) and says
one of three things: it matches, it does not match, or it was not checked (nothing was
typed). An unhashed identity is public in the badge anyway and is shown as it is.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Final

from credentials.results import Check, Outcome

__all__ = ["recipient_check"]

_ALGORITHMS: Final = {"sha256": hashlib.sha256, "md5": hashlib.md5}
#: A typed identity longer than this is no e-mail address, URL or telephone number.
MAX_TYPED: Final = 2048


def _identity(assertion: Mapping[str, Any]) -> tuple[str, str, bool, str]:
    """(type, identity, hashed, salt) of the assertion's recipient (1.0 and 2.0 shapes)."""
    recipient = assertion.get("recipient")
    if isinstance(recipient, Mapping):
        kind = recipient.get("type")
        identity = recipient.get("identity")
        salt = recipient.get("salt")
        hashed = recipient.get("hashed")
        return (
            kind if isinstance(kind, str) else "email",
            identity if isinstance(identity, str) else "",
            hashed is True or (isinstance(identity, str) and "$" in identity and hashed is None),
            salt if isinstance(salt, str) else "",
        )
    if isinstance(recipient, str):  # OB 0.5 / 1.0 legacy: a bare (hashed) e-mail
        salt = assertion.get("salt")
        return "email", recipient, "$" in recipient, salt if isinstance(salt, str) else ""
    return "email", "", False, ""


def _candidates(kind: str, typed: str) -> list[str]:
    """What the client typed, and for an e-mail address also in lower case (issuers
    commonly hash the address as it was registered, which is usually lower case)."""
    out = [typed]
    if kind == "email" and typed.lower() != typed:
        out.append(typed.lower())
    return out


def _matches_hash(identity: str, salt: str, candidates: list[str]) -> bool | None:
    algorithm, _, expected = identity.partition("$")
    digest = _ALGORITHMS.get(algorithm.lower())
    if digest is None or not expected:
        return None
    for candidate in candidates:
        actual = digest((candidate + salt).encode("utf-8")).hexdigest()
        if hmac.compare_digest(actual, expected.lower().encode("ascii", "replace").decode()):
            return True
    return False


def recipient_check(assertion: Mapping[str, Any], typed: str | None) -> Check:
    """The ``recipient`` check: passed (matches), failed (``ob2.recipient_mismatch``) or
    skipped (``not_checked``: nothing typed; ``ob2.recipient_unknown_hash``: a hash
    algorithm other than sha256/md5)."""
    kind, identity, hashed, salt = _identity(assertion)
    words = {"email": "e-mail address", "url": "URL", "telephone": "telephone number"}.get(
        kind, kind[:40]
    )
    shown = "" if hashed else f" ({identity[:200]})"
    details: dict[str, Any] = {"type": kind[:40], "hashed": hashed}
    typed = (typed or "").strip()[:MAX_TYPED]
    if not typed:
        return Check(
            "recipient",
            Outcome.SKIPPED,
            f"Recipient not checked: type the {words} the badge was awarded to{shown} "
            "to check that it is theirs.",
            code="not_checked",
            details=details,
        )
    if hashed:
        matched = _matches_hash(identity, salt, _candidates(kind, typed))
        if matched is None:
            return Check(
                "recipient",
                Outcome.SKIPPED,
                "Recipient not checked: the badge hashes its recipient with an algorithm "
                "this service does not know.",
                code="ob2.recipient_unknown_hash",
                details=details,
            )
    else:
        matched = typed == identity or (kind == "email" and typed.lower() == identity.lower())
    if matched:
        return Check(
            "recipient",
            Outcome.PASSED,
            f"Awarded to the {words} you typed.",
            code="match",
            details=details,
        )
    # A hashed identity stays unsaid; an unhashed one is in the badge for anyone to read.
    whose = "" if hashed else f": it was awarded to {identity[:200]}"
    return Check(
        "recipient",
        Outcome.FAILED,
        f"Not awarded to the {words} you typed{whose}.",
        code="ob2.recipient_mismatch",
        details=details,
    )
