"""did:key and did:web: building identifiers, parsing them strictly, and their DID documents.

did:key (https://w3c-ccg.github.io/did-method-key/) is pure: the DID *is* the Ed25519
Multikey, so resolution is a computation. did:web (https://w3c-ccg.github.io/did-method-web/)
names a ``did.json`` on a web server; this module only maps DIDs to URLs and builds our own
documents — fetching lives in ``verifier/`` behind an SSRF guard.

Parsing is strict on purpose: a DID is compared as a string against credential ``issuer``
values and verification method ids, so two spellings of one DID must not both be accepted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from credentials import multikey
from credentials.errors import InvalidInputError, MultibaseError, ResolutionError
from credentials.resolvers import DidDocument

#: Contexts of every DID document we build (both bundled in ``credentials/contexts``).
DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")

DID_KEY_PREFIX = "did:key:"
DID_WEB_PREFIX = "did:web:"

# Multicodec codes of public keys that turn up in did:key values, to name them in errors.
_MULTICODEC_NAMES = {
    0xE7: "secp256k1-pub",
    0xEC: "x25519-pub",
    0xED: "ed25519-pub",
    0xEB: "bls12_381-g2-pub",
    0x1200: "p256-pub",
    0x1201: "p384-pub",
    0x1202: "p521-pub",
    0x1205: "rsa-pub",
}


# --- did:key --------------------------------------------------------------------------------


def did_key_from_public_key(raw: bytes) -> str:
    """``did:key:z6Mk…`` for a raw 32-byte Ed25519 public key."""
    return DID_KEY_PREFIX + multikey.encode_public_key(raw)


def did_key_verification_method(did: str) -> str:
    """The id of a did:key's only verification method: ``did:key:z6Mk…#z6Mk…``."""
    _did_key_public_key(did)
    return f"{did}#{did[len(DID_KEY_PREFIX) :]}"


def did_key_public_key(did: str) -> bytes:
    """The raw Ed25519 public key a did:key encodes (ResolutionError if malformed)."""
    return _did_key_public_key(did)


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (did-method-key §3.1.1, Multikey representation)."""
    _did_key_public_key(did)
    method_id = did_key_verification_method(did)
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": did[len(DID_KEY_PREFIX) :],
            }
        ],
        "authentication": [method_id],
        "assertionMethod": [method_id],
        "capabilityInvocation": [method_id],
        "capabilityDelegation": [method_id],
    }


def resolve_did_key(did: str) -> DidDocument:
    """Resolve a did:key locally; ResolutionError naming the fault if it is malformed."""
    return DidDocument.from_json(did_key_document(did), expected_id=did)


@functools.lru_cache(maxsize=1024)
def _resolve_did_key_cached(did: str) -> DidDocument:
    return resolve_did_key(did)


class DidKeyResolver:
    """``DidResolver`` for did:key. Results are cached: the document is a pure function.

    The cached ``DidDocument`` is shared between callers; treat it as read-only.
    """

    def resolve(self, did: str) -> DidDocument:
        if not isinstance(did, str):
            raise ResolutionError("a DID must be a string", details={"did": repr(did)})
        return _resolve_did_key_cached(did)


def _did_key_public_key(did: str) -> bytes:
    """Steps 1-4 of did-method-key §3.1.2/3.1.3 (decode and check the Ed25519 Multikey)."""
    msid = _method_specific_id(did, DID_KEY_PREFIX)
    if ":" in msid:
        raise _bad_did_key(did, "did:key versions and extra ':' segments are not supported")
    if msid[0] != "z":
        raise _bad_did_key(
            did, f"the key must be multibase base58btc (prefix 'z'), not prefix {msid[0]!r}"
        )
    try:
        data = multikey.decode_base58btc(msid, what="did:key identifier")
    except MultibaseError:
        raise _bad_did_key(did, "the key is not valid base58btc") from None
    code, length = _read_varint(data)
    if code != 0xED:
        name = _MULTICODEC_NAMES.get(code, "unknown") if code is not None else "truncated"
        shown = hex(code) if code is not None else data[:2].hex()
        raise _bad_did_key(did, f"multicodec {shown} ({name}) is not an Ed25519 public key (0xed)")
    key = data[length:]
    if len(key) != multikey.ED25519_KEY_LENGTH:
        raise _bad_did_key(did, f"an Ed25519 public key has 32 bytes, this one {len(key)}")
    return key


def _read_varint(data: bytes) -> tuple[int | None, int]:
    """An unsigned LEB128 varint (multicodec prefix) and its length; None if truncated."""
    value = 0
    for i, byte in enumerate(data[:4]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, i + 1
    return None, 0


def _bad_did_key(did: str, problem: str) -> ResolutionError:
    return ResolutionError(f"malformed did:key {did!r}: {problem}", details={"did": did})


def _method_specific_id(did: object, prefix: str) -> str:
    """The part after ``prefix``; refuses DID URLs (fragment, query, path) and non-strings."""
    if not isinstance(did, str):
        raise ResolutionError("a DID must be a string", details={"did": repr(did)})
    method = prefix.removesuffix(":")
    if not did.startswith(prefix):
        raise ResolutionError(f"{did!r} is not a {method} DID", details={"did": did})
    for char, part in (("#", "fragment"), ("?", "query"), ("/", "path")):
        if char in did:
            raise ResolutionError(
                f"{did!r} is a DID URL with a {part}; a bare {method} DID is required",
                details={"did": did},
            )
    msid = did[len(prefix) :]
    if not msid:
        raise ResolutionError(f"{did!r} has an empty method-specific identifier")
    return msid


# --- did:web --------------------------------------------------------------------------------

# DID syntax idchar (DID Core §3.1): ALPHA / DIGIT / "." / "-" / "_" / pct-encoded.
_ID_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_RAW_HOST = re.compile(r"(?P<host>[A-Za-z0-9.-]+)(?:%3[Aa](?P<port>[0-9]{1,5}))?")
_FRAGMENT = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")
_DEFAULT_PORTS = {"https": 443, "http": 80}


def did_web_for(base_url: str, *path_segments: str) -> str:
    """The did:web for a base URL plus path segments.

    ``did_web_for("https://creds.example.com", "issuers", "acme")`` is
    ``did:web:creds.example.com:issuers:acme``; a port is kept as ``%3A`` (the scheme's
    default port is dropped) and a path in the base URL becomes leading segments.
    """
    try:
        parts = urlsplit(base_url) if isinstance(base_url, str) else None
    except ValueError:  # for example an unbalanced IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        raise InvalidInputError(
            f"base URL {base_url!r} must be an absolute http(s) URL", field="base_url"
        )
    if "@" in parts.netloc:
        raise InvalidInputError("base URL must not contain user information", field="base_url")
    if parts.query or parts.fragment:
        raise InvalidInputError("base URL must not have a query or fragment", field="base_url")
    try:
        port = parts.port
        if port == 0:
            raise ValueError(port)
    except ValueError:
        raise InvalidInputError(
            f"base URL {base_url!r} has an invalid port", field="base_url"
        ) from None
    host = _ascii_host(parts.hostname or "")
    if host is None:
        raise InvalidInputError(
            f"base URL {base_url!r} has no valid DNS host name (IPv6 literals cannot be did:web)",
            field="base_url",
        )
    authority = host if port in (None, _DEFAULT_PORTS[parts.scheme]) else f"{host}%3A{port}"
    base_segments = [_decode_segment(s, "base_url") for s in parts.path.split("/") if s]
    for segment in path_segments:
        _check_segment(segment, "path_segments")
    encoded = [_encode_segment(s) for s in (*base_segments, *path_segments)]
    return ":".join([DID_WEB_PREFIX + authority, *encoded])


def did_web_document_url(did: str, *, scheme: str = "https") -> str:
    """Where a did:web's document lives (did-method-web §3.2 "Read").

    ``did:web:example.com%3A3000:user:alice`` → ``https://example.com:3000/user/alice/did.json``;
    without a path, ``https://host/.well-known/did.json``. ``scheme="http"`` exists only for
    development servers; the method itself is HTTPS-only.
    """
    if scheme not in _DEFAULT_PORTS:
        raise InvalidInputError(f"scheme must be https or http, not {scheme!r}", field="scheme")
    authority, segments = _parse_did_web(did)
    path = "/".join(quote(segment, safe="") for segment in segments)
    return f"{scheme}://{authority}/{path or '.well-known'}/did.json"


def _parse_did_web(did: str) -> tuple[str, list[str]]:
    """(``host[:port]``, decoded path segments) of a did:web; ResolutionError if malformed."""
    msid = _method_specific_id(did, DID_WEB_PREFIX)
    if "@" in msid or "%40" in msid.lower():
        raise _bad_did_web(did, "user information ('@') is not allowed")
    raw_host, *raw_segments = msid.split(":")
    match = _RAW_HOST.fullmatch(raw_host)
    host = _ascii_host(match["host"]) if match else None
    if match is None or host is None:
        raise _bad_did_web(did, f"{raw_host!r} is not a host name with an optional %3A port")
    authority = host
    if match["port"] is not None:
        port = int(match["port"])
        if not 0 < port < 65536:
            raise _bad_did_web(did, f"port {port} is out of range")
        authority = f"{host}:{port}"
    segments: list[str] = []
    for raw in raw_segments:
        if not raw:
            raise _bad_did_web(did, "empty path segment ('::' or a trailing ':')")
        if not _ID_SEGMENT.fullmatch(raw):
            raise _bad_did_web(did, f"path segment {raw!r} has characters a DID cannot hold")
        try:
            segments.append(_decode_segment(raw, "did"))
        except InvalidInputError as exc:
            raise _bad_did_web(did, exc.message) from None
    return authority, segments


def _bad_did_web(did: str, problem: str) -> ResolutionError:
    return ResolutionError(f"malformed did:web {did!r}: {problem}", details={"did": did})


def _ascii_host(host: str) -> str | None:
    """The lower-case ASCII (IDNA) form of a DNS host name, or None if it is not one."""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return None
    return ascii_host


def _decode_segment(raw: str, field: str) -> str:
    try:
        segment = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInputError(
            f"path segment {raw!r} is not percent-encoded UTF-8", field=field
        ) from None
    _check_segment(segment, field)
    return segment


def _check_segment(segment: object, field: str) -> None:
    """Refuse segments that would change the document URL's path or inject characters."""
    if not isinstance(segment, str) or not segment:
        raise InvalidInputError("path segments must be non-empty strings", field=field)
    if segment in (".", ".."):
        raise InvalidInputError(f"path segment {segment!r} is not allowed", field=field)
    if "@" in segment:
        # did:web refuses '@' anywhere (it would read as user information), so never mint one.
        raise InvalidInputError(f"path segment {segment!r} must not contain '@'", field=field)
    if any(c in "/\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in segment):
        raise InvalidInputError(
            f"path segment {segment!r} contains a slash or a control character", field=field
        )


def _encode_segment(segment: str) -> str:
    # quote() leaves '~' alone, but '~' is not a DID idchar.
    return quote(segment, safe="").replace("~", "%7E")


# --- did:web documents ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DidKey:
    """A key to list in a did:web document: ``"key-1"``, ``"#key-1"`` or a full method id."""

    fragment_or_id: str
    public_key: bytes
    _: KW_ONLY
    #: False for rotated-out keys: still listed for verification, no longer for authentication.
    active: bool = True

    def method_id(self, did: str) -> str:
        value = self.fragment_or_id
        if isinstance(value, str) and value.startswith(did + "#"):
            fragment = value[len(did) + 1 :]
        elif isinstance(value, str):
            fragment = value.removeprefix("#")
        else:
            fragment = ""
        if not _FRAGMENT.fullmatch(fragment):
            raise InvalidInputError(
                f"{value!r} is neither a fragment nor a method id of {did}",
                field="verificationMethod.id",
            )
        return f"{did}#{fragment}"


def build_did_web_document(did: str, keys: Sequence[DidKey]) -> dict[str, Any]:
    """Our did:web DID document listing ``keys`` as Ed25519 Multikeys.

    Every key — current and rotated — is listed under ``verificationMethod`` and
    ``assertionMethod``: credentials signed before a rotation must keep verifying, and a
    verifier only accepts a proof whose key is under ``assertionMethod``. Only active keys
    are listed under ``authentication``. Rule: a key is only removed from the document when
    it is revoked (compromised); removing it makes every credential it signed unverifiable,
    which is exactly what a compromise requires and what a routine rotation must not do.

    Raises ResolutionError for a malformed did:web and InvalidInputError for a bad key entry
    (duplicate id, foreign id, wrong key length).
    """
    _parse_did_web(did)
    methods: list[dict[str, str]] = []
    active: list[str] = []
    for key in keys:
        method_id = key.method_id(did)
        if any(m["id"] == method_id for m in methods):
            raise InvalidInputError(
                f"verification method {method_id!r} is listed twice",
                field="verificationMethod.id",
            )
        methods.append(
            {
                "id": method_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey.encode_public_key(key.public_key),
            }
        )
        if key.active:
            active.append(method_id)
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "authentication": active,
        "assertionMethod": [m["id"] for m in methods],
    }
