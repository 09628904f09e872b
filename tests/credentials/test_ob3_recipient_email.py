"""The recipient's e-mail in a built credential (issue 14, item 5): a salted hash by
default, the plain address only when the caller asks (``Recipient.email_hashed=False``),
as an OB 3.0 IdentityObject with ``hashed: false``; both structurally valid, both matched
by ``identifier_matches``."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from credentials.ob3 import hash_email, identifier_matches
from credentials.validation import validate_credential
from tests.credentials.test_ob3 import RECIPIENT, SALT, build


def _email_identifier(credential: dict[str, Any]) -> dict[str, Any]:
    [found] = [
        i
        for i in credential["credentialSubject"]["identifier"]
        if i["identityType"] == "emailAddress"
    ]
    return found  # type: ignore[no-any-return]


def test_the_default_is_the_salted_hash() -> None:
    identifier = _email_identifier(build())
    assert identifier == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": hash_email("ana.souza@example.com", SALT),
        "salt": SALT,
    }
    assert identifier_matches(identifier, "ANA.souza@example.com ")


def test_plain_when_asked() -> None:
    credential = build(recipient=dataclasses.replace(RECIPIENT, email_hashed=False))
    identifier = _email_identifier(credential)
    assert identifier == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": False,
        "identityHash": "ana.souza@example.com",
    }
    assert identifier_matches(identifier, "Ana.Souza@example.com")
    assert not identifier_matches(identifier, "someone@example.com")
    assert validate_credential(credential) == []


@given(st.emails())
def test_each_mode_matches_its_address(address: str) -> None:
    for hashed in (True, False):
        recipient = dataclasses.replace(RECIPIENT, email=address, email_hashed=hashed)
        identifier = _email_identifier(build(recipient=recipient))
        assert identifier["hashed"] is hashed
        assert identifier_matches(identifier, address)
        assert ("salt" in identifier) is hashed
