"""Credentials secured as JWTs (issue 15, item 4), verified with joserfc.

Two formats, one compact JWS each:

- **VC-JOSE-COSE** (W3C "Securing Verifiable Credentials using JOSE and COSE" §3.1.1):
  the JWS payload *is* the VC 2.0 credential; ``typ`` is ``vc+jwt`` (``cty: vc``
  optional); the key is the ``kid`` (a DID URL, or a fragment relative to ``iss``). Also
  carried as ``{"type": "EnvelopedVerifiableCredential", "id":
  "data:application/vc+jwt,<jwt>"}`` (VC 2.0 §4.13).
- **VC 1.1 JWT-VC** (VC Data Model 1.1 §6.3.1): the credential is the ``vc`` claim and the
  registered claims stand for its properties: ``iss`` → ``issuer``, ``jti`` → ``id``,
  ``sub`` → ``credentialSubject.id``, ``nbf`` → ``issuanceDate``, ``exp`` →
  ``expirationDate`` (a property the ``vc`` leaves out is filled in from its claim).

What is refused (each with a ``jose.*`` finding code, ``credentials.findings``): ``alg``
other than EdDSA (Ed25519), ES256, RS256 (so ``none`` and every HS*), an ``alg`` the key
cannot make, any ``crit`` header (none is understood), a ``typ`` of another kind of JWT,
a ``kid`` that is not a DID URL or whose DID is not the issuer (and ``iss``), a key not
listed under ``assertionMethod``, a bad signature, and claims that contradict the
credential (``iss``/``jti``/``sub`` against ``issuer``/``id``/``credentialSubject.id``).

Dates: both the JWT's ``nbf``/``exp`` and the credential's own dates apply, and where
they disagree **the stricter wins** (the later start, the earlier end); the validity
check says which one decided.

:func:`verify_jose` answers the structure, proof, issuer and validity checks and the
decoded credential; ``credentials.verify.Verifier`` adds status, related resources and
the trust decision, exactly as for Data Integrity credentials.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError, UnsupportedAlgorithmError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from joserfc.jws import JWSRegistry
from joserfc.util import urlsafe_b64decode

from credentials.dates import format_datetime, parse_datetime
from credentials.errors import (
    InvalidInputError,
    MalformedCredentialError,
    Problem,
    UnsupportedFormatError,
)
from credentials.findings import Finding
from credentials.josekeys import JoseCheckError, JoseKey, resolve_key
from credentials.jsontext import check_json_text
from credentials.resolvers import DidResolver
from credentials.results import Check, Outcome, split_problems, structure_check
from credentials.statuscheck import issuer_id
from credentials.validation import validate_credential, validity_keys

__all__ = [
    "ALGORITHMS",
    "ENVELOPE_PREFIX",
    "JoseOutcome",
    "envelope",
    "envelope_token",
    "is_envelope",
    "token_of",
    "verify_jose",
]

#: The data: URL prefix of an enveloped VC-JOSE-COSE credential (VC 2.0 §4.13).
ENVELOPE_PREFIX: Final = "data:application/vc+jwt,"
VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
#: alg → (kty, crv) of the key that can make it (crv None: any, RSA).
ALGORITHMS: Final[Mapping[str, tuple[str, str | None]]] = {
    "EdDSA": ("OKP", "Ed25519"),
    "ES256": ("EC", "P-256"),
    "RS256": ("RSA", None),
}
#: typ values of a credential JWT; another (vp+jwt, at+jwt, dc+sd-jwt…) is another token.
_TYPS: Final = frozenset({"vc+jwt", "application/vc+jwt", "jwt", "application/jwt"})
_MIN_RSA_BITS: Final = 2048
#: A compact JWT larger than this is refused unparsed (credentials are a few kB).
MAX_TOKEN_CHARS: Final = 1_000_000


class _Registry(JWSRegistry):
    """joserfc's registry, limited to ALGORITHMS, without its "EdDSA is deprecated"
    warning: RFC 9864 deprecates the polymorphic "EdDSA" in favour of "Ed25519", but
    VC-JOSE-COSE and VC 1.1 issuers sign with "EdDSA", which is accepted here only with an
    Ed25519 key (``_import_key`` checks that first), i.e. exactly RFC 9864's Ed25519.
    Header parameters are not limited to joserfc's list: ``crit`` is refused above."""

    #: A did:jwk kid carries a whole JWK (an RSA one is ~700 characters); credentials
    #: with embedded images are larger than joserfc's 128 kB default.
    max_header_length = 16_384
    max_payload_length = 1_000_000

    def get_alg(self, name: str) -> Any:
        if name not in ALGORITHMS or name not in self.algorithms:
            raise UnsupportedAlgorithmError(f"Algorithm of '{name}' is not allowed")
        return self.algorithms[name]


_REGISTRY: Final = _Registry(algorithms=list(ALGORITHMS), strict_check_header=False)


@dataclass(frozen=True, slots=True)
class JoseOutcome:
    """The JOSE part of a verification: the decoded credential and four checks."""

    credential: dict[str, Any]
    format: str
    structure: Check
    warnings: tuple[Finding, ...]
    proof: Check
    issuer: Check
    validity: Check
    header: Mapping[str, Any] = field(default_factory=dict)


def is_envelope(document: Mapping[str, Any]) -> bool:
    """An ``EnvelopedVerifiableCredential`` (type a string or a list)."""
    kind = document.get("type")
    if isinstance(kind, list):
        return "EnvelopedVerifiableCredential" in kind
    return kind == "EnvelopedVerifiableCredential"


def envelope(token: str) -> dict[str, Any]:
    """The ``EnvelopedVerifiableCredential`` carrying a compact JWT (how a bare JWT string
    travels through the verifier, which takes JSON objects)."""
    return {
        "@context": [VC2_CONTEXT],
        "type": "EnvelopedVerifiableCredential",
        "id": ENVELOPE_PREFIX + token,
    }


def token_of(document: Mapping[str, Any]) -> str | None:
    """The compact JWT of a ``data:application/vc+jwt,`` envelope, or None."""
    ident = document.get("id")
    if not isinstance(ident, str) or not ident.startswith(ENVELOPE_PREFIX):
        return None
    return ident[len(ENVELOPE_PREFIX) :].strip()


def envelope_token(document: Mapping[str, Any]) -> str:
    """The compact JWT of a vc+jwt envelope; ``UnsupportedFormatError`` for another one
    (``vc+sd-jwt``, COSE...)."""
    token = token_of(document)
    if token is None:
        raise UnsupportedFormatError(
            "this format is not supported yet (an enveloped credential that is not "
            "data:application/vc+jwt); only vc+jwt envelopes and Data Integrity "
            "credentials can be verified here",
            details={"format": "enveloped"},
        )
    return token


class _Parsed:
    def __init__(self, token: str) -> None:
        if len(token) > MAX_TOKEN_CHARS:
            raise _malformed(f"the JWT is longer than {MAX_TOKEN_CHARS} characters")
        parts = token.split(".")
        if len(parts) != 3:
            raise _malformed("a compact JWS has three dot-separated parts")
        try:
            compact = jws.extract_compact(token.encode("ascii"), registry=_REGISTRY)
            header_bytes = urlsafe_b64decode(parts[0].encode("ascii"))
        except (JoseError, ValueError, UnicodeError) as exc:
            raise _malformed(f"the JWT cannot be decoded: {exc}") from None
        # Strict JSON (no duplicate keys, bounded depth): a signed header and payload must
        # not mean different things to different parsers.
        self.header = _strict_object(header_bytes, "the JWT header")
        self.payload = _strict_object(compact.payload, "the JWT payload")
        self.token = token


#: As ``credentials.verify.MAX_DEPTH`` (this module cannot import verify: verify imports it).
MAX_DEPTH: Final = 64


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _malformed(f"a JSON object in the JWT has the key {key!r} twice")
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _malformed(f"the JWT's JSON must not contain {name}")


def _strict_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _malformed(f"{what} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _malformed(f"{what} is not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise _malformed(f"{what} is nested too deeply") from None
    if not isinstance(value, dict):
        raise _malformed(f"{what} must be a JSON object")
    _check_depth(value, what)
    try:
        check_json_text(data, value)
    except MalformedCredentialError as exc:
        raise _malformed(f"{what}: {exc.message}") from None
    return value


def _check_depth(document: dict[str, Any], what: str) -> None:
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        items: list[Any] = list(value.values()) if isinstance(value, dict) else value
        if depth >= MAX_DEPTH and items:
            raise _malformed(f"{what} is nested deeper than {MAX_DEPTH} levels")
        stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))


def _malformed(message: str) -> MalformedCredentialError:
    return MalformedCredentialError(message, field="jwt", code="jose.malformed")


def verify_jose(token: str, *, resolver: DidResolver, now: datetime) -> JoseOutcome:
    """Verify a compact JWT credential. ``MalformedCredentialError`` (code
    ``jose.malformed``) when it cannot be decoded at all; every other fault is a failed
    check in the outcome."""
    parsed = _Parsed(token)
    header, payload = parsed.header, parsed.payload
    problems: list[Problem] = []
    if "vc" in payload and "@context" not in payload:
        fmt = "VC 1.1 JWT-VC"
        credential = _from_vc11(payload, problems)
    else:
        fmt = "VC-JOSE-COSE (vc+jwt)"
        credential = dict(payload)
        _check_vc2_claims(payload, credential, problems)
    _check_claim_types(payload, problems)
    errors, warnings = split_problems([*problems, *validate_credential(credential)])
    structure = structure_check(errors, f"Well-formed credential ({fmt}).", warnings=len(warnings))
    issuer = issuer_id(credential)
    proof, key = _proof(parsed, issuer, resolver)
    return JoseOutcome(
        credential=credential,
        format=fmt,
        structure=structure,
        warnings=warnings,
        proof=proof,
        issuer=_issuer_check(issuer, payload, proof, key),
        validity=_validity(credential, payload, now),
        header=header,
    )


# --- claims -------------------------------------------------------------------------------


def _from_vc11(payload: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """VC DM 1.1 §6.3.1 "JWT decoding": the ``vc`` claim, completed from the JWT claims."""
    vc = payload["vc"]
    if not isinstance(vc, Mapping):
        raise _malformed("the vc claim of a VC 1.1 JWT-VC must be a JSON object")
    credential = dict(vc)
    iss = payload.get("iss")
    if isinstance(iss, str):
        declared = issuer_id(credential)
        if "issuer" not in credential:
            credential["issuer"] = iss
        elif declared != iss:
            problems.append(_mismatch("iss", iss, "issuer", declared))
    jti = payload.get("jti")
    if isinstance(jti, str):
        if "id" not in credential:
            credential["id"] = jti
        elif credential["id"] != jti:
            problems.append(_mismatch("jti", jti, "id", credential["id"]))
    sub = payload.get("sub")
    subject = credential.get("credentialSubject")
    if isinstance(sub, str) and isinstance(subject, Mapping):
        if "id" not in subject:
            credential["credentialSubject"] = {**subject, "id": sub}
        elif subject["id"] != sub:
            problems.append(_mismatch("sub", sub, "credentialSubject.id", subject["id"]))
    # Dates missing from the vc are filled in; where both are present the stricter wins
    # (the validity check compares them, see _validity).
    for claim, prop in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        moment = _numeric_date(payload.get(claim))
        if moment is not None and prop not in credential:
            credential[prop] = format_datetime(moment)
    return credential


def _check_vc2_claims(
    payload: Mapping[str, Any], credential: Mapping[str, Any], problems: list[Problem]
) -> None:
    """VC-JOSE-COSE: JWT claims beside the credential must not contradict it."""
    declared = issuer_id(credential)
    iss = payload.get("iss")
    if iss is not None and iss != declared:
        problems.append(_mismatch("iss", iss, "issuer", declared))
    jti = payload.get("jti")
    if jti is not None and "id" in credential and jti != credential.get("id"):
        problems.append(_mismatch("jti", jti, "id", credential.get("id")))


def _mismatch(claim: str, value: object, prop: str, declared: object) -> Problem:
    return Problem(
        claim,
        f"the JWT claim {claim} ({value!r}) contradicts the credential's {prop} ({declared!r})",
        code="jose.claims_mismatch",
    )


def _check_claim_types(payload: Mapping[str, Any], problems: list[Problem]) -> None:
    for claim in ("nbf", "exp", "iat"):
        if claim in payload and _numeric_date(payload[claim]) is None:
            problems.append(
                Problem(
                    claim,
                    f"the JWT claim {claim} must be a NumericDate (seconds since 1970)",
                    code="jose.claims_malformed",
                )
            )


def _numeric_date(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


# --- the signature ------------------------------------------------------------------------


def _proof(
    parsed: _Parsed, issuer: str | None, resolver: DidResolver
) -> tuple[Check, JoseKey | None]:
    header = parsed.header
    alg = header.get("alg")
    kid = header.get("kid")
    details: dict[str, Any] = {"format": "jws", "alg": alg if isinstance(alg, str) else None}
    if isinstance(kid, str):
        details["kid"] = kid
    try:
        _check_header(header)
        method = _method_id(kid, parsed.payload, issuer)
        key = resolve_key(method, resolver)
        details["verificationMethod"] = key.method_id
        joserfc_key = _import_key(key, str(alg))
        try:
            jws.deserialize_compact(
                parsed.token, joserfc_key, algorithms=[str(alg)], registry=_REGISTRY
            )
        except BadSignatureError:
            raise JoseCheckError(
                "jose.bad_signature",
                f"the {alg} signature does not match the JWT: it was changed or forged",
            ) from None
        except JoseError as exc:
            raise JoseCheckError(
                "jose.bad_signature", f"the signature cannot be checked: {exc}"
            ) from None
    except JoseCheckError as failure:
        return Check("proof", Outcome.FAILED, failure.message, failure.code, details), None
    message = f"{alg} JWS signature by {key.method_id} verified"
    return Check("proof", Outcome.PASSED, message, details=details), key


def _check_header(header: Mapping[str, Any]) -> None:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        shown = alg if isinstance(alg, str) else repr(alg)
        raise JoseCheckError(
            "jose.alg_not_allowed",
            f"alg {shown} is not allowed (allowed: {', '.join(ALGORITHMS)})",
        )
    if "crit" in header:
        raise JoseCheckError(
            "jose.crit_unsupported",
            f"the JWT marks header parameters as critical ({header['crit']!r}); none is "
            "understood here, so it must be refused (RFC 7515 §4.1.11)",
        )
    typ = header.get("typ")
    if typ is not None and (not isinstance(typ, str) or typ.lower() not in _TYPS):
        raise JoseCheckError("jose.typ_mismatch", f"typ {typ!r} is not a credential JWT (vc+jwt)")
    if "jku" in header or "x5u" in header or "jwk" in header or "x5c" in header:
        raise JoseCheckError(
            "jose.key_not_found",
            "keys carried or linked in the header (jwk, jku, x5c, x5u) are not trusted; "
            "the key must come from the issuer's DID",
        )


def _method_id(kid: object, payload: Mapping[str, Any], issuer: str | None) -> str:
    """The absolute DID URL of the signing key (VC-JOSE-COSE §3.3: kid, or iss + kid)."""
    base = payload.get("iss") if isinstance(payload.get("iss"), str) else issuer
    if kid is None:
        if isinstance(base, str) and base.startswith(("did:key:", "did:jwk:")):
            return base  # a one-key DID: its key is unambiguous
        raise JoseCheckError("jose.kid_missing", "the JWT names no key (no kid header)")
    if not isinstance(kid, str) or not kid:
        raise JoseCheckError("jose.kid_missing", "the kid header must be a string")
    if kid.startswith("#") and isinstance(base, str) and base.startswith("did:"):
        return base + kid
    if not kid.startswith("did:"):
        raise JoseCheckError(
            "jose.kid_not_did",
            f"kid {kid!r} is not a DID URL: only keys from did:key, did:jwk and did:web "
            "issuers can be checked",
        )
    return kid


def _import_key(key: JoseKey, alg: str) -> OKPKey | ECKey | RSAKey:
    kty, crv = ALGORITHMS[alg]
    jwk = key.jwk
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        raise JoseCheckError(
            "jose.alg_key_mismatch",
            f"alg {alg} needs a {kty} {crv or ''} key; {key.method_id} is "
            f"{jwk.get('kty')} {jwk.get('crv') or ''}".replace("  ", " "),
        )
    if "alg" in jwk and jwk["alg"] != alg:
        raise JoseCheckError(
            "jose.alg_key_mismatch", f"the key is for alg {jwk['alg']!r}, the JWT uses {alg}"
        )
    members = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
    try:
        imported: OKPKey | ECKey | RSAKey
        if kty == "OKP":
            imported = OKPKey.import_key(members)
        elif kty == "EC":
            imported = ECKey.import_key(members)
        else:
            imported = RSAKey.import_key(members)
    except (JoseError, ValueError, TypeError) as exc:
        raise JoseCheckError("jose.key_unsupported", f"the key cannot be read: {exc}") from None
    if kty == "RSA":
        bits = int.from_bytes(urlsafe_b64decode(str(members.get("n", "")).encode()), "big")
        if bits.bit_length() < _MIN_RSA_BITS:
            raise JoseCheckError(
                "jose.alg_key_mismatch", f"RSA keys must have at least {_MIN_RSA_BITS} bits"
            )
    return imported


def _issuer_check(
    issuer: str | None, payload: Mapping[str, Any], proof: Check, key: JoseKey | None
) -> Check:
    if issuer is None:
        return Check("issuer", Outcome.FAILED, "The credential names no issuer.", "no_issuer")
    details: dict[str, Any] = {"issuer": issuer}
    if key is None:
        return Check(
            "issuer",
            Outcome.SKIPPED,
            f"Cannot confirm that {issuer} signed it: the signature did not verify.",
            code="unconfirmed",
            details=details,
        )
    iss = payload.get("iss")
    if key.did != issuer or (iss is not None and iss != issuer):
        details["signer"] = key.did
        return Check(
            "issuer",
            Outcome.FAILED,
            f"Signed with a key of {key.did}, not of the issuer {issuer}.",
            code="jose.kid_not_issuer",
            details=details,
        )
    return Check(
        "issuer",
        Outcome.PASSED,
        f"Signed with a key that {issuer} lists for issuing credentials.",
        details=details,
    )


# --- dates --------------------------------------------------------------------------------


def _validity(credential: Mapping[str, Any], payload: Mapping[str, Any], now: datetime) -> Check:
    """Both the credential's dates and nbf/exp apply; the stricter of each pair wins."""
    start_key, end_key = validity_keys(credential)
    try:
        starts = _bounds(credential, start_key, payload, "nbf")
        ends = _bounds(credential, end_key, payload, "exp")
    except InvalidInputError as exc:
        return Check("validity", Outcome.FAILED, exc.message, code="malformed")
    details: dict[str, Any] = {}
    start = max(starts, key=lambda b: b[1]) if starts else None
    end = min(ends, key=lambda b: b[1]) if ends else None
    if start is not None:
        details["from"], details["fromSource"] = format_datetime(start[1]), start[0]
    if end is not None:
        details["until"], details["untilSource"] = format_datetime(end[1]), end[0]
    if start is not None and now < start[1]:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Not valid yet: valid from {details['from']} ({start[0]}).",
            code="not_yet_valid",
            details=details,
        )
    if end is not None and now > end[1]:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Expired on {details['until']} ({end[0]}).",
            code="expired",
            details=details,
        )
    until = f" until {details['until']} ({end[0]})" if end is not None else ""
    return Check("validity", Outcome.PASSED, f"Within its validity period{until}.", details=details)


def _bounds(
    credential: Mapping[str, Any], key: str, payload: Mapping[str, Any], claim: str
) -> list[tuple[str, datetime]]:
    found: list[tuple[str, datetime]] = []
    # The claim first: on a tie (a VC 1.1 date filled in from it) the claim is named.
    claimed = _numeric_date(payload.get(claim))
    if claimed is not None:
        found.append((f"the JWT's {claim} claim", claimed))
    if key in credential:
        moment = parse_datetime(
            credential[key], field=key, require_timezone=key.startswith("valid")
        )
        found.append((f"the credential's {key}", moment))
    return found
