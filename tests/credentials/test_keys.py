"""Ed25519 keys, signature verification, the passphrase policy and the encrypted key store."""

from __future__ import annotations

import json
import logging
import pickle
import stat
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from credentials.errors import (
    ConfigurationError,
    InvalidInputError,
    KeyNotFoundError,
    KeyStoreError,
    MultibaseError,
)
from credentials.keys import (
    DEV_PASSPHRASE,
    PASSPHRASE_ENV,
    Ed25519SigningKey,
    KeyInfo,
    KeyStore,
    key_passphrase,
    verify_signature,
)

# W3C vc-di-eddsa TestVectors/keyPair.json (the key behind every EdDSA test vector).
VC_DI_EDDSA_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
VC_DI_EDDSA_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"

# RFC 8032 §7.1 TEST 1: secret key, public key, empty message → signature.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)

PASSPHRASE = b"test passphrase"


# --- signing keys ---------------------------------------------------------------------------


def test_vc_di_eddsa_key_pair_golden() -> None:
    key = Ed25519SigningKey.from_secret_multibase(VC_DI_EDDSA_SECRET)
    assert key.public_key_multibase == VC_DI_EDDSA_PUBLIC
    assert key.secret_multibase() == VC_DI_EDDSA_SECRET
    assert key.did_key == "did:key:" + VC_DI_EDDSA_PUBLIC


def test_rfc8032_test1_signature_is_reproduced_byte_for_byte() -> None:
    key = Ed25519SigningKey.from_seed(RFC8032_SEED)
    assert key.public_key == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_SIGNATURE
    assert verify_signature(RFC8032_PUBLIC, RFC8032_SIGNATURE, b"")


def test_sign_verify_round_trip() -> None:
    key = Ed25519SigningKey.generate()
    signature = key.sign(b"hello")
    assert len(signature) == 64
    assert len(key.public_key) == 32
    assert key.public_key_multibase.startswith("z6Mk")
    assert verify_signature(key.public_key, signature, b"hello")
    assert key.verify(signature, b"hello")


def test_signature_from_another_key_is_refused() -> None:
    signer, other = Ed25519SigningKey.generate(), Ed25519SigningKey.generate()
    assert not verify_signature(other.public_key, signer.sign(b"data"), b"data")


def test_signature_over_other_data_is_refused() -> None:
    key = Ed25519SigningKey.generate()
    assert not verify_signature(key.public_key, key.sign(b"data"), b"datA")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: s[:63], id="truncated"),
        pytest.param(lambda s: s + b"\x00", id="padded"),
        pytest.param(lambda s: b"", id="empty"),
        pytest.param(lambda s: bytes([s[0] ^ 1]) + s[1:], id="first-bit-flipped"),
        pytest.param(lambda s: s[:-1] + bytes([s[-1] ^ 0x80]), id="last-bit-flipped"),
    ],
)
def test_altered_signature_returns_false(mangle: Callable[[bytes], bytes]) -> None:
    key = Ed25519SigningKey.generate()
    signature = key.sign(b"data")
    assert verify_signature(key.public_key, mangle(signature), b"data") is False


@pytest.mark.parametrize("public_key", [b"", b"\x00" * 31, b"\x00" * 33, "not bytes"])
def test_malformed_public_key_returns_false(public_key: object) -> None:
    signature = Ed25519SigningKey.generate().sign(b"data")
    assert verify_signature(public_key, signature, b"data") is False  # type: ignore[arg-type]


def test_non_bytes_signature_returns_false() -> None:
    key = Ed25519SigningKey.generate()
    assert verify_signature(key.public_key, "z" * 64, b"data") is False  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [b"", b"\x00" * 31, b"\x00" * 33])
def test_seed_of_wrong_length_is_refused(seed: bytes) -> None:
    with pytest.raises(InvalidInputError, match="32 bytes") as info:
        Ed25519SigningKey.from_seed(seed)
    assert info.value.field == "seed"


def test_public_multikey_is_not_accepted_as_secret() -> None:
    with pytest.raises(MultibaseError):
        Ed25519SigningKey.from_secret_multibase(VC_DI_EDDSA_PUBLIC)


def test_repr_and_str_hide_the_secret() -> None:
    key = Ed25519SigningKey.from_secret_multibase(VC_DI_EDDSA_SECRET)
    seed_hex = key.secret_multibase()
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert VC_DI_EDDSA_SECRET not in text
        assert seed_hex not in text
        assert VC_DI_EDDSA_PUBLIC in text


def test_signing_key_cannot_be_pickled() -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Ed25519SigningKey.generate())


# --- PKCS#8 ---------------------------------------------------------------------------------


def test_pkcs8_round_trip_is_encrypted() -> None:
    key = Ed25519SigningKey.generate()
    pem = key.to_pkcs8_pem(PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = Ed25519SigningKey.from_pkcs8_pem(pem, PASSPHRASE)
    assert loaded.public_key == key.public_key
    assert verify_signature(key.public_key, loaded.sign(b"x"), b"x")


def test_pkcs8_wrong_passphrase_is_a_clear_error() -> None:
    pem = Ed25519SigningKey.generate().to_pkcs8_pem(PASSPHRASE)
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        Ed25519SigningKey.from_pkcs8_pem(pem, b"not the passphrase")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"garbage",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    ],
)
def test_garbage_pem_is_refused(data: bytes) -> None:
    with pytest.raises(KeyStoreError):
        Ed25519SigningKey.from_pkcs8_pem(data, PASSPHRASE)


def test_unencrypted_pem_is_refused() -> None:
    plain = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(KeyStoreError, match="not an encrypted"):
        Ed25519SigningKey.from_pkcs8_pem(plain, PASSPHRASE)


def test_pem_of_another_key_type_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    )
    with pytest.raises(KeyStoreError, match="not an Ed25519 key"):
        Ed25519SigningKey.from_pkcs8_pem(pem, PASSPHRASE)


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Ed25519SigningKey.generate().to_pkcs8_pem(b"")


# --- passphrase policy ----------------------------------------------------------------------


def test_production_without_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=PASSPHRASE_ENV) as info:
        key_passphrase({}, production=True)
    assert info.value.field == PASSPHRASE_ENV


def test_production_with_empty_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=PASSPHRASE_ENV):
        key_passphrase({PASSPHRASE_ENV: ""}, production=True)


def test_production_with_the_dev_passphrase_is_refused() -> None:
    environ = {PASSPHRASE_ENV: DEV_PASSPHRASE.decode()}
    with pytest.raises(ConfigurationError, match="development passphrase"):
        key_passphrase(environ, production=True)


def test_production_with_a_real_passphrase() -> None:
    assert key_passphrase({PASSPHRASE_ENV: "s3cret ünïcode"}, production=True) == (
        "s3cret ünïcode".encode()
    )


def test_development_default_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="credentials.keys"):
        assert key_passphrase({}, production=False) == DEV_PASSPHRASE
    assert any(PASSPHRASE_ENV in record.getMessage() for record in caplog.records)
    assert all(DEV_PASSPHRASE.decode() not in record.getMessage() for record in caplog.records)


def test_development_with_passphrase_set_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="credentials.keys"):
        assert key_passphrase({PASSPHRASE_ENV: "dev"}, production=False) == b"dev"
    assert caplog.records == []


# --- key store ------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys", passphrase=PASSPHRASE)


def test_create_then_load(store: KeyStore) -> None:
    info = store.create("issuer-1")
    assert isinstance(info, KeyInfo)
    assert info.name == "issuer-1"
    assert info.did == "did:key:" + info.public_key_multibase
    assert info.verification_method == f"{info.did}#{info.public_key_multibase}"
    assert info.created.tzinfo is not None
    key = store.load("issuer-1")
    assert key.public_key_multibase == info.public_key_multibase
    assert store.info("issuer-1") == info


def test_store_files_and_permissions(store: KeyStore) -> None:
    info = store.create("acme")
    pem = store.directory / "acme.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) & 0o077 == 0
    assert pem.read_bytes().startswith(b"-----BEGIN MICROCRED WRAPPED KEY-----")
    meta = json.loads((store.directory / "acme.json").read_text())
    assert meta["name"] == "acme"
    assert meta["publicKeyMultibase"] == info.public_key_multibase
    assert meta["created"].endswith("Z")
    assert sorted(p.name for p in store.directory.iterdir()) == ["acme.json", "acme.pem"]


def test_list_is_sorted_and_exists(store: KeyStore) -> None:
    assert store.list() == []
    for name in ("zeta", "alpha", "Mid.2"):
        store.create(name)
    assert [info.name for info in store.list()] == ["Mid.2", "alpha", "zeta"]
    assert store.exists("alpha")
    assert not store.exists("beta")


def test_duplicate_create_is_refused(store: KeyStore) -> None:
    first = store.create("acme")
    before = (store.directory / "acme.pem").read_bytes()
    with pytest.raises(KeyStoreError, match="already exists"):
        store.create("acme")
    assert (store.directory / "acme.pem").read_bytes() == before
    assert store.create("acme", exist_ok=True) == first


def test_load_missing_key_names_key_and_directory(store: KeyStore) -> None:
    with pytest.raises(KeyNotFoundError) as info:
        store.load("nope")
    assert "nope" in info.value.message
    assert str(store.directory) in info.value.message
    with pytest.raises(KeyNotFoundError):
        store.info("nope")


@pytest.mark.parametrize(
    "name",
    ["../x", "", "a" * 65, "..", ".hidden", "a/b", "a\\b", "key\n", "-lead", "ключ", "a b"],
)
def test_invalid_names_are_refused(store: KeyStore, name: str) -> None:
    for operation in (store.create, store.load, store.exists, store.info):
        with pytest.raises(InvalidInputError) as info:
            operation(name)
        assert info.value.field == "name"
    assert not (store.directory.parent / "x.pem").exists()


def test_longest_valid_name_is_accepted(store: KeyStore) -> None:
    assert store.create("a" * 64).name == "a" * 64


def test_load_with_wrong_passphrase(store: KeyStore) -> None:
    store.create("acme")
    other = KeyStore(store.directory, passphrase=b"wrong")
    with pytest.raises(KeyStoreError, match="wrong passphrase") as info:
        other.load("acme")
    assert "acme" in info.value.message
    assert other.info("acme").name == "acme"  # public facts need no passphrase


def test_tampered_sidecar_is_detected_on_load(store: KeyStore) -> None:
    store.create("acme")
    meta_path = store.directory / "acme.json"
    meta = json.loads(meta_path.read_text())
    meta["publicKeyMultibase"] = Ed25519SigningKey.generate().public_key_multibase
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(KeyStoreError, match="different public key"):
        store.load("acme")


def test_missing_sidecar_is_rebuilt(store: KeyStore) -> None:
    info = store.create("acme")
    (store.directory / "acme.json").unlink()
    rebuilt = store.info("acme")
    assert rebuilt.public_key_multibase == info.public_key_multibase
    assert (store.directory / "acme.json").exists()


def test_unrelated_files_are_not_listed(store: KeyStore) -> None:
    store.create("acme")
    (store.directory / "notes.txt").write_text("hello")
    (store.directory / ".acme.pem.0123.tmp").write_text("partial")
    assert [info.name for info in store.list()] == ["acme"]


def test_store_with_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        KeyStore(tmp_path, passphrase=b"")


def test_store_repr_hides_the_passphrase(store: KeyStore) -> None:
    assert PASSPHRASE.decode() not in repr(store)


def test_key_info_as_dict(store: KeyStore) -> None:
    info = store.create("acme")
    data = info.as_dict()
    assert data["did"] == info.did
    assert data["verificationMethod"] == info.verification_method
    assert data["publicKeyMultibase"] == info.public_key_multibase
    assert data["name"] == "acme"
    assert data["created"].endswith("Z")


def test_unwritable_directory_is_a_key_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the key directory should be")
    with pytest.raises(KeyStoreError, match="cannot write key"):
        KeyStore(blocker, passphrase=PASSPHRASE).create("acme")


def test_concurrent_creates_of_one_name_agree(store: KeyStore) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        infos = list(pool.map(lambda _: store.create("race", exist_ok=True), range(16)))
    assert {info.public_key_multibase for info in infos} == {
        store.load("race").public_key_multibase
    }
    assert sorted(p.name for p in store.directory.iterdir()) == ["race.json", "race.pem"]
