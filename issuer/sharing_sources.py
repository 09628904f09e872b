"""The issuing side's records, lent to the documents and sharing pages through
``sharing.interfaces`` (wired in by ``microcred.app``; ``sharing`` never imports this, nor
this ``sharing``: the rows and the two small records below satisfy its Protocols).

The ORM rows are handed over as they are, so what only a rendering needs (logos and
badge images, up to half a megabyte each, and the evidence projects) is loaded only when
a document is actually rendered. Every look-up runs in the request's session; values are
bound as parameters, never spliced into SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from issuer.models import Freelancer, IssuedCredential, Issuer, MicroCertification
from microcred.platform.extensions import db

__all__ = [
    "ISSUED_LOAD_OPTIONS",
    "CertificationImage",
    "PublicProfile",
    "find_certification_image",
    "find_credential",
    "find_public_profile",
]

#: One query for a credential and what its documents need. Logos and badge images (up to
#: half a megabyte each) load only when a document is actually rendered.
ISSUED_LOAD_OPTIONS: Final = (
    joinedload(IssuedCredential.issuer).defer(Issuer.logo_image),
    joinedload(IssuedCredential.signing_key),
    joinedload(IssuedCredential.certification).defer(MicroCertification.image),
    joinedload(IssuedCredential.freelancer),
)


@dataclass(frozen=True, slots=True)
class PublicProfile:
    name: str
    credentials: Sequence[IssuedCredential]


@dataclass(frozen=True, slots=True)
class CertificationImage:
    certification: MicroCertification
    provider: Issuer


def find_credential(credential_id: str, /) -> IssuedCredential | None:
    """The stored credential with what every document needs, in one query."""
    issued: IssuedCredential | None = db.session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.id == credential_id)
        # fl-privacy: a withdrawn copy (the freelancer's data was erased) is on no page.
        .where(IssuedCredential.erased_at.is_(None))
        .options(*ISSUED_LOAD_OPTIONS)
    )
    return issued


def find_public_profile(handle: str, /) -> PublicProfile | None:
    """The opted-in freelancer at ``handle`` and their credentials, newest first: two
    queries, whatever the number of credentials. A handle whose owner did not opt in is
    answered exactly like one nobody has."""
    freelancer = db.session.scalar(
        select(Freelancer).where(Freelancer.handle == handle, Freelancer.profile_public)
    )
    if freelancer is None:
        return None
    credentials = db.session.scalars(
        select(IssuedCredential)
        .where(IssuedCredential.freelancer_id == freelancer.id)
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
        .options(*ISSUED_LOAD_OPTIONS)
    ).all()
    return PublicProfile(name=freelancer.name, credentials=credentials)


def find_certification_image(slug: str, certification_id: str, /) -> CertificationImage | None:
    """A provider's certification with its provider, in one query; another provider's
    certification is answered like an unknown one."""
    row = db.session.execute(
        select(MicroCertification, Issuer)
        .join(Issuer, MicroCertification.issuer_id == Issuer.id)
        .where(Issuer.slug == slug, MicroCertification.id == certification_id)
    ).one_or_none()
    if row is None:
        return None
    return CertificationImage(certification=row[0], provider=row[1])
