"""``microcred keys``, ``sign`` and ``verify`` as a user runs them (no database involved)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg
from credentials.keys import Ed25519SigningKey
from credentials.proofs import add_proof
from microcred.cli import cli
from tests.credentials import factories as f
from tests.credentials.test_interop import DCC_VC2_OB303


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def run(keys_dir: Path, *args: str, stdin: str | None = None) -> Result:
    runner = CliRunner()
    env = {"MICROCRED_KEYS_DIR": str(keys_dir), "MICROCRED_ENV": "development"}
    return runner.invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)


def unsigned_for(did: str) -> dict[str, Any]:
    doc = f.credential()
    doc["issuer"]["id"] = did
    del doc["credentialStatus"]  # no status list: nothing to fetch from the network
    return doc


def write(path: Path, doc: Any) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


# --- keys -----------------------------------------------------------------------------------


def test_keys_create_prints_did_and_method(keys_dir: Path) -> None:
    result = run(keys_dir, "keys", "create", "alice")
    assert result.exit_code == 0
    assert "did:key:z6Mk" in result.output
    assert "verification method: did:key:z6Mk" in result.output
    assert (keys_dir / "alice.pem").exists()


def test_keys_create_json_and_list(keys_dir: Path) -> None:
    created = json.loads(run(keys_dir, "keys", "create", "bob", "--json").output)
    assert set(created) >= {"name", "did", "verificationMethod", "publicKeyMultibase"}
    assert created["verificationMethod"].startswith(created["did"] + "#")
    listed = json.loads(run(keys_dir, "keys", "list", "--json").output)
    assert [k["did"] for k in listed] == [created["did"]]
    assert created["did"] in run(keys_dir, "keys", "list").output


def test_keys_errors_are_one_line_and_exit_2(keys_dir: Path) -> None:
    run(keys_dir, "keys", "create", "alice")
    duplicate = run(keys_dir, "keys", "create", "alice")
    assert duplicate.exit_code == 2
    assert "already exists" in duplicate.output
    bad_name = run(keys_dir, "keys", "create", "../escape")
    assert bad_name.exit_code == 2
    assert "Traceback" not in bad_name.output


def test_keys_list_empty(keys_dir: Path) -> None:
    assert "no keys" in run(keys_dir, "keys", "list").output


# --- sign --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_sign_then_verify(keys_dir: Path, tmp_path: Path, suite: str) -> None:
    did = json.loads(run(keys_dir, "keys", "create", "issuer", "--json").output)["did"]
    source = write(tmp_path / "cred.json", unsigned_for(did))
    signed = run(keys_dir, "sign", source, "--key", "issuer", "--suite", suite)
    assert signed.exit_code == 0, signed.output
    document = json.loads(signed.output)
    assert document["proof"]["cryptosuite"] == suite
    signed_path = write(tmp_path / "signed.json", document)
    verified = run(keys_dir, "verify", signed_path)
    assert verified.exit_code == 0, verified.output
    for check in ("structure", "proof", "issuer", "validity", "status"):
        assert check in verified.output
    assert "VALID" in verified.output


def test_sign_reads_stdin(keys_dir: Path) -> None:
    did = json.loads(run(keys_dir, "keys", "create", "issuer", "--json").output)["did"]
    result = run(keys_dir, "sign", "-", "--key", "issuer", stdin=json.dumps(unsigned_for(did)))
    assert result.exit_code == 0
    assert "proofValue" in result.output


def test_sign_refuses_issuer_that_is_not_the_key(keys_dir: Path, tmp_path: Path) -> None:
    run(keys_dir, "keys", "create", "issuer")
    source = write(tmp_path / "cred.json", unsigned_for("did:web:someone-else.example"))
    result = run(keys_dir, "sign", source, "--key", "issuer")
    assert result.exit_code == 2
    assert "issuer is 'did:web:someone-else.example'" in result.output
    assert "belongs to did:key:" in result.output


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.__setitem__("secretBonus", "yes"), "secretBonus"),
        (lambda d: d["credentialSubject"].pop("achievement"), "achievement"),
    ],
    ids=["undefined term", "not well formed"],
)
def test_sign_refuses_bad_documents(
    keys_dir: Path, tmp_path: Path, change: Any, fragment: str
) -> None:
    did = json.loads(run(keys_dir, "keys", "create", "issuer", "--json").output)["did"]
    doc = unsigned_for(did)
    change(doc)
    result = run(keys_dir, "sign", write(tmp_path / "cred.json", doc), "--key", "issuer")
    assert result.exit_code == 2
    assert fragment in result.output


def test_sign_with_unknown_key_or_bad_file(keys_dir: Path, tmp_path: Path) -> None:
    missing_key = run(keys_dir, "sign", write(tmp_path / "c.json", {}), "--key", "nobody")
    assert missing_key.exit_code == 2
    assert "no key named 'nobody'" in missing_key.output
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    run(keys_dir, "keys", "create", "issuer")
    bad_json = run(keys_dir, "sign", str(tmp_path / "bad.json"), "--key", "issuer")
    assert bad_json.exit_code == 2
    assert "not valid JSON" in bad_json.output


# --- verify ------------------------------------------------------------------------------------


def foreign_signed() -> dict[str, Any]:
    """Signed by a did:key that is not in our key store: another issuer."""
    key = Ed25519SigningKey.from_seed(b"\x07" * 32)
    doc = unsigned_for(key.did_key)
    return add_proof(doc, key, verification_method=f"{key.did_key}#{key.public_key_multibase}")


def test_verify_another_issuers_did_key_credential(keys_dir: Path, tmp_path: Path) -> None:
    result = run(keys_dir, "verify", write(tmp_path / "foreign.json", foreign_signed()))
    assert result.exit_code == 0, result.output


def test_verify_credential_from_another_implementation(keys_dir: Path, tmp_path: Path) -> None:
    # Signed by the Digital Credentials Consortium's issuer; expired on purpose.
    result = run(keys_dir, "verify", "--json", write(tmp_path / "dcc.json", DCC_VC2_OB303))
    report = json.loads(result.output)["results"][0]
    assert result.exit_code == 1
    assert report["verdict"] == "expired"
    assert {c["check"]: c["outcome"] for c in report["checks"]}["proof"] == "passed"


def test_verify_exit_codes(keys_dir: Path, tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", foreign_signed())
    tampered_doc = foreign_signed()
    tampered_doc["name"] = "Something else"
    tampered = write(tmp_path / "tampered.json", tampered_doc)
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01junk")
    junk = str(tmp_path / "junk.bin")
    assert run(keys_dir, "verify", good).exit_code == 0
    assert run(keys_dir, "verify", good, tampered).exit_code == 1
    assert run(keys_dir, "verify", good, tampered, junk).exit_code == 2
    assert run(keys_dir, "verify", str(tmp_path / "missing.json")).exit_code == 2


def test_verify_json_report_lists_every_check(keys_dir: Path, tmp_path: Path) -> None:
    tampered_doc = foreign_signed()
    tampered_doc["name"] = "Something else"
    result = run(keys_dir, "verify", "--json", write(tmp_path / "t.json", tampered_doc))
    report = json.loads(result.output)
    assert report["verified"] is False
    (entry,) = report["results"]
    proof = next(c for c in entry["checks"] if c["check"] == "proof")
    assert (proof["outcome"], proof["code"]) == ("failed", "bad_signature")


def test_verify_baked_png_and_svg(keys_dir: Path, tmp_path: Path) -> None:
    signed = foreign_signed()
    png = tmp_path / "badge.png"
    png.write_bytes(bake_png(default_badge_png("Python API"), signed))
    svg = tmp_path / "badge.svg"
    svg.write_text(bake_svg(default_badge_svg("Python API"), signed), encoding="utf-8")
    result = run(keys_dir, "verify", "--json", str(png), str(svg))
    assert result.exit_code == 0, result.output
    assert [r["format"] for r in json.loads(result.output)["results"]] == ["png", "svg"]
    plain_png = tmp_path / "plain.png"
    plain_png.write_bytes(default_badge_png("No credential"))
    unbaked = run(keys_dir, "verify", str(plain_png))
    assert unbaked.exit_code == 2
    assert "NO CREDENTIAL" in unbaked.output
    assert "[format.no_credential]" in unbaked.output
