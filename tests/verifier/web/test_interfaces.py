"""``verifier.web.interfaces``: what the verifier asks of the issuing side, and the answer of a
verifier that has none (the verifier imports no ``issuer``; import-linter keeps it so)."""

from __future__ import annotations

from dataclasses import dataclass

from verifier.resolvers import LocalDidSource, LocalStatusListSource
from verifier.trust import LocalIssuerDirectory
from verifier.web.interfaces import OwnSources, RefKind
from verifier.web.lookup import find_credential

UUID = "0b6f4c9e-3f55-4c3a-9d2e-5d1f1f3f7a10"


@dataclass(frozen=True)
class Stored:
    id: str
    short_code: str
    document: str


class RecordingStore:
    def __init__(self) -> None:
        self.asked: list[tuple[RefKind, str]] = []

    def __call__(self, kind: RefKind, value: str, /) -> Stored | None:
        self.asked.append((kind, value))
        return Stored(id=UUID, short_code="abc", document="{}") if kind == "id" else None


def test_a_verifier_without_an_issuing_side_owns_nothing() -> None:
    own = OwnSources.nothing()
    assert isinstance(own.dids, LocalDidSource)
    assert isinstance(own.status_lists, LocalStatusListSource)
    assert isinstance(own.issuers, LocalIssuerDirectory)
    assert own.dids.document_for("did:web:microcred.example:issuers:acme") is None
    assert own.status_lists.status_list_for("https://microcred.example/issuers/a/status") is None
    assert own.issuers.identity_for("did:web:microcred.example:issuers:acme") is None
    assert own.credentials("short_code", "abc") is None
    with own.scope():
        pass


def test_the_store_is_asked_only_for_a_parsed_reference() -> None:
    store = RecordingStore()
    found = find_credential(f"urn:uuid:{UUID}", store)
    assert found is not None
    assert found.id == UUID
    assert find_credential("abc", store) is None
    assert find_credential("not a reference!", store) is None
    assert find_credential("x" * 65, store) is None
    assert store.asked == [("id", UUID), ("short_code", "abc")]
