"""Comparing a secret someone sent with the one we hold, in constant time.

``hmac.compare_digest`` raises ``TypeError`` for ``str`` values holding a non-ASCII
character, so a forged token, state or challenge with an "é" in it would have been a 500:
both sides are compared as UTF-8 bytes instead (lone surrogates, which JSON can carry,
kept by ``surrogatepass`` so they compare unequal rather than raise).
"""

from __future__ import annotations

import hmac

__all__ = ["same_secret"]


def same_secret(given: str, expected: str) -> bool:
    """Whether ``given`` equals ``expected``, in time independent of where they differ."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )
