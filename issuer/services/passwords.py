"""Password hashing for console users: Argon2id (argon2-cffi), in PHC string form.

argon2-cffi's defaults are RFC 9106's second recommendation (64 MiB, 3 passes, 4 lanes),
about 50 ms here: slow enough to make a stolen table expensive, fast enough for a sign-in.
``HASHER`` is module state so that the test suite can swap in the cheapest parameters, as
it does for key wrapping (tests/conftest.py); ``needs_rehash`` upgrades old hashes.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from credentials.errors import InvalidInputError

HASHER = PasswordHasher()
#: NIST SP 800-63B: at least 8; we ask 10. The upper bound keeps one hash cheap to refuse.
MIN_LENGTH = 10
MAX_LENGTH = 256
#: Verified when an e-mail is unknown, so that a wrong e-mail takes as long as a wrong
#: password (no account enumeration by timing); one per hasher, made with its parameters.
_DUMMIES: dict[int, str] = {}


def _dummy() -> str:
    key = id(HASHER)
    if key not in _DUMMIES:
        _DUMMIES[key] = HASHER.hash("microcred-no-such-account")
    return _DUMMIES[key]


def check_new_password(password: str, *, field: str = "password") -> str:
    if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInputError(
            f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters", field=field
        )
    if not password.strip():
        raise InvalidInputError("a password cannot be only spaces", field=field)
    return password


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; with ``stored`` None, a dummy check that
    takes the same time and answers False."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)
