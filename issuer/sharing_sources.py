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
from typing import Any, Final

from flask import has_request_context, request
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from issuer.models import CredentialChoice, Freelancer, IssuedCredential, Issuer, MicroCertification
from issuer.services import recipients
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
    # --- fl-account: the share page (a page for people) of a credential its holder hid
    # is answered as unknown (a wallet copy's when its original is hidden); its documents
    # (JSON, PDF, badge) stay at their unguessable UUID URLs, which the holder's account
    # page downloads (docs/RECIPIENTS.md). ---
    if issued is not None and _is_share_page() and recipients.is_hidden(issued.id):
        return None
    # --- end fl-account ---
    return issued


# --- fl-account: visibility on the public pages ---
def _is_share_page() -> bool:
    return has_request_context() and request.path.endswith("/share")


def _listed_on_profile(freelancer: Freelancer) -> Any:
    """The credentials a profile lists: the freelancer's own unless the holder made them
    link-only or hidden, and those of the same address at other providers that the
    holder's account explicitly made public. Never a wallet copy (fl-wallet): the original
    is listed or not, as its holder chose, and its copies are the same award again."""
    choice = CredentialChoice
    own = and_(
        IssuedCredential.freelancer_id == freelancer.id,
        or_(choice.visibility.is_(None), choice.visibility == "public"),
    )
    chosen_elsewhere = and_(
        Freelancer.email == freelancer.email,
        choice.visibility == "public",
        choice.account_id.is_not(None),
    )
    return and_(IssuedCredential.wallet_copy_of.is_(None), or_(own, chosen_elsewhere))


# --- end fl-account ---


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
        # --- fl-account: the holder's choices (docs/RECIPIENTS.md) ---
        .join(Freelancer, IssuedCredential.freelancer_id == Freelancer.id)
        .outerjoin(CredentialChoice, CredentialChoice.credential_id == IssuedCredential.id)
        .where(_listed_on_profile(freelancer))
        # --- end fl-account ---
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
