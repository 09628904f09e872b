"""Keys at rest: Argon2id + AES-256-GCM, parameters recorded in the file, and the migration
of old PKCS#8 (PBKDF2, 2,048 iterations) key files on unlock."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from credentials import key_wrapping
from credentials.errors import ConfigurationError, KeyStoreError
from credentials.key_wrapping import (
    OWASP_ARGON2ID,
    WRAPPED_BEGIN,
    KdfParameters,
    describe,
    unwrap_seed,
    wrap_seed,
)
from credentials.keys import (
    MIN_PRODUCTION_PASSPHRASE_LENGTH,
    PASSPHRASE_ENV,
    Ed25519SigningKey,
    KeyStore,
    key_passphrase,
)

PASSPHRASE = b"correct horse battery staple"
SEED = bytes(range(32))
CHEAP = KdfParameters(memory_kib=64, iterations=1, lanes=1)
ROOT = Path(__file__).resolve().parents[2]


def _document(wrapped: bytes) -> dict[str, object]:
    body = wrapped.split(b"\n", 1)[1].rsplit(b"-----END", 1)[0]
    result: dict[str, object] = json.loads(base64.b64decode(b"".join(body.split())))
    return result


def _rearmor(document: dict[str, object]) -> bytes:
    body = base64.encodebytes(json.dumps(document).encode())
    return WRAPPED_BEGIN + b"\n" + body + b"-----END MICROCRED WRAPPED KEY-----\n"


# --- the format -----------------------------------------------------------------------------


def test_owasp_parameters_are_the_default_and_recorded_in_the_file() -> None:
    assert KdfParameters(memory_kib=19456, iterations=2, lanes=1) == OWASP_ARGON2ID
    wrapped = wrap_seed(SEED, PASSPHRASE, kdf=OWASP_ARGON2ID)
    header = describe(wrapped)
    assert header["kdf"] == {
        "name": "argon2id",
        "memoryKiB": 19456,
        "iterations": 2,
        "lanes": 1,
        "salt": header["kdf"]["salt"],  # type: ignore[index]
    }
    assert header["cipher"]["name"] == "AES-256-GCM"  # type: ignore[index]
    assert "ciphertext" not in header
    unwrapped = unwrap_seed(wrapped, PASSPHRASE)
    assert unwrapped.seed == SEED
    assert unwrapped.kdf == OWASP_ARGON2ID
    assert SEED.hex() not in repr(unwrapped)


def test_a_new_key_store_wraps_with_owasp_argon2id_outside_the_test_patch(tmp_path: Path) -> None:
    # The suite swaps CURRENT_KDF for a cheap one (tests/conftest.py); this is the default a
    # real process gets: a fresh interpreter, no patch. Keys were once PBKDF2 at 2,048.
    script = (
        "import json, sys\n"
        "from credentials.key_wrapping import describe\n"
        "from credentials.keys import KeyStore\n"
        "store = KeyStore(sys.argv[1], passphrase=b'correct horse battery staple')\n"
        "store.create('acme')\n"
        "print(json.dumps(describe((store.directory / 'acme.pem').read_bytes())['kdf']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "keys")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    kdf = json.loads(done.stdout)
    assert kdf["name"] == "argon2id"
    assert (kdf["memoryKiB"], kdf["iterations"], kdf["lanes"]) == (19456, 2, 1)


def test_the_real_parameters_cost_what_owasp_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(key_wrapping, "CURRENT_KDF", OWASP_ARGON2ID)
    started = time.perf_counter()
    wrapped = Ed25519SigningKey.from_seed(SEED).wrap(PASSPHRASE)
    elapsed = time.perf_counter() - started
    assert describe(wrapped)["kdf"]["memoryKiB"] == 19456  # type: ignore[index]
    assert elapsed > 0.005  # a fast KDF here would mean the parameters were not applied


def test_each_wrap_uses_a_fresh_salt_and_nonce() -> None:
    first, second = wrap_seed(SEED, PASSPHRASE, kdf=CHEAP), wrap_seed(SEED, PASSPHRASE, kdf=CHEAP)
    assert first != second
    assert _document(first)["kdf"] != _document(second)["kdf"]


def test_wrong_passphrase_is_a_clear_error() -> None:
    wrapped = wrap_seed(SEED, PASSPHRASE, kdf=CHEAP)
    with pytest.raises(KeyStoreError, match="wrong passphrase or damaged file"):
        unwrap_seed(wrapped, b"not the passphrase")


def test_lowering_the_recorded_parameters_breaks_the_key_instead_of_weakening_it() -> None:
    document = _document(wrap_seed(SEED, PASSPHRASE, kdf=KdfParameters(128, 2, 1)))
    document["kdf"]["iterations"] = 1  # type: ignore[index]
    with pytest.raises(KeyStoreError, match="wrong passphrase or damaged file"):
        unwrap_seed(_rearmor(document), PASSPHRASE)


@pytest.mark.parametrize(
    ("field", "value"),
    [("memoryKiB", 2**40), ("memoryKiB", 1), ("iterations", 0), ("iterations", 10**6)],
)
def test_out_of_range_parameters_are_refused_without_running_the_kdf(
    field: str, value: int
) -> None:
    document = _document(wrap_seed(SEED, PASSPHRASE, kdf=CHEAP))
    document["kdf"][field] = value  # type: ignore[index]
    started = time.perf_counter()
    with pytest.raises(KeyStoreError, match="out-of-range parameters"):
        unwrap_seed(_rearmor(document), PASSPHRASE)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: {**d, "format": 2}, "has format 2"),
        (lambda d: {**d, "kdf": {**d["kdf"], "name": "pbkdf2"}}, "this version reads argon2id"),
        (lambda d: {k: v for k, v in d.items() if k != "ciphertext"}, "missing or malformed"),
        (lambda d: {**d, "ciphertext": 7}, "missing or malformed"),
        (lambda d: {**d, "cipher": {"name": "AES-256-GCM", "nonce": "AAAA"}}, "out-of-range"),
    ],
)
def test_damaged_documents_are_refused_by_name(mangle: object, message: str) -> None:
    document = _document(wrap_seed(SEED, PASSPHRASE, kdf=CHEAP))
    with pytest.raises(KeyStoreError, match=message):
        unwrap_seed(_rearmor(mangle(document)), PASSPHRASE)  # type: ignore[operator]


@pytest.mark.parametrize(
    "data",
    [
        WRAPPED_BEGIN + b"\nbm90IGpzb24=\n-----END MICROCRED WRAPPED KEY-----\n",
        WRAPPED_BEGIN + b"\n!!!\n-----END MICROCRED WRAPPED KEY-----\n",
        WRAPPED_BEGIN + b"\neyJmb3JtYXQiOiAxfQ==\n",
    ],
)
def test_garbage_bodies_are_refused(data: bytes) -> None:
    with pytest.raises(KeyStoreError):
        unwrap_seed(data, PASSPHRASE)


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        wrap_seed(SEED, b"")


# --- old format, new format -----------------------------------------------------------------


def test_legacy_pkcs8_unlocks_and_asks_to_be_rewrapped() -> None:
    key = Ed25519SigningKey.from_seed(SEED)
    legacy = key.to_pkcs8_pem(PASSPHRASE)
    assert legacy.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    unlocked, needs_rewrap = Ed25519SigningKey.unlock(legacy, PASSPHRASE)
    assert unlocked.public_key == key.public_key
    assert needs_rewrap
    assert describe(legacy)["format"] == 0


def test_weaker_parameters_ask_to_be_rewrapped_current_ones_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(key_wrapping, "CURRENT_KDF", KdfParameters(128, 2, 1))
    assert unwrap_seed(wrap_seed(SEED, PASSPHRASE, kdf=CHEAP), PASSPHRASE).needs_rewrap
    assert not unwrap_seed(wrap_seed(SEED, PASSPHRASE), PASSPHRASE).needs_rewrap


def _legacy_store(tmp_path: Path) -> tuple[KeyStore, Ed25519SigningKey, Path]:
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE)
    info = store.create("acme")
    key = Ed25519SigningKey.from_seed(SEED)
    pem = store.directory / "acme.pem"
    pem.write_bytes(key.to_pkcs8_pem(PASSPHRASE))  # as a store written before Argon2id
    meta = json.loads((store.directory / "acme.json").read_text())
    meta["publicKeyMultibase"] = key.public_key_multibase
    (store.directory / "acme.json").write_text(json.dumps(meta))
    assert info.public_key_multibase != key.public_key_multibase
    return store, key, pem


def test_an_old_key_file_unlocks_and_is_rewritten_in_the_new_format(tmp_path: Path) -> None:
    store, key, pem = _legacy_store(tmp_path)
    assert store.load("acme").public_key == key.public_key
    rewritten = pem.read_bytes()
    assert rewritten.startswith(WRAPPED_BEGIN)
    assert describe(rewritten)["kdf"]["name"] == "argon2id"  # type: ignore[index]
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert store.load("acme").public_key == key.public_key
    assert pem.read_bytes() == rewritten  # already current: not written again
    assert sorted(p.name for p in store.directory.iterdir()) == ["acme.json", "acme.pem"]


def test_a_crash_during_the_rewrite_keeps_the_old_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store, key, pem = _legacy_store(tmp_path)
    before = pem.read_bytes()

    def power_cut(src: object, dst: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", power_cut)
    with caplog.at_level(logging.WARNING, logger="credentials.key_store"):
        assert store.load("acme").public_key == key.public_key
    assert "could not be rewritten" in caplog.text
    assert pem.read_bytes() == before
    assert sorted(p.name for p in store.directory.iterdir()) == ["acme.json", "acme.pem"]
    monkeypatch.undo()
    assert store.load("acme").public_key == key.public_key
    assert pem.read_bytes().startswith(WRAPPED_BEGIN)


def test_a_read_only_store_still_unlocks_old_keys(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store, key, pem = _legacy_store(tmp_path)
    before = pem.read_bytes()
    store.directory.chmod(0o500)
    try:
        with caplog.at_level(logging.WARNING, logger="credentials.key_store"):
            assert store.load("acme").public_key == key.public_key
    finally:
        store.directory.chmod(0o700)
    if os.geteuid() != 0:  # root writes anyway
        assert pem.read_bytes() == before
        assert "could not be rewritten" in caplog.text


# --- passphrase length ----------------------------------------------------------------------


def test_production_refuses_a_passphrase_under_12_characters() -> None:
    short = "x" * (MIN_PRODUCTION_PASSPHRASE_LENGTH - 1)
    with pytest.raises(ConfigurationError, match=f"{PASSPHRASE_ENV} has 11 characters") as err:
        key_passphrase({PASSPHRASE_ENV: short}, production=True)
    assert err.value.field == PASSPHRASE_ENV
    assert key_passphrase({PASSPHRASE_ENV: "x" * 12}, production=True) == b"x" * 12


def test_length_counts_characters_not_bytes() -> None:
    twelve = "ä" * 12  # 24 bytes in UTF-8
    assert key_passphrase({PASSPHRASE_ENV: twelve}, production=True) == twelve.encode()
    with pytest.raises(ConfigurationError):
        key_passphrase({PASSPHRASE_ENV: "ä" * 11}, production=True)


def test_development_and_testing_accept_short_passphrases() -> None:
    assert key_passphrase({PASSPHRASE_ENV: "x"}, production=False) == b"x"
