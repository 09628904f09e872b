"""What a PDF certificate shows: plain, validated data, independent of any template.

The issuer service builds these from its records; the renderer turns them into HTML. Values
that end up in CSS (colours) or in ``src`` attributes (images) are validated here, because
HTML autoescaping does not make a colour safe inside a stylesheet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from credentials.documents.certificate_words import check_language
from credentials.errors import InvalidInputError

__all__ = [
    "LAYOUTS",
    "Branding",
    "CertificateCompetency",
    "CertificateData",
    "CertificateProject",
    "check_colour",
]

_COLOUR: Final = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_IMAGE_DATA_URI: Final = re.compile(
    r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/=\s]+"
)
_MAX_IMAGE_URI: Final = 2 * 1024 * 1024
_MAX_VERIFY_URL: Final = 512
#: The certificate layouts a provider chooses from: "classic" is the configured template
#: (landscape, double frame), the others are its siblings ``modern.html`` (landscape, a
#: band in the primary colour down the left side) and ``compact.html`` (portrait).
LAYOUTS: Final = ("classic", "modern", "compact")


def check_colour(value: str, *, field: str) -> str:
    """``value`` if it is ``#rgb`` or ``#rrggbb``; anything else could break out of CSS."""
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise InvalidInputError(
            f"{field} must be a colour written #rgb or #rrggbb, got {value!r}", field=field
        )
    return value.lower()


def _check_image(value: str | None, *, field: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _IMAGE_DATA_URI.fullmatch(value):
        raise InvalidInputError(
            f"{field} must be a base64 data: URI of a PNG, JPEG, GIF, WebP or SVG image",
            field=field,
        )
    if len(value) > _MAX_IMAGE_URI:
        raise InvalidInputError(
            f"{field} is too large ({len(value)} characters; limit {_MAX_IMAGE_URI})",
            field=field,
        )


def _check_items(values: object, kind: type, *, field: str) -> None:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InvalidInputError(f"{field} must be a list", field=field)
    for value in values:
        if not isinstance(value, kind):
            raise InvalidInputError(
                f"{field} must hold {kind.__name__} values, not {type(value).__name__}",
                field=field,
            )


def _check_text(value: object, *, field: str, required: bool = True) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInputError(f"{field} must be a non-empty string", field=field)


@dataclass(frozen=True, kw_only=True)
class Branding:
    """A training provider's look: logo, two colours and an optional signatory."""

    logo_data_uri: str | None = None
    primary: str = "#1f4e79"
    accent: str = "#f2a900"
    signatory_name: str | None = None
    signatory_title: str | None = None
    signature_data_uri: str | None = None
    layout: str = "classic"

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise InvalidInputError(
                f"branding.layout must be one of {', '.join(LAYOUTS)}", field="branding.layout"
            )
        object.__setattr__(self, "primary", check_colour(self.primary, field="branding.primary"))
        object.__setattr__(self, "accent", check_colour(self.accent, field="branding.accent"))
        _check_image(self.logo_data_uri, field="branding.logo_data_uri")
        _check_image(self.signature_data_uri, field="branding.signature_data_uri")
        _check_text(self.signatory_name, field="branding.signatory_name", required=False)
        _check_text(self.signatory_title, field="branding.signatory_title", required=False)


@dataclass(frozen=True, kw_only=True)
class CertificateCompetency:
    """A competency of the micro-certification and the gig projects that demonstrate it."""

    name: str
    description: str | None = None
    projects: Sequence[str] = ()
    #: False: listed as part of the certification, not as shown by the holder's work.
    demonstrated: bool = True

    def __post_init__(self) -> None:
        _check_text(self.name, field="competencies.name")
        _check_text(self.description, field="competencies.description", required=False)
        _check_items(self.projects, str, field="competencies.projects")


@dataclass(frozen=True, kw_only=True)
class CertificateProject:
    """A gig project recorded as evidence."""

    title: str
    platform: str | None = None
    client: str | None = None
    url: str | None = None
    dates: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.title, field="projects.title")
        for name in ("platform", "client", "url", "dates"):
            _check_text(getattr(self, name), field=f"projects.{name}", required=False)


@dataclass(frozen=True, kw_only=True)
class CertificateData:
    """Everything the certificate prints.

    ``status_label`` is printed only when it is a final or negative state ("Revoked",
    "Suspended", "Expired"…). A "Valid" is never printed: a saved copy would keep saying
    it after a revocation, so the certificate invites the reader to scan for the current
    status instead. ``award`` says what the holder did: ``complete`` (every competency
    demonstrated), ``partial`` (the rule's share of them) or ``override`` (awarded by the
    issuer's decision, for ``override_reason``). ``language`` is the language the
    certificate's own words and dates are printed in (the one chosen at issuance); what
    the provider and the freelancer wrote is printed as written."""

    recipient_name: str
    certification_name: str
    description: str
    criteria: str
    competencies: Sequence[CertificateCompetency]
    projects: Sequence[CertificateProject]
    issuer_name: str
    issuer_id: str
    issued_on: date
    expires_on: date | None
    credential_id: str
    verify_url: str
    status_label: str = "Valid"
    branding: Branding = field(default_factory=Branding)
    award: Literal["complete", "partial", "override"] = "complete"
    override_reason: str | None = None
    language: str = "en"

    def __post_init__(self) -> None:
        check_language(self.language)
        for name in (
            "recipient_name",
            "certification_name",
            "issuer_name",
            "issuer_id",
            "credential_id",
            "verify_url",
            "status_label",
        ):
            _check_text(getattr(self, name), field=name)
        _check_text(self.description, field="description", required=False)
        _check_text(self.criteria, field="criteria", required=False)
        _check_text(self.override_reason, field="override_reason", required=False)
        if self.award not in ("complete", "partial", "override"):
            raise InvalidInputError(f"unknown award {self.award!r}", field="award")
        if (self.award == "override") != (self.override_reason is not None):
            raise InvalidInputError(
                "an override award needs its reason (and only an override has one)",
                field="override_reason",
            )
        if not self.verify_url.startswith(("https://", "http://")):
            raise InvalidInputError("verify_url must be an http(s) URL", field="verify_url")
        if len(self.verify_url) > _MAX_VERIFY_URL:
            # The QR code must stay scannable: a short URL keeps it at a low version.
            raise InvalidInputError(
                f"verify_url is too long for a scannable QR code (limit {_MAX_VERIFY_URL})",
                field="verify_url",
            )
        _check_items(self.competencies, CertificateCompetency, field="competencies")
        _check_items(self.projects, CertificateProject, field="projects")
        if not isinstance(self.issued_on, date):
            raise InvalidInputError("issued_on must be a date", field="issued_on")
        if self.expires_on is not None and not isinstance(self.expires_on, date):
            raise InvalidInputError("expires_on must be a date or None", field="expires_on")
        if not isinstance(self.branding, Branding):
            raise InvalidInputError("branding must be a Branding", field="branding")
