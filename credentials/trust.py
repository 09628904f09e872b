"""Who issued it: the trust decision, kept apart from "is it intact and current".

A valid signature proves that whoever holds the issuer's key signed the credential. It
says nothing about who that is: anyone can make a did:key and name it "Harvard
University". So verification answers a second question, from sources the operator
chose, never from the credential itself:

* ``registered`` — an issuer account on this service. Its name is shown as fact only
  when its identity was established: the provider's own domain publishes a DID document
  with its key (checked by fetching it from that domain), or this service's operator
  confirmed it (who and when are recorded).
* ``listed`` — named in a trust registry the operator configured (the Digital
  Credentials Consortium's registry format, or a plain list of DIDs with names).
* ``unknown`` — none of them knows the DID. The signature may be valid, but the name in
  the credential is the issuer's own claim, and is shown only as such.
* ``unconfirmed`` — the proof or the issuer binding failed, so there is no issuer
  to decide about.

Sources are small objects behind ``TrustSource``; the first that knows the DID answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from credentials.errors import ConfigurationError

__all__ = [
    "IssuerIdentity",
    "StaticRegistry",
    "TrustDecision",
    "TrustLevel",
    "TrustPolicy",
    "TrustSource",
    "claimed_name",
    "parse_registry",
]


class TrustLevel(StrEnum):
    REGISTERED = "registered"
    LISTED = "listed"
    UNKNOWN = "unknown"
    UNCONFIRMED = "unconfirmed"


class Established(StrEnum):
    """How a registered issuer's identity was established."""

    DOMAIN = "domain"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class IssuerIdentity:
    """What a trust source knows about one DID."""

    did: str
    name: str
    level: TrustLevel
    #: The source's own name: "this service", or the registry's configured name.
    source: str
    url: str | None = None
    location: str | None = None
    #: For ``registered``: how the identity was established (None: not yet).
    established: Established | None = None
    domain: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        """Whether the name may be shown as fact (registries vouch for what they list)."""
        return self.level is TrustLevel.LISTED or self.established is not None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "source": self.source}
        for key, value in (
            ("url", self.url),
            ("location", self.location),
            ("established", self.established.value if self.established else None),
            ("domain", self.domain),
            ("confirmedBy", self.confirmed_by),
            ("confirmedAt", self.confirmed_at.isoformat() if self.confirmed_at else None),
        ):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class TrustDecision:
    """The answer to "who issued it", with the words a page shows."""

    level: TrustLevel
    issuer: str | None
    #: The issuer's name as established by a trust source; None when nobody vouches.
    name: str | None
    #: The name the credential gives itself (self-asserted; never shown as fact).
    claimed_name: str | None
    message: str
    identity: IssuerIdentity | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def trusted(self) -> bool:
        return self.name is not None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.level.value,
            "trusted": self.trusted,
            "issuer": self.issuer,
            "name": self.name,
            "claimedName": self.claimed_name,
            "message": self.message,
        }
        if self.identity is not None:
            out["identity"] = self.identity.as_dict()
        if self.notes:
            out["notes"] = list(self.notes)
        return out


@runtime_checkable
class TrustSource(Protocol):
    """Knows some DIDs. ``lookup`` returns None for a DID it does not know; it may raise a
    ``MicrocredError`` when it cannot answer (a registry that cannot be read)."""

    name: str

    def lookup(self, did: str) -> IssuerIdentity | None: ...


def claimed_name(credential: Mapping[str, Any]) -> str | None:
    """The issuer name the credential asserts about itself."""
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    if isinstance(name, Mapping):  # a language map: any value is as self-asserted
        name = next((v for v in name.values() if isinstance(v, str)), None)
    return name if isinstance(name, str) and name.strip() else None


class TrustPolicy:
    """Asks each source in order; the first that knows the issuer decides."""

    def __init__(self, sources: Iterable[TrustSource] = ()) -> None:
        self._sources = tuple(sources)

    @property
    def sources(self) -> tuple[TrustSource, ...]:
        return self._sources

    def decide(
        self, credential: Mapping[str, Any], issuer: str | None, *, intact: bool
    ) -> TrustDecision:
        """``intact``: the proofs verified and were made with the issuer's keys."""
        claimed = claimed_name(credential)
        if issuer is None or not intact:
            return TrustDecision(
                TrustLevel.UNCONFIRMED,
                issuer,
                None,
                claimed,
                "The issuer could not be confirmed because the signature check failed.",
            )
        notes: list[str] = []
        for source in self._sources:
            try:
                identity = source.lookup(issuer)
            except Exception as exc:
                notes.append(f"{source.name} could not be consulted: {_reason(exc)}")
                continue
            if identity is not None:
                return _known(identity, issuer, claimed, tuple(notes))
        return TrustDecision(
            TrustLevel.UNKNOWN,
            issuer,
            None,
            claimed,
            _unknown_message(claimed),
            notes=tuple(notes),
        )


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return message if isinstance(message, str) else type(exc).__name__


def _known(
    identity: IssuerIdentity, issuer: str, claimed: str | None, notes: tuple[str, ...]
) -> TrustDecision:
    if not identity.confirmed:
        shown = f"“{identity.name}”"
        return TrustDecision(
            TrustLevel.REGISTERED,
            issuer,
            None,
            claimed or identity.name,
            f"Registered on {identity.source} as {shown}, but its identity has not been "
            "confirmed yet: the name is the provider's own claim.",
            identity,
            notes,
        )
    if identity.level is TrustLevel.LISTED:
        message = f"{identity.name} — listed in the trust registry “{identity.source}”."
    elif identity.established is Established.DOMAIN:
        # Controlling a domain proves the domain, not the name the provider chose: the
        # domain is what is shown as fact, the name stays the provider's own words.
        domain = identity.domain or "?"
        message = (
            f"The owner of {domain} — registered on {identity.source} as "
            f"“{identity.name}”; it controls the domain {domain}, which publishes this "
            "issuer's key."
        )
        return TrustDecision(
            identity.level, issuer, domain, claimed or identity.name, message, identity, notes
        )
    else:
        when = identity.confirmed_at.date().isoformat() if identity.confirmed_at else "?"
        message = (
            f"{identity.name} — registered on {identity.source}; identity confirmed by "
            f"{identity.confirmed_by or 'the operator'} on {when}."
        )
    return TrustDecision(identity.level, issuer, identity.name, claimed, message, identity, notes)


def _unknown_message(claimed: str | None) -> str:
    if claimed is None:
        return "Unknown issuer: no trust registry this service uses lists it."
    return (
        f"Unknown issuer: it calls itself “{claimed}”, but that is its own claim. "
        "No trust registry this service uses lists it."
    )


# --- registries -------------------------------------------------------------------------------


class StaticRegistry:
    """A registry held in memory: DID → identity (from a file, or fetched and parsed)."""

    def __init__(self, name: str, entries: Mapping[str, IssuerIdentity]) -> None:
        self.name = name
        self._entries = dict(entries)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, did: str) -> IssuerIdentity | None:
        return self._entries.get(did)


def parse_registry(data: object, *, name: str) -> StaticRegistry:
    """A registry document in one of the accepted formats:

    * the Digital Credentials Consortium's issuer registry (``dcc-legacy``):
      ``{"meta": {…}, "registry": {DID: {"name", "url"?, "location"?}}}`` (``entries``
      is accepted for ``registry``, as some of its clients write it);
    * a plain list: ``[{"did": DID, "name": NAME, "url"?: …}, …]``;
    * a plain mapping: ``{DID: NAME, …}``.
    """
    table: Mapping[str, Any] | None = None
    if isinstance(data, Mapping):
        inner = data.get("registry", data.get("entries"))
        if isinstance(inner, Sequence) and not isinstance(inner, str | bytes):
            table = _list_table(inner, name)
        else:
            table = inner if isinstance(inner, Mapping) else data
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        table = _list_table(data, name)
    if table is None:
        raise ConfigurationError(f"trust registry {name!r} is not a JSON object or list")
    entries = {}
    for did, value in table.items():
        if did == "meta":
            continue
        entries[did] = _identity(did, value, name)
    return StaticRegistry(name, entries)


def _list_table(rows: Sequence[Any], name: str) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping) or not isinstance(row.get("did"), str):
            raise ConfigurationError(f"trust registry {name!r}: entry {i} has no 'did'")
        table[row["did"]] = row
    return table


def _identity(did: object, value: object, registry: str) -> IssuerIdentity:
    if not isinstance(did, str) or not did.startswith("did:"):
        raise ConfigurationError(f"trust registry {registry!r}: {did!r} is not a DID")
    row: Mapping[str, Any] = {"name": value} if isinstance(value, str) else value  # type: ignore[assignment]
    if (
        not isinstance(row, Mapping)
        or not isinstance(row.get("name"), str)
        or not row["name"].strip()
    ):
        raise ConfigurationError(f"trust registry {registry!r}: {did} has no name")
    return IssuerIdentity(
        did=did,
        name=row["name"].strip(),
        level=TrustLevel.LISTED,
        source=registry,
        url=_text(row.get("url")),
        location=_text(row.get("location")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
