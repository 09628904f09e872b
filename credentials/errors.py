"""One error tree for the whole credential core.

Every error carries diagnostics (a stable ``code``, a human ``message``, the
offending ``field`` when there is one, and free-form ``details``) so that the
web layer can turn any of them into a JSON problem body without knowing the
concrete class, and the CLI can print the same words.

Invalid *credentials* are not errors: verification reports them as failed
checks (see ``credentials.verify``). These exceptions are for input that cannot
be processed at all, for refused operations and for infrastructure faults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar


class MicrocredError(Exception):
    """Base of every error raised by microcred.

    The class says what kind of failure it is (and so the HTTP status); ``code`` is the
    stable machine code a client matches on. Each class has a default code, and a raise
    may name a more precise one (``ConflictError(..., code="already_revoked")``).
    """

    #: The stable machine code; an instance may override it (see ``__init__``).
    code: str = "microcred_error"
    #: The HTTP status the web layer answers with; 4xx for anything the caller can fix.
    http_status: ClassVar[int] = 400

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, Any] = dict(details or {})
        if code is not None:
            self.code = code

    def field_errors(self) -> dict[str, list[str]]:
        """Every field at fault with its messages (by default the one ``field``)."""
        return {self.field: [self.message]} if self.field else {}

    def diagnostics(self) -> dict[str, Any]:
        """The error as plain data: what a problem body or ``--json`` output shows."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.details:
            out["details"] = self.details
        return out


# --- input the caller can fix -------------------------------------------------------------


class InvalidInputError(MicrocredError):
    """Input that cannot be processed: malformed JSON, wrong shape, unknown identifiers."""

    code = "invalid_input"
    http_status = 400


class MalformedCredentialError(InvalidInputError):
    """The input is not a credential at all (not a JSON object, not parseable)."""

    code = "malformed_credential"


class UnsupportedFormatError(MalformedCredentialError):
    """A credential in a format this service does not verify yet: a JWT, an Open Badges 2.0
    or 1.x assertion, a link (``credentials.formats``; ``details["format"]`` names it)."""

    code = "format.unsupported"
    http_status = 422


class NoCredentialError(MalformedCredentialError):
    """Input that holds no credential at all: empty, plain text, JSON that is no
    credential (``details["format"]`` says what it is)."""

    code = "format.no_credential"
    http_status = 422


class InvalidTextError(MalformedCredentialError):
    """A string that is not Unicode text (a lone surrogate): it has no UTF-8 form, so no
    canonical form and no signature that another implementation could check."""

    code = "invalid_text"

    def __init__(self, field: str, *, character: str) -> None:
        # The field's name may hold the surrogate itself: keep it printable (\\ud800).
        field = field.encode("utf-8", "backslashreplace").decode("utf-8")
        where = f"{field!r}" if field else "the document"
        super().__init__(
            f"{where} contains {character}, a lone surrogate: not Unicode text, and it cannot "
            "be encoded as UTF-8 (it usually comes from a broken \\u escape in JSON)",
            field=field or None,
            details={"character": character},
        )


class NoncharacterError(InvalidInputError):
    """U+FFFE/U+FFFF in text to be signed with eddsa-rdfc-2022 (see credentials.jsontext)."""

    code = "invalid_text"

    def __init__(self, field: str, *, character: str) -> None:
        where = f"{field!r}" if field else "the document"
        super().__init__(
            f"{where} contains {character}, a Unicode noncharacter that the RDFC-1.0 "
            "Recommendation and the reference libraries write differently, so no signature "
            "over it would verify everywhere; remove it",
            field=field or None,
            details={"character": character},
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One structural problem, located by a JSON path such as ``credentialSubject.id``.

    ``code`` names the rule broken (``credentials.findings.CATALOGUE``): it decides
    whether verification treats the problem as an error or a warning. Issuance refuses
    every problem, whatever its code."""

    field: str
    message: str
    code: str = "vc.malformed"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class CredentialValidationError(InvalidInputError):
    """A credential (or part of one) breaks the data model; lists every problem found."""

    code = "credential_invalid"
    http_status = 422

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else Problem("", "invalid credential")
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(
            f"{first.field}: {first.message}{more}" if first.field else first.message + more,
            field=first.field or None,
            details={"problems": [p.as_dict() for p in self.problems]},
        )


class UnknownContextError(InvalidInputError):
    """A JSON-LD context URL that is not bundled; contexts are never fetched."""

    code = "unknown_context"
    http_status = 422

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not one of the bundled contexts; "
            "contexts are never fetched from the network",
            field="@context",
            details={"url": url},
        )
        self.url = url


class UndefinedTermError(InvalidInputError):
    """A property or type that no context defines; signing it would leave it unsigned."""

    code = "undefined_term"
    http_status = 422

    def __init__(self, term: str, *, reason: str = "no @context defines it") -> None:
        super().__init__(
            f"term {term!r} is not defined: {reason}",
            field=term,
            details={"term": term},
        )
        self.term = term


class JsonLdProcessingError(InvalidInputError):
    """Any other JSON-LD processing failure (invalid context, invalid @id, ...)."""

    code = "jsonld_error"
    http_status = 422


class CanonicalizationError(InvalidInputError):
    """The document cannot be canonicalised (for example a number outside RFC 8785's range)."""

    code = "canonicalization_error"
    http_status = 422


class MultibaseError(InvalidInputError):
    """A multibase / Multikey value that does not decode to what it claims."""

    code = "bad_multibase"
    http_status = 422


class NoEmbeddedCredentialError(InvalidInputError):
    """An uploaded PDF, PNG or SVG carries no (or more than one) embedded credential."""

    #: The same code as ``NoCredentialError``: the file holds no credential (issue 15).
    code = "format.no_credential"
    http_status = 422


class UnsafeImageError(InvalidInputError):
    """An uploaded image that cannot be made safe to serve: not an image, entity
    declarations, a ``<use>`` bomb, a size no viewer should allocate."""

    code = "image_refused"
    http_status = 422


class RenderBudgetError(InvalidInputError):
    """A document whose render ran past its time or memory budget: the input asks for more
    work than a certificate or badge may take. Its result, if any, is not used."""

    code = "render_budget_exceeded"
    http_status = 422


class RenderOverloadError(MicrocredError):
    """No renderer was free in time: the service is busy, not the input bad; retry."""

    code = "render_overloaded"
    http_status = 503
    retry_after_seconds = 5


class PayloadTooLargeError(InvalidInputError):
    """An upload or request body over the configured limit."""

    code = "payload_too_large"
    http_status = 413


class NotFoundError(InvalidInputError):
    """Something the request names does not exist (or belongs to another issuer)."""

    code = "not_found"
    http_status = 404


class ConflictError(MicrocredError):
    """The request conflicts with the current state (a duplicate, a retired or revoked item)."""

    code = "conflict"
    http_status = 409


class UnsupportedMediaError(InvalidInputError):
    """An upload that is none of the formats a credential can travel in."""

    code = "unsupported_media"
    http_status = 415


# --- refused operations -------------------------------------------------------------------


class SigningError(MicrocredError):
    """Signing was refused: unknown cryptosuite, issuer not controlled by the key, ..."""

    code = "signing_refused"
    http_status = 422


class UnknownCryptosuiteError(SigningError):
    code = "unknown_cryptosuite"

    def __init__(self, name: object) -> None:
        super().__init__(
            f"unknown cryptosuite {name!r}; supported: eddsa-rdfc-2022, eddsa-jcs-2022",
            field="cryptosuite",
            details={"cryptosuite": name},
        )


# --- keys, configuration ------------------------------------------------------------------


class KeyStoreError(MicrocredError):
    """A key that does not exist, cannot be decrypted, or may not be used here."""

    code = "key_store_error"
    http_status = 500


class KeyNotFoundError(KeyStoreError):
    code = "key_not_found"
    http_status = 404


class ConfigurationError(MicrocredError):
    """The service is configured in a way that is unsafe or inconsistent."""

    code = "configuration_error"
    http_status = 500


# --- resolution (DIDs, status lists) ------------------------------------------------------


class ResolutionError(MicrocredError):
    """A DID, verification method or status list that could not be resolved."""

    code = "resolution_failed"
    http_status = 502


class VerificationTimeoutError(ResolutionError):
    """The verification's total time budget ran out before this could be checked."""

    code = "timeout"
    http_status = 504


class UnsupportedDidMethodError(ResolutionError):
    code = "unsupported_did_method"
    http_status = 422


class ForbiddenAddressError(ResolutionError):
    """A fetch that would reach a private, loopback or link-local address (SSRF guard)."""

    code = "forbidden_address"
    http_status = 422


class StatusListError(MicrocredError):
    """A status list that is full, malformed or inconsistent."""

    code = "status_list_error"
    http_status = 422
