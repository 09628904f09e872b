"""Password hashing: Argon2id at argon2-cffi's defaults (RFC 9106, low memory), weaker
hashes upgraded at the next sign-in, lengths bounded."""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask import Flask

from credentials.errors import InvalidInputError
from issuer.services import passwords
from issuer.services.accounts import find_user
from tests.issuer.console.conftest import FAST_HASHER, PASSWORD, Console, Provider

REAL = passwords.PasswordHasher()


def test_the_real_hasher_is_argon2id_at_rfc_9106_low_memory() -> None:
    with mock.patch.object(passwords, "HASHER", REAL):
        stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert REAL.type is Type.ID
    assert (REAL.time_cost, REAL.memory_cost, REAL.parallelism) == (
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    )


def test_verify() -> None:
    stored = passwords.hash_password(PASSWORD)
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "!")
    assert not passwords.verify_password(None, PASSWORD)  # unknown account: dummy check
    assert not passwords.verify_password("not a hash", PASSWORD)
    assert not passwords.verify_password(stored, "x" * 10_000)


@pytest.mark.parametrize("bad", ["short", " " * 12, "x" * 257])
def test_new_passwords_are_bounded(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        passwords.check_new_password(bad)


def test_a_weaker_hash_is_upgraded_at_sign_in(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    with mock.patch.object(passwords, "HASHER", stronger):
        assert new_console().sign_in(provider.owner).status_code == 302
    with app.app_context():
        user = find_user(provider.owner)
        assert user is not None
        assert "m=16,t=2,p=1" in user.password_hash
        assert FAST_HASHER.verify(user.password_hash, PASSWORD)
