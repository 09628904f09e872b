"""What was handed to the verifier, said plainly when it is not something we verify yet.

Issue 15, item 7: a JWT, an Open Badges 2.0 or 1.x assertion, a link, an image without an
embedded credential or a JSON object that is no credential at all get a clear answer
with a stable code, never a generic "not valid JSON" or a crash:

- ``format.unsupported``: a credential format this service does not verify yet, named
  (``UnsupportedFormatError``, with ``details["format"]``);
- ``format.no_credential``: input that holds no credential at all
  (``NoCredentialError``; images and PDFs without one raise ``NoEmbeddedCredentialError``,
  which carries the same code).

:func:`identify` looks at any text or bytes and answers one :class:`Identified`, never
raising (a Hypothesis test holds it to that). :func:`load_supported` is what the web
layer and the CLI call: strict parsing (``credentials.verify.load_credential``), and when
that fails or the object is not a VC, the plain reason. A Data Integrity credential
costs one look at its ``@context`` (the hot path of the verify benchmark).

JWTs (VC-JOSE-COSE, VC 1.1 JWT-VC), Open Badges 2.0 and 1.x are recognised here so that a
later step can verify them: each has its own :class:`Kind`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from credentials.errors import MalformedCredentialError, NoCredentialError, UnsupportedFormatError
from credentials.jwtvc import envelope, token_of  # v-jwt

__all__ = [
    "Identified",
    "Kind",
    "NoCredentialError",
    "UnsupportedFormatError",
    "classify",
    "identify",
    "jwt_envelope",  # v-jwt
    "load_supported",
    "refusal",
    "refuse_unsupported",
]

_VC_CONTEXTS: Final = (
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
)
_OB2_CONTEXT: Final = "https://w3id.org/openbadges/v2"
_OB1_CONTEXT: Final = "https://w3id.org/openbadges/v1"
# Compact JWS (header.payload.signature) and JWE (five parts); SD-JWT adds "~"-separated
# disclosures after the JWS.
_B64URL: Final = r"[A-Za-z0-9_-]+"
_JWS: Final = re.compile(rf"({_B64URL})\.({_B64URL})\.([A-Za-z0-9_-]*)(~[A-Za-z0-9_.~-]*)?")
_JWE: Final = re.compile(rf"{_B64URL}\.[A-Za-z0-9_-]*\.{_B64URL}\.{_B64URL}\.{_B64URL}")
_URL: Final = re.compile(r"https?://\S+", re.IGNORECASE)
# Keys a credential-like object has; an object with none of them is no credential.
_CREDENTIAL_KEYS: Final = ("@context", "type", "credentialSubject", "issuer", "proof")


class Kind(StrEnum):
    """What the input is. ``CREDENTIAL`` and ``MALFORMED`` go on to be verified or refused
    by the strict parser; the others are answered here."""

    CREDENTIAL = "credential"  # a JSON object to verify as a VC (Data Integrity)
    MALFORMED = "malformed"  # meant as JSON but broken: the parser says where
    JWT = "jwt"  # compact JWS: VC-JOSE-COSE or VC 1.1 JWT-VC
    SD_JWT = "sd-jwt"
    JWE = "jwe"
    ENVELOPED = "enveloped"  # EnvelopedVerifiableCredential (VC-JOSE-COSE, SD-JWT)
    OB2 = "ob2"  # Open Badges 2.0 assertion
    OB1 = "ob1"  # Open Badges 1.x assertion
    LINK = "link"  # a URL (a hosted assertion, a profile page...)
    UNKNOWN_JSON = "unknown-json"  # JSON that is no credential
    NO_CREDENTIAL = "no-credential"  # empty, or text that is not a credential
    # --- v-jwt ---
    VC_JWT = "vc-jwt"  # VC-JOSE-COSE (bare or enveloped) or VC 1.1 JWT-VC: verified
    # --- end v-jwt ---


#: Kinds that are credentials we cannot verify yet (``format.unsupported``).
UNSUPPORTED: Final = frozenset(
    {Kind.JWT, Kind.SD_JWT, Kind.JWE, Kind.ENVELOPED, Kind.OB2, Kind.OB1, Kind.LINK}
)


@dataclass(frozen=True, slots=True)
class Identified:
    kind: Kind
    #: What it is, in a few words, for "this format is not supported yet (…)".
    description: str

    @property
    def code(self) -> str | None:
        """``format.unsupported``, ``format.no_credential`` or None (go on and verify)."""
        if self.kind in UNSUPPORTED:
            return "format.unsupported"
        if self.kind in (Kind.UNKNOWN_JSON, Kind.NO_CREDENTIAL):
            return "format.no_credential"
        return None


def _b64json(segment: str) -> Mapping[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError):
        return None
    return value if isinstance(value, Mapping) else None


def _jwt(text: str) -> Identified | None:  # noqa: PLR0911 - one answer per kind
    if _JWE.fullmatch(text):
        return Identified(Kind.JWE, "an encrypted JWT (JWE)")
    match = _JWS.fullmatch(text)
    if match is None:
        return None
    header = _b64json(match.group(1))
    if header is None:
        return None  # three dotted words, not a JWT
    if match.group(4):
        return Identified(Kind.SD_JWT, "an SD-JWT (selective disclosure JWT)")
    typ = str(header.get("typ", "")).lower()
    cty = str(header.get("cty", "")).lower()
    alg = header.get("alg")
    signed = f", signed with {alg}" if isinstance(alg, str) and len(alg) <= 20 else ""
    if typ in ("vc+jwt", "application/vc+jwt", "vc+sd-jwt") or cty in ("vc", "vc+ld+json"):
        # v-jwt: vc+jwt is verified (credentials.jwtvc); vc+sd-jwt is not yet.
        kind = Kind.JWT if typ == "vc+sd-jwt" else Kind.VC_JWT
        return Identified(kind, f"a VC-JOSE-COSE credential secured as a JWT{signed}")
    payload = _b64json(match.group(2))
    if payload is not None and "vc" in payload:
        return Identified(Kind.VC_JWT, f"a VC 1.1 JWT-VC{signed}")  # v-jwt: verified
    if payload is not None and ("badge" in payload or "recipient" in payload):
        return Identified(Kind.JWT, f"a signed Open Badges 2.0 assertion (JWS){signed}")
    return Identified(Kind.JWT, f"a JWT{signed}")


def _contexts(document: Mapping[str, Any]) -> list[object]:
    context = document.get("@context")
    return context if isinstance(context, list) else [context]


def _types(document: Mapping[str, Any]) -> list[object]:
    value = document.get("type", document.get("@type"))
    return value if isinstance(value, list) else [value]


def classify(document: object) -> Identified:  # noqa: PLR0911 - one answer per kind
    """What a parsed JSON value is (no exception for any value)."""
    if isinstance(document, str):
        text = document.strip()
        found = _jwt(text)
        if found is not None:
            return found
        if _URL.fullmatch(text):
            return Identified(Kind.LINK, "a link (a hosted badge or credential?), not a credential")
        return Identified(Kind.NO_CREDENTIAL, "a JSON string that is not a credential")
    if isinstance(document, list):
        return Identified(Kind.UNKNOWN_JSON, "a JSON list, not one credential")
    if not isinstance(document, Mapping):
        return Identified(Kind.UNKNOWN_JSON, "a JSON value that is not an object")
    contexts = _contexts(document)
    if contexts and contexts[0] in _VC_CONTEXTS:
        if "EnvelopedVerifiableCredential" in _types(document):
            # --- v-jwt: a vc+jwt envelope is verified (credentials.jwtvc) ---
            token = token_of(document)
            inner = _jwt(token) if token is not None else None
            if inner is not None and inner.kind is Kind.VC_JWT:
                return Identified(Kind.VC_JWT, "an enveloped VC-JOSE-COSE credential (vc+jwt)")
            # --- end v-jwt ---
            return Identified(Kind.ENVELOPED, "an enveloped credential (VC-JOSE-COSE or SD-JWT)")
        return Identified(Kind.CREDENTIAL, "a verifiable credential")
    if _OB2_CONTEXT in contexts or "Assertion" in _types(document):
        return Identified(Kind.OB2, "an Open Badges 2.0 assertion")
    if _OB1_CONTEXT in contexts or (
        "@context" not in document
        and "recipient" in document
        and "badge" in document
        and any(key in document for key in ("verify", "issued_on", "uid"))
    ):
        return Identified(Kind.OB1, "an Open Badges 1.x assertion")
    if not any(key in document for key in _CREDENTIAL_KEYS):
        return Identified(Kind.UNKNOWN_JSON, "a JSON object that is not a credential")
    # Something credential-like without a VC context: verification names what is wrong.
    return Identified(Kind.CREDENTIAL, "a JSON object that may be a credential")


def identify(data: bytes | bytearray | str) -> Identified:  # noqa: PLR0911 - one per kind
    """What ``data`` is, from its text alone (no exception for any input)."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            return Identified(Kind.NO_CREDENTIAL, "binary data that is not a credential")
    else:
        text = data
    text = text.strip()
    if not text:
        return Identified(Kind.NO_CREDENTIAL, "nothing (empty input)")
    found = _jwt(text)
    if found is not None:
        return found
    if _URL.fullmatch(text):
        return Identified(Kind.LINK, "a link (a hosted badge or credential?), not a credential")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        if text[0] in '{["':
            return Identified(Kind.MALFORMED, "broken JSON")
        return Identified(Kind.NO_CREDENTIAL, "text that is not a credential")
    return classify(document)


def refusal(found: Identified, field: str | None) -> MalformedCredentialError | None:
    """The error that answers ``found``, or None when it is to be verified."""
    details = {"format": found.kind.value, "description": found.description}
    if found.code == "format.unsupported":
        return UnsupportedFormatError(
            f"this format is not supported yet ({found.description}); only credentials "
            # v-jwt: "or as a VC JWT" added
            "secured with an embedded Data Integrity proof or as a VC JWT (VC-JOSE-COSE, "
            "VC 1.1 JWT-VC) can be verified here",
            field=field,
            details=details,
        )
    if found.code == "format.no_credential":
        return NoCredentialError(
            f"this holds no credential ({found.description})", field=field, details=details
        )
    return None


def refuse_unsupported(document: Mapping[str, Any], *, field: str | None = None) -> None:
    """Raise the plain refusal when a parsed object is not a credential we verify."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    if first in _VC_CONTEXTS and document.get("type") != "EnvelopedVerifiableCredential":
        return  # the common case, in two lookups
    error = refusal(classify(document), field)
    if error is not None:
        raise error


# --- v-jwt ---
def _bare_token(data: bytes | str) -> str:
    """The JWT of input that ``identify`` found to be one (bare, or a JSON string)."""
    text = (data.decode("utf-8-sig") if isinstance(data, bytes) else data).strip()
    if text.startswith('"'):
        value = json.loads(text)
        return str(value).strip()
    return text


def jwt_envelope(value: object) -> dict[str, Any] | None:
    """The envelope of a JSON string that is a VC JWT (``{"verifiableCredential": "eyJ…"}``)."""
    if isinstance(value, str) and classify(value).kind is Kind.VC_JWT:
        return envelope(value.strip())
    return None


# --- end v-jwt ---


def load_supported(
    data: bytes | str, *, field: str | None = None, whole: bool = True
) -> dict[str, Any]:
    """``load_credential`` that names unsupported formats and input holding no credential.

    ``whole=False``: the object may be a request envelope around the credential; only the
    parsing is checked here (call :func:`refuse_unsupported` on the credential itself)."""
    from credentials.verify import load_credential  # verify imports nothing from here

    try:
        document = load_credential(data)
    except MalformedCredentialError as exc:
        found = identify(data)
        # --- v-jwt: a bare compact JWT (or a JSON string holding one) travels enveloped ---
        if found.kind is Kind.VC_JWT:
            return envelope(_bare_token(data))
        # --- end v-jwt ---
        # JSON the strict parser refused (a duplicate key, NaN, a list) keeps its exact reason.
        error = refusal(found, field or exc.field) if found.kind is not Kind.UNKNOWN_JSON else None
        if error is not None:
            raise error from None
        raise
    if whole:
        refuse_unsupported(document, field=field)
    return document
