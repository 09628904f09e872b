"""What verification needs from the outside world, as small Protocols.

The core never does I/O itself. A verifier is given a ``DidResolver`` (did:key
is resolved in the core; did:web over HTTPS lives in ``verifier/``; our own
issuers are resolved from the database) and, when status is to be checked, a
``StatusListFetcher``; ``relatedResource`` digests of resources that are not bundled
need a ``ResourceFetcher``. All raise ``ResolutionError`` when they cannot answer,
and verification turns that into a failed check (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from credentials import multikey
from credentials.errors import MicrocredError, ResolutionError, UnsupportedDidMethodError

#: Verification method types whose ``publicKeyMultibase`` holds an Ed25519 Multikey.
ED25519_METHOD_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """An Ed25519 verification method, as listed in a DID document."""

    id: str
    type: str
    controller: str
    public_key: bytes

    @property
    def public_key_multibase(self) -> str:
        return multikey.encode_public_key(self.public_key)


def _absolute(ref: str, base_did: str) -> str:
    # DID documents may list methods relative to the document ("#key-1").
    return base_did + ref if ref.startswith("#") else ref


@dataclass(frozen=True, slots=True)
class DidDocument:
    """A parsed DID document: its methods and the ids under ``assertionMethod``."""

    id: str
    methods: Mapping[str, VerificationMethod]
    assertion_method_ids: frozenset[str]
    raw: Mapping[str, Any]

    def assertion_method(self, method_id: str) -> VerificationMethod | None:
        """The method if it is listed under ``assertionMethod`` (the only purpose we sign for)."""
        if method_id not in self.assertion_method_ids:
            return None
        return self.methods.get(method_id)

    def method_for(self, relationship: str, method_id: str) -> VerificationMethod | None:
        """The method if the document lists it under ``relationship`` (``assertionMethod``
        for credentials, ``authentication`` for a holder's presentations)."""
        if relationship == "assertionMethod":
            return self.assertion_method(method_id)
        for entry in _as_list(self.raw.get(relationship)):
            if isinstance(entry, str) and _absolute(entry, self.id) == method_id:
                return self.methods.get(method_id)
            if isinstance(entry, Mapping):
                method = _parse_method(entry, self.id)
                if method is not None and method.id == method_id:
                    return method
        return None

    @classmethod
    def from_json(cls, doc: object, *, expected_id: str | None = None) -> DidDocument:
        """Parse a DID document, refusing one whose ``id`` is not the DID that was resolved."""
        if not isinstance(doc, Mapping):
            raise ResolutionError("DID document is not a JSON object")
        did = doc.get("id")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise ResolutionError("DID document has no DID as its id", details={"id": did})
        if expected_id is not None and did != expected_id:
            # A did:web host answering with another DID's document must not be believed.
            raise ResolutionError(
                f"DID document id {did!r} does not match the resolved DID {expected_id!r}",
                details={"id": did, "expected": expected_id},
            )
        methods: dict[str, VerificationMethod] = {}
        for entry in _as_list(doc.get("verificationMethod")):
            if isinstance(entry, Mapping):
                method = _parse_method(entry, did)
                if method is not None:
                    methods[method.id] = method
        assertion_ids: set[str] = set()
        for entry in _as_list(doc.get("assertionMethod")):
            if isinstance(entry, str):
                assertion_ids.add(_absolute(entry, did))
            elif isinstance(entry, Mapping):
                method = _parse_method(entry, did)
                if method is not None:
                    methods[method.id] = method
                    assertion_ids.add(method.id)
        return cls(id=did, methods=methods, assertion_method_ids=frozenset(assertion_ids), raw=doc)


def _as_list(value: object) -> Sequence[object]:
    if value is None:
        return ()
    if isinstance(value, list):
        return value
    return (value,)


def _parse_method(entry: Mapping[str, Any], did: str) -> VerificationMethod | None:
    """An Ed25519 method, or None for method types we do not verify with (they are ignored)."""
    method_id = entry.get("id")
    method_type = entry.get("type")
    if not isinstance(method_id, str) or method_type not in ED25519_METHOD_TYPES:
        return None
    try:
        public_key = multikey.decode_public_key(entry.get("publicKeyMultibase"))
    except MicrocredError:
        return None
    controller = entry.get("controller", did)
    return VerificationMethod(
        id=_absolute(method_id, did),
        type=str(method_type),
        controller=controller if isinstance(controller, str) else did,
        public_key=public_key,
    )


@runtime_checkable
class DidResolver(Protocol):
    """Resolves a DID (without fragment) to its DID document, or raises ``ResolutionError``."""

    def resolve(self, did: str) -> DidDocument: ...


@runtime_checkable
class StatusListFetcher(Protocol):
    """Fetches a status list credential (the signed JSON) by URL, or raises ``ResolutionError``."""

    def fetch(self, url: str) -> Mapping[str, Any]: ...


@runtime_checkable
class ResourceFetcher(Protocol):
    """Retrieves a resource's bytes as served (``media_type``, when given, is asked for
    and a response of another media type is refused), or raises ``ResolutionError``."""

    def fetch_resource(self, url: str, *, media_type: str | None = None) -> bytes: ...


class CompositeDidResolver:
    """Dispatches by DID method (``did:key``, ``did:web``, …), trying resolvers in order."""

    def __init__(self, resolvers: Mapping[str, DidResolver | Iterable[DidResolver]]) -> None:
        self._resolvers: dict[str, tuple[DidResolver, ...]] = {
            method: (r,) if isinstance(r, DidResolver) else tuple(r)
            for method, r in resolvers.items()
        }

    def resolve(self, did: str) -> DidDocument:
        parts = did.split(":", 2)
        if len(parts) < 3 or parts[0] != "did":
            raise ResolutionError(f"{did!r} is not a DID", details={"did": did})
        chain = self._resolvers.get(parts[1])
        if not chain:
            raise UnsupportedDidMethodError(
                f"DID method 'did:{parts[1]}' is not supported (supported: "
                + ", ".join(f"did:{m}" for m in sorted(self._resolvers))
                + ")",
                details={"did": did},
            )
        last: ResolutionError | None = None
        for resolver in chain:
            try:
                return resolver.resolve(did)
            except ResolutionError as exc:
                last = exc
        raise last if last is not None else ResolutionError(f"cannot resolve {did}")


class StaticDidResolver:
    """Resolves DIDs from documents already in hand (pinned or pre-fetched DID documents)."""

    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self._documents = {
            did: DidDocument.from_json(doc, expected_id=did) for did, doc in documents.items()
        }

    def resolve(self, did: str) -> DidDocument:
        try:
            return self._documents[did]
        except KeyError:
            raise ResolutionError(f"{did} is not among the known DID documents") from None


class StaticStatusLists:
    """A ``StatusListFetcher`` over status list credentials already in hand."""

    def __init__(self, lists: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._lists: dict[str, Mapping[str, Any]] = dict(lists or {})

    def put(self, url: str, status_list: Mapping[str, Any]) -> None:
        self._lists[url] = status_list

    def fetch(self, url: str) -> Mapping[str, Any]:
        try:
            return self._lists[url]
        except KeyError:
            raise ResolutionError(f"status list {url} could not be fetched") from None
