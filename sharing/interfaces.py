"""What the documents and sharing pages need from this service's issuing side, as interfaces.

``sharing`` never imports ``issuer``: the composition root (``microcred.app``) builds a
``SharingSources`` from the issuing side's implementation (``issuer.sharing_sources``) and
hands it to ``sharing.init_app``. A service without an issuing side gets
``SharingSources.nothing()``: every credential, profile and image is then a 404.

The views below are read-only Protocols, so the issuing side may hand over its own
records as they are (its ORM rows satisfy them structurally): an attribute that is only
needed for rendering (a logo, a badge image, the evidence projects) is then read only when
a document is actually rendered, as before. Everything is read inside the request that
asked for it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

__all__ = [
    "CertificationImage",
    "CertificationImageLookup",
    "CertificationView",
    "CredentialLookup",
    "EvidenceView",
    "FreelancerView",
    "ProfileLookup",
    "ProjectView",
    "ProviderView",
    "PublicProfile",
    "SharingSources",
    "SigningKeyView",
    "StoredCredential",
]


class ProviderView(Protocol):
    """The training provider: its name and DID, and how it brands its documents.

    ``id`` and ``updated_at`` name one version of the branding (documents memoise on them).
    """

    @property
    def id(self) -> Hashable: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def name(self) -> str: ...
    @property
    def did(self) -> str: ...
    @property
    def logo_image(self) -> str | None: ...  # a data: URI or an https URL
    @property
    def primary_color(self) -> str | None: ...  # #rrggbb
    @property
    def accent_color(self) -> str | None: ...
    @property
    def signatory_name(self) -> str | None: ...
    @property
    def signatory_title(self) -> str | None: ...
    @property
    def signature_image(self) -> str | None: ...  # a data: URI (PNG/SVG)
    @property
    def certificate_layout(self) -> str | None: ...  # credentials LAYOUTS; None: "classic"


class CertificationView(Protocol):
    """A micro-certification as its badge shows it (``id``/``updated_at``: its version)."""

    @property
    def id(self) -> Hashable: ...
    @property
    def updated_at(self) -> datetime: ...
    @property
    def name(self) -> str: ...
    @property
    def image(self) -> str | None: ...  # a data: URI (PNG/SVG) or an https URL


class FreelancerView(Protocol):
    @property
    def name(self) -> str: ...


class SigningKeyView(Protocol):
    @property
    def revoked_at(self) -> datetime | None: ...


class ProjectView(Protocol):
    """A gig project backing a credential: what the certificate prints of it."""

    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def platform(self) -> str: ...
    @property
    def client_name(self) -> str | None: ...
    @property
    def started_on(self) -> date | None: ...
    @property
    def finished_on(self) -> date | None: ...


class EvidenceView(Protocol):
    @property
    def project(self) -> ProjectView: ...


class StoredCredential(Protocol):
    """One stored credential and the records its documents and pages read.

    ``document`` is the signed JSON exactly as issued: what it states wins over the
    records, which only fill in what it does not carry (see ``sharing.certificate``).
    ``freelancer`` and ``certification`` are None for credentials issued through the
    W3C VC API (the caller wrote the content).
    """

    @property
    def id(self) -> str: ...  # the UUID of the document URLs
    @property
    def credential_id(self) -> str: ...  # the credential's JSON ``id``
    @property
    def short_code(self) -> str: ...  # of the verification URL /v/<code>
    @property
    def document(self) -> str: ...
    @property
    def issued_at(self) -> datetime: ...
    @property
    def valid_from(self) -> datetime: ...
    @property
    def valid_until(self) -> datetime | None: ...
    @property
    def revoked_at(self) -> datetime | None: ...
    @property
    def suspended(self) -> bool: ...
    @property
    def signing_key(self) -> SigningKeyView | None: ...
    @property
    def issuer(self) -> ProviderView: ...
    @property
    def freelancer(self) -> FreelancerView | None: ...
    @property
    def certification(self) -> CertificationView | None: ...
    @property
    def evidence(self) -> Sequence[EvidenceView]: ...
    @property
    def language(self) -> str | None: ...  # of its PDF, chosen at issuance; None: English


class PublicProfile(Protocol):
    """A freelancer who opted in to a public profile, with their credentials newest first."""

    @property
    def name(self) -> str: ...
    @property
    def credentials(self) -> Sequence[StoredCredential]: ...


class CertificationImage(Protocol):
    """A certification and the provider whose badge it is (its colours and name)."""

    @property
    def certification(self) -> CertificationView: ...
    @property
    def provider(self) -> ProviderView: ...


class CredentialLookup(Protocol):
    """One stored credential by its UUID (canonical text form); None when there is none."""

    def __call__(self, credential_id: str, /) -> StoredCredential | None: ...


class ProfileLookup(Protocol):
    """The public profile at ``/p/<handle>``; None when nobody has that handle *or* its
    owner did not opt in (the page must not tell the two apart)."""

    def __call__(self, handle: str, /) -> PublicProfile | None: ...


class CertificationImageLookup(Protocol):
    """A provider's certification by the provider's slug and the certification's id; None
    when either is unknown or the certification belongs to another provider."""

    def __call__(self, slug: str, certification_id: str, /) -> CertificationImage | None: ...


def _no_credential(credential_id: str, /) -> StoredCredential | None:
    return None


def _no_profile(handle: str, /) -> PublicProfile | None:
    return None


def _no_image(slug: str, certification_id: str, /) -> CertificationImage | None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class SharingSources:
    """This service's stored credentials, public profiles and certification images."""

    credentials: CredentialLookup
    profiles: ProfileLookup
    certification_images: CertificationImageLookup

    @classmethod
    def nothing(cls) -> SharingSources:
        """For a service without an issuing side: nothing to show."""
        return cls(credentials=_no_credential, profiles=_no_profile, certification_images=_no_image)
