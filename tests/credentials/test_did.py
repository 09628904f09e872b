"""did:key (golden vectors, strict parsing) and did:web (URL mapping, documents, rotation)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import multikey
from credentials.did import (
    DID_CONTEXTS,
    DidKey,
    DidKeyResolver,
    build_did_web_document,
    did_key_document,
    did_key_from_public_key,
    did_key_public_key,
    did_key_verification_method,
    did_web_document_url,
    did_web_for,
    resolve_did_key,
)
from credentials.errors import InvalidInputError, MultibaseError, ResolutionError
from credentials.keys import Ed25519SigningKey
from credentials.resolvers import CompositeDidResolver, DidDocument, DidResolver

# w3c-ccg/did-method-key test-vectors/ed25519-x25519.json: 32-byte seed (hex) → did:key.
# (The file lists publicKeyBase58 of the same keys; the DID carries them as Multikeys.)
DID_KEY_VECTORS = [
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000001",
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000002",
        "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000003",
        "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ",
    ),
]
# Same file, first entry: its Ed25519 publicKeyBase58 and an X25519 (0xec) did:key value
# (the keyAgreementKeyPair id, a valid did:key of the wrong key type for us).
ZERO_SEED_PUBLIC_BASE58 = "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"
X25519_DID_KEY = "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"

# W3C vc-di-eddsa TestVectors/keyPair.json
VC_DI_EDDSA_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


# --- did:key --------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed_hex", "did"), DID_KEY_VECTORS)
def test_did_key_golden_vectors(seed_hex: str, did: str) -> None:
    key = Ed25519SigningKey.from_seed(bytes.fromhex(seed_hex))
    assert did_key_from_public_key(key.public_key) == did
    assert did_key_public_key(did) == key.public_key


def test_did_key_raw_key_matches_base58_in_vector() -> None:
    raw = did_key_public_key(DID_KEY_VECTORS[0][1])
    assert multikey.encode_base58btc(raw) == "z" + ZERO_SEED_PUBLIC_BASE58


def test_did_key_document_shape() -> None:
    did = DID_KEY_VECTORS[0][1]
    vm = did + "#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    assert did_key_verification_method(did) == vm
    doc = did_key_document(did)
    assert doc["@context"] == list(DID_CONTEXTS)
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["verificationMethod"] == [
        {
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
        }
    ]
    for relation in (
        "authentication",
        "assertionMethod",
        "capabilityInvocation",
        "capabilityDelegation",
    ):
        assert doc[relation] == [vm]


def test_resolve_did_key_of_test_vector_key_pair() -> None:
    did = "did:key:" + VC_DI_EDDSA_PUBLIC
    document = resolve_did_key(did)
    assert isinstance(document, DidDocument)
    assert document.id == did
    method = document.assertion_method(f"{did}#{VC_DI_EDDSA_PUBLIC}")
    assert method is not None
    assert method.public_key == multikey.decode_public_key(VC_DI_EDDSA_PUBLIC)
    assert method.controller == did
    assert document.assertion_method(f"{did}#other") is None


MALFORMED_DID_KEYS = [
    pytest.param("did:web:example.com", "not a did:key", id="other-method"),
    pytest.param("did:key:", "empty", id="empty"),
    pytest.param("DID:key:" + VC_DI_EDDSA_PUBLIC, "not a did:key", id="upper-case-scheme"),
    pytest.param("did:key:" + VC_DI_EDDSA_PUBLIC + "#frag", "fragment", id="fragment"),
    pytest.param("did:key:" + VC_DI_EDDSA_PUBLIC + "/path", "path", id="path"),
    pytest.param("did:key:" + VC_DI_EDDSA_PUBLIC + "?q=1", "query", id="query"),
    pytest.param("did:key:1.0:" + VC_DI_EDDSA_PUBLIC, "':'", id="version"),
    pytest.param("did:key:u7QE", "base58btc", id="base64-multibase"),
    pytest.param("did:key:z6Mk0OIl", "base58btc", id="not-base58"),
    pytest.param(X25519_DID_KEY, "x25519", id="x25519-key"),
    pytest.param(
        "did:key:" + multikey.encode_base58btc(b"\x80\x24" + bytes(33)), "p256", id="p256-key"
    ),
    pytest.param(
        "did:key:" + multikey.encode_base58btc(b"\xed\x01" + bytes(31)), "32 bytes", id="too-short"
    ),
    pytest.param(
        "did:key:" + multikey.encode_base58btc(b"\xed\x01" + bytes(33)), "32 bytes", id="too-long"
    ),
    pytest.param("did:key:z", "Ed25519", id="no-bytes"),
]


@pytest.mark.parametrize(("did", "problem"), MALFORMED_DID_KEYS)
def test_malformed_did_key_is_refused(did: str, problem: str) -> None:
    with pytest.raises(ResolutionError, match=problem):
        resolve_did_key(did)
    with pytest.raises(ResolutionError):
        DidKeyResolver().resolve(did)
    with pytest.raises(ResolutionError):
        did_key_verification_method(did)


def test_did_key_from_wrong_length_key_is_refused() -> None:
    with pytest.raises(MultibaseError):
        did_key_from_public_key(bytes(31))


def test_did_key_resolver_is_a_did_resolver_and_caches() -> None:
    resolver = DidKeyResolver()
    assert isinstance(resolver, DidResolver)
    did = DID_KEY_VECTORS[1][1]
    assert resolver.resolve(did) is resolver.resolve(did)
    with pytest.raises(ResolutionError):
        resolver.resolve(["not", "a", "string"])  # type: ignore[arg-type]


def test_did_key_resolver_in_composite() -> None:
    composite = CompositeDidResolver({"key": DidKeyResolver()})
    did = DID_KEY_VECTORS[2][1]
    assert composite.resolve(did).id == did


# --- did:web: DID ↔ URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        # did-method-web §3.2 "Create" / "Read" examples:
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        (
            "did:web:example.com%3A3000:user:alice",
            "https://example.com:3000/user/alice/did.json",
        ),
        ("did:web:example.com%3A3000", "https://example.com:3000/.well-known/did.json"),
        # Ours:
        (
            "did:web:creds.example.com:issuers:acme",
            "https://creds.example.com/issuers/acme/did.json",
        ),
        ("did:web:Example.COM", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:caf%C3%A9", "https://example.com/caf%C3%A9/did.json"),
        ("did:web:example.com:a%20b", "https://example.com/a%20b/did.json"),
    ],
)
def test_did_web_document_url(did: str, url: str) -> None:
    assert did_web_document_url(did) == url


def test_did_web_document_url_http_for_development() -> None:
    did = "did:web:127.0.0.1%3A5000:issuers:acme"
    assert did_web_document_url(did, scheme="http") == "http://127.0.0.1:5000/issuers/acme/did.json"
    with pytest.raises(InvalidInputError):
        did_web_document_url(did, scheme="ftp")


@pytest.mark.parametrize(
    ("did", "problem"),
    [
        ("did:key:" + VC_DI_EDDSA_PUBLIC, "not a did:web"),
        ("did:web:", "empty"),
        ("did:web:example.com#key-1", "fragment"),
        ("did:web:example.com?versionId=1", "query"),
        ("did:web:example.com/path", "path"),
        ("did:web:example.com::alice", "empty path segment"),
        ("did:web:example.com:alice:", "empty path segment"),
        ("did:web::alice", "host"),
        ("did:web:example.com:..", "'..'"),
        ("did:web:example.com:%2E%2E:x", "'..'"),
        ("did:web:example.com:.", "'.'"),
        ("did:web:example.com:a%2Fb", "slash"),
        ("did:web:example.com:a%00b", "control"),
        ("did:web:example.com:%FF", "UTF-8"),
        ("did:web:user@example.com", "user information"),
        ("did:web:user%40example.com", "user information"),
        ("did:web:example.com%3A99999", "port"),
        ("did:web:example.com%3A0", "port"),
        ("did:web:example.com%3Ahttp", "host"),
        ("did:web:example.com%2Fevil", "host"),
        ("did:web:exa_mple.com", "host"),
        ("did:web:-example.com", "host"),
        ("did:web:example..com", "host"),
        ("did:web:example.com:a b", "characters"),
        ("did:web:example.com:~x", "characters"),
    ],
)
def test_malformed_did_web_is_refused(did: str, problem: str) -> None:
    with pytest.raises(ResolutionError, match=problem):
        did_web_document_url(did)


@pytest.mark.parametrize(
    ("base_url", "segments", "did"),
    [
        (
            "https://creds.example.com",
            ("issuers", "acme"),
            "did:web:creds.example.com:issuers:acme",
        ),
        (
            "https://creds.example.com/",
            ("issuers", "acme"),
            "did:web:creds.example.com:issuers:acme",
        ),
        (
            "http://127.0.0.1:5000",
            ("issuers", "acme"),
            "did:web:127.0.0.1%3A5000:issuers:acme",
        ),
        ("http://localhost:5000", (), "did:web:localhost%3A5000"),
        ("https://example.com:443", (), "did:web:example.com"),
        ("https://example.com:8443", (), "did:web:example.com%3A8443"),
        ("https://Example.COM", (), "did:web:example.com"),
        (
            "https://example.com/microcred/",
            ("issuers", "acme"),
            "did:web:example.com:microcred:issuers:acme",
        ),
        (
            "https://example.com",
            ("a b", "café", "x~y"),
            "did:web:example.com:a%20b:caf%C3%A9:x%7Ey",
        ),
        ("https://example.com", ("a:b",), "did:web:example.com:a%3Ab"),
        ("https://bücher.example", (), "did:web:xn--bcher-kva.example"),
    ],
)
def test_did_web_for(base_url: str, segments: tuple[str, ...], did: str) -> None:
    assert did_web_for(base_url, *segments) == did
    did_web_document_url(did)  # whatever we mint must itself parse


def test_did_web_for_round_trips_to_the_document_url() -> None:
    did = did_web_for("http://127.0.0.1:5000", "issuers", "acme")
    assert did_web_document_url(did, scheme="http") == "http://127.0.0.1:5000/issuers/acme/did.json"
    did = did_web_for("https://example.com", "a b", "a:b")
    assert did_web_document_url(did) == "https://example.com/a%20b/a%3Ab/did.json"


@pytest.mark.parametrize(
    ("base_url", "segments", "field"),
    [
        ("ftp://example.com", (), "base_url"),
        ("example.com", (), "base_url"),
        ("https://user:pw@example.com", (), "base_url"),
        ("https://example.com?x=1", (), "base_url"),
        ("https://example.com#frag", (), "base_url"),
        ("https://example.com:99999", (), "base_url"),
        ("https://example.com:0", (), "base_url"),
        ("https://[::1]:5000", (), "base_url"),
        ("https://[::1", (), "base_url"),
        ("https://example.com/../x", (), "base_url"),
        ("https://example.com", ("",), "path_segments"),
        ("https://example.com", ("..",), "path_segments"),
        ("https://example.com", ("a/b",), "path_segments"),
        ("https://example.com", ("a\nb",), "path_segments"),
    ],
)
def test_did_web_for_refuses_bad_input(
    base_url: str, segments: tuple[str, ...], field: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        did_web_for(base_url, *segments)
    assert info.value.field == field


# --- did:web documents ----------------------------------------------------------------------

DID = "did:web:creds.example.com:issuers:acme"


def test_document_with_a_rotated_key() -> None:
    old, new = Ed25519SigningKey.generate(), Ed25519SigningKey.generate()
    doc = build_did_web_document(
        DID,
        [DidKey("key-1", old.public_key, active=False), DidKey("#key-2", new.public_key)],
    )
    old_vm, new_vm = f"{DID}#key-1", f"{DID}#key-2"
    assert doc["@context"] == list(DID_CONTEXTS)
    assert doc["id"] == DID
    assert doc["verificationMethod"] == [
        {
            "id": old_vm,
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": old.public_key_multibase,
        },
        {
            "id": new_vm,
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": new.public_key_multibase,
        },
    ]
    # Rotated keys keep verifying the credentials they signed; only active keys authenticate.
    assert doc["assertionMethod"] == [old_vm, new_vm]
    assert doc["authentication"] == [new_vm]

    parsed = DidDocument.from_json(doc, expected_id=DID)
    old_method = parsed.assertion_method(old_vm)
    assert old_method is not None
    assert old_method.public_key == old.public_key
    new_method = parsed.assertion_method(new_vm)
    assert new_method is not None
    assert new_method.public_key == new.public_key


def test_revoked_key_is_simply_not_listed() -> None:
    current = Ed25519SigningKey.generate()
    doc = build_did_web_document(DID, [DidKey("key-2", current.public_key)])
    parsed = DidDocument.from_json(doc, expected_id=DID)
    assert parsed.assertion_method(f"{DID}#key-1") is None


def test_full_method_ids_are_accepted() -> None:
    key = Ed25519SigningKey.generate()
    doc = build_did_web_document(DID, [DidKey(f"{DID}#{key.public_key_multibase}", key.public_key)])
    assert doc["assertionMethod"] == [f"{DID}#{key.public_key_multibase}"]


@pytest.mark.parametrize(
    "fragment_or_id",
    ["", "#", "did:web:other.example#key-1", "key 1", "key#1", f"{DID}#"],
)
def test_bad_method_ids_are_refused(fragment_or_id: str) -> None:
    key = Ed25519SigningKey.generate()
    with pytest.raises(InvalidInputError):
        build_did_web_document(DID, [DidKey(fragment_or_id, key.public_key)])


def test_duplicate_method_ids_are_refused() -> None:
    a, b = Ed25519SigningKey.generate(), Ed25519SigningKey.generate()
    with pytest.raises(InvalidInputError, match="twice"):
        build_did_web_document(DID, [DidKey("key-1", a.public_key), DidKey("#key-1", b.public_key)])


def test_wrong_length_public_key_is_refused() -> None:
    with pytest.raises(MultibaseError):
        build_did_web_document(DID, [DidKey("key-1", bytes(31))])


def test_document_for_a_malformed_did_is_refused() -> None:
    key = Ed25519SigningKey.generate()
    with pytest.raises(ResolutionError):
        build_did_web_document("did:web:example.com:..", [DidKey("key-1", key.public_key)])


def test_did_key_active_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        DidKey("key-1", bytes(32), False)  # type: ignore[misc]


# --- no input escapes the error tree --------------------------------------------------------

_DID_TEXT = st.text(alphabet=st.sampled_from("did:keywb.%3Az6Mk01#?/@-_~é "), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_DID_TEXT, st.text(max_size=60)))
def test_arbitrary_strings_only_raise_resolution_errors(text: str) -> None:
    for candidate in (text, "did:key:" + text, "did:web:" + text):
        for parse in (resolve_did_key, did_web_document_url):
            with contextlib.suppress(ResolutionError):
                parse(candidate)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=10), max_size=3))
def test_did_web_for_only_raises_invalid_input(base: str, segments: list[str]) -> None:
    for base_url in (base, "https://" + base):
        try:
            did = did_web_for(base_url, *segments)
        except InvalidInputError:
            continue
        did_web_document_url(did)  # anything we mint must parse again
