"""API keys (hashed, shown once, revocable, rotatable) and signing keys (rotation keeps old
keys verifiable in the DID document; revocation removes them)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from credentials import key_wrapping
from credentials.errors import KeyStoreError
from credentials.resolvers import DidDocument
from issuer.models import ApiKey, SigningKey
from issuer.services import api_keys, issuers, signers, signing_keys
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError
from tests.conftest import TEST_PASSPHRASE
from tests.issuer.factories import Factory, Provider

TOKEN = re.compile(r"mc_[a-z0-9]{8}_[A-Za-z0-9_-]{43}")


def _all_text_in_database(app: Flask) -> str:
    """Every value of every row, as text: to prove what is not stored."""
    chunks = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


# --- API keys -----------------------------------------------------------------------------


def test_api_key_format_and_storage(app: Flask, make: Factory) -> None:
    provider = make.provider()
    assert TOKEN.fullmatch(provider.token)
    _, prefix, secret = provider.token.split("_", 2)
    assert len(secret) == 43  # 32 random bytes, base64url: 256 bits
    with app.app_context():
        stored = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    everything = _all_text_in_database(app)
    assert secret not in everything
    assert provider.token not in everything


def test_api_keys_are_unique(make: Factory) -> None:
    provider = make.provider()
    tokens = {make.api_key(provider) for _ in range(20)}
    assert len(tokens) == 20
    assert len({t.split("_")[1] for t in tokens}) == 20


def test_revoked_key_stops_working_and_others_keep_working(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    extra = make.api_key(provider, name="ci")
    with app.app_context(), write_transaction(db.session):
        api_keys.revoke_api_key(
            issuers.get_issuer(provider.slug), extra.split("_")[1], actor="test"
        )
    assert (
        client.get("/api/v1/issuer", headers={"Authorization": f"Bearer {extra}"}).status_code
        == 401
    )
    assert client.get("/api/v1/issuer", headers=provider.headers).status_code == 200


def test_rotate_without_grace_replaces_the_key_at_once(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    old_prefix = provider.token.split("_")[1]
    with app.app_context(), write_transaction(db.session):
        new = api_keys.rotate_api_key(
            issuers.get_issuer(provider.slug), f"mc_{old_prefix}", actor="test", grace=timedelta(0)
        )
        new_token, new_name = new.token, new.api_key.name
    assert new_name == "default"
    assert client.get("/api/v1/issuer", headers=provider.headers).status_code == 401
    fresh = client.get("/api/v1/issuer", headers={"Authorization": f"Bearer {new_token}"})
    assert fresh.status_code == 200


def test_last_used_is_recorded(app: Flask, client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    prefix = provider.token.split("_")[1]
    client.get("/api/v1/issuer", headers=provider.headers)
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert key.last_used_at is not None


def test_token_lookup_refuses_near_misses(app: Flask, make: Factory) -> None:
    provider = make.provider()
    _, prefix, secret = provider.token.split("_", 2)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    with app.app_context():
        assert api_keys.authenticate_token(provider.token).api_key is not None
        assert api_keys.authenticate_token(f"mc_{prefix}_{flipped}").refusal == "unknown"
        assert api_keys.authenticate_token(provider.token + "x").refusal == "malformed"
        assert api_keys.authenticate_token(provider.token.upper()).refusal == "malformed"


# --- signing keys -------------------------------------------------------------------------


def _did_document(client: FlaskClient, provider: Provider) -> DidDocument:
    response = client.get(f"/issuers/{provider.slug}/did.json")
    assert response.status_code == 200
    return DidDocument.from_json(response.get_json(), expected_id=provider.did)


def test_private_keys_are_encrypted_at_rest(app: Flask, make: Factory) -> None:
    provider = make.provider()
    with app.app_context():
        key = db.session.scalar(select(SigningKey).where(SigningKey.issuer_id == provider.id))
        assert key.encrypted_private_key.startswith("-----BEGIN MICROCRED WRAPPED KEY-----")
        loaded = key.load(TEST_PASSPHRASE)
        assert loaded.public_key_multibase == key.public_key_multibase
        with pytest.raises(KeyStoreError):
            key.load(b"the wrong passphrase")


def _store_in_the_old_wrapping(app: Flask, provider: Provider) -> tuple[str, bytes]:
    """Rewrite the provider's active key as PKCS#8 (PBKDF2), as it was stored before."""
    with app.app_context(), write_transaction(db.session):
        row = db.session.scalar(select(SigningKey).where(SigningKey.issuer_id == provider.id))
        key = row.load(TEST_PASSPHRASE)
        row.encrypted_private_key = key.to_pkcs8_pem(TEST_PASSPHRASE).decode("ascii")
        return row.public_key_multibase, key.public_key


def test_an_old_wrapped_signing_key_is_rewrapped_on_first_use(app: Flask, make: Factory) -> None:
    provider = make.provider()
    multibase, public_key = _store_in_the_old_wrapping(app, provider)
    signers.forget_keys()
    with app.app_context(), write_transaction(db.session):
        signer = signers.active_signer(provider.id, provider.did, passphrase=TEST_PASSPHRASE)
        assert signer.signer.public_key == public_key
    with app.app_context():
        row = db.session.scalar(select(SigningKey).where(SigningKey.issuer_id == provider.id))
        assert row.encrypted_private_key.startswith("-----BEGIN MICROCRED WRAPPED KEY-----")
        assert row.public_key_multibase == multibase
        assert row.load(TEST_PASSPHRASE).public_key == public_key


def test_a_rolled_back_rewrap_keeps_the_old_key_usable(app: Flask, make: Factory) -> None:
    provider = make.provider()
    _, public_key = _store_in_the_old_wrapping(app, provider)
    signers.forget_keys()

    def failed_issuance() -> None:
        with write_transaction(db.session):
            signers.active_signer(provider.id, provider.did, passphrase=TEST_PASSPHRASE)
            raise RuntimeError("the issuance failed after unlocking")

    with app.app_context():
        with pytest.raises(RuntimeError):
            failed_issuance()
        row = db.session.scalar(select(SigningKey).where(SigningKey.issuer_id == provider.id))
        assert row.encrypted_private_key.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert row.load(TEST_PASSPHRASE).public_key == public_key
    signers.forget_keys()
    with app.app_context(), write_transaction(db.session):
        signers.active_signer(provider.id, provider.did, passphrase=TEST_PASSPHRASE)
    with app.app_context():
        row = db.session.scalar(select(SigningKey).where(SigningKey.issuer_id == provider.id))
        assert row.encrypted_private_key.startswith("-----BEGIN MICROCRED WRAPPED KEY-----")


def test_the_kdf_runs_once_per_key_per_process_not_per_signature(
    app: Flask, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make.provider()
    signers.forget_keys()
    derivations = []
    real = key_wrapping._derive
    monkeypatch.setattr(key_wrapping, "_derive", lambda *args: derivations.append(1) or real(*args))
    for _ in range(5):
        with app.app_context(), write_transaction(db.session):
            signers.active_signer(provider.id, provider.did, passphrase=TEST_PASSPHRASE)
    assert len(derivations) == 1


def test_rotation_keeps_the_old_key_under_assertion_method(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    before = _did_document(client, provider)
    with app.app_context(), write_transaction(db.session):
        signing_keys.rotate_signing_key(
            issuers.get_issuer(provider.slug), passphrase=TEST_PASSPHRASE, actor="test"
        )
    after = _did_document(client, provider)
    key1, key2 = f"{provider.did}#key-1", f"{provider.did}#key-2"
    assert before.assertion_method_ids == {key1}
    assert after.assertion_method_ids == {key1, key2}
    assert after.methods[key1].public_key == before.methods[key1].public_key
    assert after.raw["authentication"] == [key2]
    issuer = client.get("/api/v1/issuer", headers=provider.headers).get_json()
    assert issuer["verificationMethod"] == key2


def test_revoking_a_retired_key_removes_it(app: Flask, client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(provider.slug)
        signing_keys.rotate_signing_key(issuer, passphrase=TEST_PASSPHRASE, actor="test")
        signing_keys.revoke_signing_key(
            issuer, "key-1", reason="laptop stolen", passphrase=TEST_PASSPHRASE, actor="test"
        )
    document = _did_document(client, provider)
    assert document.assertion_method_ids == {f"{provider.did}#key-2"}


def test_revoking_the_active_key_rotates_first(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    with app.app_context(), write_transaction(db.session):
        revoked = signing_keys.revoke_signing_key(
            issuers.get_issuer(provider.slug),
            f"{provider.did}#key-1",
            reason="compromised",
            passphrase=TEST_PASSPHRASE,
            actor="test",
        )
        assert revoked.state == "revoked"
    document = _did_document(client, provider)
    assert document.assertion_method_ids == {f"{provider.did}#key-2"}


def test_did_key_issuers_cannot_rotate(app: Flask, make: Factory) -> None:
    provider = make.provider(did_method="key")
    assert provider.did.startswith("did:key:z6Mk")
    with app.app_context():
        issuer = issuers.get_issuer(provider.slug)
        with pytest.raises(ConflictError, match="cannot rotate") as caught:
            signing_keys.rotate_signing_key(issuer, passphrase=TEST_PASSPHRASE, actor="test")
        assert caught.value.http_status == 409
        assert caught.value.code == "rotation_unsupported"


def test_database_allows_one_active_key_per_issuer(app: Flask, make: Factory) -> None:
    provider = make.provider()
    with app.app_context(), write_transaction(db.session):
        signing_keys.rotate_signing_key(
            issuers.get_issuer(provider.slug), passphrase=TEST_PASSPHRASE, actor="test"
        )
    with app.app_context(), pytest.raises(IntegrityError), write_transaction(db.session):
        db.session.execute(
            update(SigningKey).where(SigningKey.issuer_id == provider.id).values(is_active=True)
        )
