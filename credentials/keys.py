"""Ed25519 keys: the public face of ``ed25519``, ``key_wrapping`` and ``key_store``.

Import from here: ``Ed25519SigningKey`` and ``verify_signature`` (``credentials.ed25519``),
the wrapped at-rest format (``credentials.key_wrapping``), the CLI's file ``KeyStore``
(``credentials.key_store``), and the passphrase policy, which lives in this module.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from credentials.ed25519 import Ed25519SigningKey, verify_signature
from credentials.errors import ConfigurationError
from credentials.key_store import KeyInfo, KeyStore, validate_key_name
from credentials.key_wrapping import (
    CURRENT_KDF,
    PASSPHRASE_ENV,
    KdfParameters,
    unwrap_seed,
    wrap_seed,
)

__all__ = [
    "CURRENT_KDF",
    "DEV_PASSPHRASE",
    "MIN_PRODUCTION_PASSPHRASE_LENGTH",
    "PASSPHRASE_ENV",
    "Ed25519SigningKey",
    "KdfParameters",
    "KeyInfo",
    "KeyStore",
    "key_passphrase",
    "unwrap_seed",
    "validate_key_name",
    "verify_signature",
    "wrap_seed",
]

logger = logging.getLogger(__name__)

#: Used outside production when no passphrase is configured; production refuses it.
DEV_PASSPHRASE = b"microcred-development-passphrase-do-not-use-in-production"
#: Production refuses shorter passphrases: the KDF slows guessing, it cannot save "hunter2".
MIN_PRODUCTION_PASSPHRASE_LENGTH = 12


# --- passphrase policy ----------------------------------------------------------------------


def key_passphrase(environ: Mapping[str, str], *, production: bool) -> bytes:
    """The key-store passphrase from ``MICROCRED_KEY_PASSPHRASE``, enforcing the policy.

    Production must set it, to at least ``MIN_PRODUCTION_PASSPHRASE_LENGTH`` characters and
    not to the development value (anyone can read that one in this file). Elsewhere a
    missing value falls back to ``DEV_PASSPHRASE`` with a warning, and any length is
    accepted, so tests and demos can use short ones.
    """
    value = environ.get(PASSPHRASE_ENV, "")
    if not value:
        if production:
            raise ConfigurationError(
                f"{PASSPHRASE_ENV} must be set in production: it encrypts the signing keys",
                field=PASSPHRASE_ENV,
            )
        logger.warning(
            "%s is not set; using the development key passphrase (never do this in production)",
            PASSPHRASE_ENV,
        )
        return DEV_PASSPHRASE
    passphrase = value.encode("utf-8")
    if production and passphrase == DEV_PASSPHRASE:
        raise ConfigurationError(
            f"{PASSPHRASE_ENV} is the published development passphrase; "
            "choose a secret one for production",
            field=PASSPHRASE_ENV,
        )
    if production and len(value) < MIN_PRODUCTION_PASSPHRASE_LENGTH:
        raise ConfigurationError(
            f"{PASSPHRASE_ENV} has {len(value)} characters; production needs at least "
            f"{MIN_PRODUCTION_PASSPHRASE_LENGTH} (a few random words make a good one)",
            field=PASSPHRASE_ENV,
        )
    return passphrase
