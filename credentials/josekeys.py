"""Public keys for JOSE-secured credentials, found from the JWS ``kid`` (issue 15, item 4).

A ``kid`` is a DID URL. Three DID methods give keys:

- ``did:key`` (did-method-key): Ed25519 (multicodec 0xed) and P-256 (0x1200, compressed
  point), decoded here: the key *is* the identifier. (``credentials.did`` resolves only
  Ed25519 did:keys, for Data Integrity; a P-256 did:key is read here alone.)
- ``did:jwk`` (did-method-jwk): the identifier is the base64url JWK itself; its one
  verification method is ``#0``, authorised for ``assertionMethod`` unless the JWK says
  ``"use": "enc"``.
- ``did:web`` (and any other method the verifier's ``DidResolver`` resolves): the DID
  document's ``verificationMethod`` with ``publicKeyJwk`` (JsonWebKey2020, JsonWebKey or
  any type carrying one) or ``publicKeyMultibase`` (Multikey, Ed25519VerificationKey2020),
  listed under ``assertionMethod`` (by reference or embedded).

Keys come out as public JWK dictionaries (RFC 7517); ``credentials.jwtvc`` hands them to
joserfc. Every failure is a :class:`JoseCheckError` with a stable ``jose.*`` code.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec

from credentials import multikey
from credentials.errors import MultibaseError, ResolutionError, VerificationTimeoutError
from credentials.resolvers import DidResolver

__all__ = ["JoseCheckError", "JoseKey", "did_jwk_key", "did_key_jwk", "resolve_key"]

_ED25519: Final = 0xED
_P256: Final = 0x1200
#: Private JWK members: a DID must never carry them (a leaked key is no public key).
_PRIVATE: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "k"})


class JoseCheckError(Exception):
    """A JOSE check failed: ``code`` is a stable finding code (``jose.*`` or ``timeout``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class JoseKey:
    """A verification method's public key: its absolute id, its DID and the JWK."""

    method_id: str
    did: str
    jwk: Mapping[str, Any]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _varint(data: bytes) -> tuple[int, int]:
    value = 0
    for i, byte in enumerate(data[:3]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            return value, i + 1
    raise JoseCheckError("jose.key_unsupported", "the multicodec key prefix is truncated")


def multikey_jwk(value: object, *, what: str) -> dict[str, Any]:
    """The JWK of a multibase multicodec public key (Ed25519 or P-256)."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise JoseCheckError("jose.key_unsupported", f"{what} is not a base58btc multibase key")
    try:
        data = multikey.decode_base58btc(value, what=what)
    except MultibaseError:
        raise JoseCheckError("jose.key_unsupported", f"{what} is not valid base58btc") from None
    code, length = _varint(data)
    key = data[length:]
    if code == _ED25519 and len(key) == multikey.ED25519_KEY_LENGTH:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(key)}
    if code == _P256 and len(key) == 33:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
        except ValueError:
            raise JoseCheckError("jose.key_unsupported", f"{what} is not a P-256 point") from None
        numbers = point.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
    raise JoseCheckError(
        "jose.key_unsupported",
        f"{what} is multicodec {hex(code)} with {len(key)} bytes; only Ed25519 (0xed) and "
        "P-256 (0x1200) keys are supported",
    )


def did_key_jwk(did: str) -> dict[str, Any]:
    """The public JWK a ``did:key`` encodes (Ed25519 or P-256)."""
    msid = did.removeprefix("did:key:")
    if not msid or ":" in msid:
        raise JoseCheckError("jose.key_unsupported", f"{did!r} is not a did:key this service reads")
    return multikey_jwk(msid, what="the did:key identifier")


def did_jwk_key(did: str) -> dict[str, Any]:
    """The public JWK of a ``did:jwk`` (its identifier, base64url-decoded)."""
    msid = did.removeprefix("did:jwk:")
    try:
        raw = base64.urlsafe_b64decode(msid + "=" * (-len(msid) % 4))
        jwk = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        raise JoseCheckError(
            "jose.key_unsupported", "the did:jwk identifier is not a JWK"
        ) from None
    return _public_jwk(jwk, what="the did:jwk key")


def _public_jwk(jwk: object, *, what: str) -> dict[str, Any]:
    if not isinstance(jwk, Mapping) or not isinstance(jwk.get("kty"), str):
        raise JoseCheckError("jose.key_unsupported", f"{what} is not a JWK (no kty)")
    if _PRIVATE.intersection(jwk):
        raise JoseCheckError("jose.key_unsupported", f"{what} holds private key material")
    return dict(jwk)


def resolve_key(kid: str, resolver: DidResolver) -> JoseKey:
    """The key ``kid`` (an absolute DID URL, or a DID alone for did:key / did:jwk) names,
    authorised for ``assertionMethod``."""
    did, _, fragment = kid.partition("#")
    if did.startswith("did:key:"):
        jwk = did_key_jwk(did)
        msid = did.removeprefix("did:key:")
        if fragment not in ("", msid):
            raise JoseCheckError("jose.key_not_found", f"a did:key has only the key #{msid}")
        return JoseKey(f"{did}#{msid}", did, jwk)
    if did.startswith("did:jwk:"):
        jwk = did_jwk_key(did)
        if fragment not in ("", "0"):
            raise JoseCheckError("jose.key_not_found", "a did:jwk has only the key #0")
        if jwk.get("use") == "enc":
            raise JoseCheckError(
                "jose.key_not_authorized", "the did:jwk key is for encryption (use: enc)"
            )
        return JoseKey(f"{did}#0", did, jwk)
    if not fragment:
        raise JoseCheckError(
            "jose.key_not_found", f"kid {kid!r} names no key of {did} (no #fragment)"
        )
    return _from_document(kid, did, resolver)


def _from_document(kid: str, did: str, resolver: DidResolver) -> JoseKey:
    try:
        document = resolver.resolve(did)
    except VerificationTimeoutError as exc:
        raise JoseCheckError("timeout", f"cannot resolve {did}: {exc.message}") from None
    except ResolutionError as exc:
        raise JoseCheckError(
            "jose.resolution_failed", f"cannot resolve {did}: {exc.message}"
        ) from None
    entry = _authorised_method(document.raw, kid, did)
    controller = entry.get("controller", did)
    if controller != did:
        raise JoseCheckError(
            "jose.key_not_authorized", f"{kid} is controlled by {controller!r}, not by {did}"
        )
    if "publicKeyJwk" in entry:
        jwk = _public_jwk(entry["publicKeyJwk"], what=f"the publicKeyJwk of {kid}")
    elif "publicKeyMultibase" in entry:
        jwk = multikey_jwk(entry["publicKeyMultibase"], what=f"the publicKeyMultibase of {kid}")
    else:
        raise JoseCheckError(
            "jose.key_unsupported", f"{kid} has neither publicKeyJwk nor publicKeyMultibase"
        )
    return JoseKey(kid, did, jwk)


def _authorised_method(raw: Mapping[str, Any], kid: str, did: str) -> Mapping[str, Any]:
    """The method ``kid`` of a DID document, listed (by reference or embedded) under
    ``assertionMethod``."""
    authorised = False
    entry: Mapping[str, Any] | None = None
    for item in _as_list(raw.get("assertionMethod")):
        if isinstance(item, str) and _absolute(item, did) == kid:
            authorised = True
        elif isinstance(item, Mapping) and _absolute(str(item.get("id", "")), did) == kid:
            authorised, entry = True, item
    for item in _as_list(raw.get("verificationMethod")):
        is_kid = isinstance(item, Mapping) and _absolute(str(item.get("id", "")), did) == kid
        if entry is None and is_kid and isinstance(item, Mapping):
            entry = item
    if entry is None:
        raise JoseCheckError("jose.key_not_found", f"the DID document of {did} has no key {kid}")
    if not authorised:
        raise JoseCheckError(
            "jose.key_not_authorized",
            f"{kid} is not listed under assertionMethod in the DID document of {did}",
        )
    return entry


def _absolute(ref: str, did: str) -> str:
    return did + ref if ref.startswith("#") else ref


def _as_list(value: object) -> Sequence[object]:
    if value is None:
        return ()
    return value if isinstance(value, list) else (value,)
