"""Issued credentials and the Bitstring Status Lists that revoke or suspend them.

Issuance (filled in by the issuance service) writes one ``IssuedCredential`` holding the
signed JSON exactly as signed, one ``CredentialEvidence`` row per backing project, and one
``StatusAllocation`` per status purpose.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.ids import new_uuid
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

if TYPE_CHECKING:
    from issuer.models.catalog import MicroCertification
    from issuer.models.evidence import Freelancer, GigProject
    from issuer.models.tenancy import Issuer, SigningKey

STATUS_PURPOSES = ("revocation", "suspension")
#: W3C Bitstring Status List: at least 16 KiB (131,072 entries) for herd privacy.
MIN_STATUS_LIST_BITS = 131_072


class IssuedCredential(db.Model):
    """One signed credential. ``document`` is the signed JSON, byte for byte as issued."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        # The console's keyset pages, newest first (migration 0010b).
        Index("ix_issued_credentials_issuer_page", "issuer_id", "issued_at", "id"),
        # "Does the freelancer already hold one for this certification?" on every issuance
        # (migration 0003 says why not two single-column indexes).
        Index("ix_issued_credentials_holder", "freelancer_id", "certification_id"),
        # The console's dashboard counts a provider's credentials by state in one pass
        # over this index alone (migration 0010c).
        Index(
            "ix_issued_credentials_issuer_state",
            "issuer_id",
            "revoked_at",
            "suspended",
            "valid_until",
        ),
        # "Issued under the current edition?" before every edit of a certification.
        Index("ix_issued_credentials_cert_version", "certification_id", "certification_version"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    #: None for credentials issued through the W3C VC API (the caller wrote the content).
    freelancer_id: Mapped[str | None] = mapped_column(
        ForeignKey("freelancers.id", ondelete="RESTRICT")
    )
    certification_id: Mapped[str | None] = mapped_column(
        ForeignKey("certifications.id", ondelete="RESTRICT"), index=True
    )
    #: The certification's edition when issued (None: the VC API, or before versions).
    certification_version: Mapped[int | None] = mapped_column(Integer)
    signing_key_id: Mapped[int] = mapped_column(ForeignKey("signing_keys.id", ondelete="RESTRICT"))
    #: The credential's JSON ``id``: ``urn:uuid:<id>`` for what microcred builds; through
    #: the VC API whatever the caller chose (not unique: interop suites reuse ids).
    credential_id: Mapped[str] = mapped_column(String(200), index=True)
    #: Short code of the verification URL the QR code points to (``/v/<code>``).
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    suite: Mapped[str] = mapped_column(String(32))
    #: Never rebuilt from columns: verifying the stored text must give the issued result.
    document: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Set when issued although the evidence rule was not met: who decided, and why.
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(100))
    # --- fl-privacy: erasure ---
    #: Set when the freelancer's personal data was erased: ``document`` is then empty
    #: (the signed copy is the holder's alone) and ``freelancer_id`` None; the status
    #: list entries stay, so the holder's copy still verifies with its true status.
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # --- end fl-privacy ---
    # --- fl-wallet: wallet copies ---
    #: The credential this one was issued from through a wallet offer (None: an original).
    #: A copy names the holder's DID; revoking the original revokes its copies.
    wallet_copy_of: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )
    # --- end fl-wallet ---
    #: The language its PDF certificate prints its own words and dates in, chosen at
    #: issuance (``microcred.platform.i18n.LANGUAGES``); None: English.
    language: Mapped[str | None] = mapped_column(String(8))

    issuer: Mapped[Issuer] = relationship()
    freelancer: Mapped[Freelancer | None] = relationship()
    certification: Mapped[MicroCertification | None] = relationship()
    signing_key: Mapped[SigningKey] = relationship()
    evidence: Mapped[list[CredentialEvidence]] = relationship(
        back_populates="credential", cascade="all, delete-orphan"
    )
    status_allocations: Mapped[list[StatusAllocation]] = relationship(
        back_populates="credential", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<IssuedCredential {self.credential_id}>"


class CredentialEvidence(db.Model):
    """Which gig projects back a credential (a project that backs one cannot be deleted)."""

    __tablename__ = "credential_evidence"

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("gig_projects.id", ondelete="RESTRICT"), primary_key=True, index=True
    )

    credential: Mapped[IssuedCredential] = relationship(back_populates="evidence")
    project: Mapped[GigProject] = relationship()


class StatusList(db.Model):
    """One Bitstring Status List of an issuer, for one purpose; ``version`` bumps per change."""

    __tablename__ = "status_lists"
    __table_args__ = (
        UniqueConstraint("issuer_id", "purpose", "number"),
        CheckConstraint("purpose IN ('revocation', 'suspension')", name="purpose"),
        CheckConstraint(f"size_bits >= {MIN_STATUS_LIST_BITS}", name="size_bits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    #: 1, 2, … within (issuer, purpose): part of the list's public URL.
    number: Mapped[int] = mapped_column(Integer)
    size_bits: Mapped[int] = mapped_column(Integer, default=MIN_STATUS_LIST_BITS)
    bitstring: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The published (signed) status list credential and what it was made from: it is
    # re-signed only when ``version`` or the issuer's active key moved on, never per request.
    signed_document: Mapped[str | None] = mapped_column(Text)
    signed_version: Mapped[int | None] = mapped_column(Integer)
    signed_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("signing_keys.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    allocations: Mapped[list[StatusAllocation]] = relationship(
        back_populates="status_list", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<StatusList {self.purpose} #{self.number} v{self.version}>"


class StatusAllocation(db.Model):
    """A credential's index in a status list.

    UNIQUE (status_list_id, index) is what keeps indices unique when several processes
    issue at once on PostgreSQL: a random index that is already taken fails the insert
    and the allocator draws again.
    """

    __tablename__ = "status_allocations"
    __table_args__ = (
        UniqueConstraint("status_list_id", "index"),
        UniqueConstraint("status_list_id", "credential_id"),
        CheckConstraint('"index" >= 0', name="index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_lists.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), index=True
    )

    status_list: Mapped[StatusList] = relationship(back_populates="allocations")
    credential: Mapped[IssuedCredential] = relationship(back_populates="status_allocations")


class VerificationCount(db.Model):
    """How often one of our credentials was verified on one UTC day: a count, nothing else.

    No address, no user agent, nothing about who verified: the public verifier hands the
    issuing side (issuer DID, credential id) of an authentic credential it checked, and
    ``issuer.verification_counter`` adds them up in memory and writes them here in
    batches. ``issuer_id`` is the credential's, copied so that the dashboard's chart reads
    one provider's days from one index.
    """

    __tablename__ = "verification_counts"
    __table_args__ = (
        # The chart sums a provider's days from the index alone (count included).
        Index("ix_verification_counts_issuer_day", "issuer_id", "day", "count"),
        CheckConstraint("count > 0", name="count"),
    )

    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(Integer)
