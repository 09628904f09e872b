"""Training providers (issuers), their signing keys and their API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credentials.keys import Ed25519SigningKey
from issuer.scopes import ALL_SCOPES_TEXT
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

DID_METHODS = ("web", "key")
BRANDING_FIELDS = (
    "logo_image",
    "primary_color",
    "accent_color",
    "signatory_name",
    "signatory_title",
    "signature_image",
    "certificate_layout",
)


class Issuer(db.Model):
    """A training provider: one tenant. Everything else belongs to exactly one issuer."""

    __tablename__ = "issuers"
    __table_args__ = (
        CheckConstraint("did_method IN ('web', 'key')", name="did_method"),
        CheckConstraint(
            "identity_method IS NULL OR identity_method IN ('domain', 'operator')",
            name="identity_method",
        ),
        CheckConstraint(
            "certificate_layout IS NULL OR certificate_layout IN ('classic', 'modern', 'compact')",
            name="certificate_layout",
        ),
        # --- fl-privacy: recipient e-mail in credentials ---
        CheckConstraint("recipient_email IN ('hashed', 'plain')", name="recipient_email"),
        # --- end fl-privacy ---
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(254))
    description: Mapped[str | None] = mapped_column(Text)
    did: Mapped[str] = mapped_column(String(500), unique=True)
    did_method: Mapped[str] = mapped_column(String(8))
    # Branding for certificates and badge pages: a logo (data: URI or https URL), two
    # colours (#rrggbb) and who signs the certificate.
    logo_image: Mapped[str | None] = mapped_column(Text)
    primary_color: Mapped[str | None] = mapped_column(String(7))
    accent_color: Mapped[str | None] = mapped_column(String(7))
    signatory_name: Mapped[str | None] = mapped_column(String(200))
    signatory_title: Mapped[str | None] = mapped_column(String(200))
    # The certificate's design (docs/CONSOLE.md, "Certificate design"): the signatory's
    # signature (a sanitised PNG/SVG data: URI) and the layout (None: "classic").
    signature_image: Mapped[str | None] = mapped_column(Text)
    certificate_layout: Mapped[str | None] = mapped_column(String(16))
    # How the provider's identity was established (the verify page shows its name as fact
    # only then): "domain" (its own domain publishes its key) or "operator" (confirmed by
    # this service's operator); None: not yet, the name is the provider's own claim.
    identity_method: Mapped[str | None] = mapped_column(String(8))
    identity_domain: Mapped[str | None] = mapped_column(String(253))
    identity_confirmed_by: Mapped[str | None] = mapped_column(String(200))
    identity_confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # --- fl-privacy: recipient e-mail in credentials ---
    #: How credentials name the recipient's e-mail address (OB 3.0 IdentityObject):
    #: "hashed" (salted SHA-256, the default) or "plain" (``hashed: false``), the
    #: provider's choice (docs/RECIPIENTS.md, "Privacy").
    recipient_email: Mapped[str] = mapped_column(
        String(8), default="hashed", server_default="hashed"
    )
    # --- end fl-privacy ---
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    signing_keys: Mapped[list[SigningKey]] = relationship(
        back_populates="issuer", order_by="SigningKey.id", cascade="all, delete-orphan"
    )
    api_keys: Mapped[list[ApiKey]] = relationship(
        back_populates="issuer", order_by="ApiKey.id", cascade="all, delete-orphan"
    )

    @property
    def branding(self) -> dict[str, str | None]:
        return {field: getattr(self, field) for field in BRANDING_FIELDS}

    def __repr__(self) -> str:
        return f"<Issuer {self.slug} {self.did}>"


class SigningKey(db.Model):
    """An Ed25519 key of an issuer; its private half is stored encrypted (PKCS#8 PEM).

    Life cycle: active (signs new credentials; exactly one per issuer) → retired (rotated
    out: still in the DID document, so what it signed keeps verifying) → optionally
    revoked (compromised: removed from the DID document, so what it signed stops verifying).
    """

    __tablename__ = "signing_keys"
    __table_args__ = (
        UniqueConstraint("issuer_id", "fragment"),
        # At most one active key per issuer, enforced by the database (rotation races).
        Index(
            "uq_signing_keys_one_active",
            "issuer_id",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    #: The verification method fragment: ``key-1`` for did:web, the multibase for did:key.
    fragment: Mapped[str] = mapped_column(String(100))
    public_key_multibase: Mapped[str] = mapped_column(String(100))
    encrypted_private_key: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    issuer: Mapped[Issuer] = relationship(back_populates="signing_keys")

    @property
    def verification_method(self) -> str:
        return f"{self.issuer.did}#{self.fragment}"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.is_active else "retired"

    def load(self, passphrase: bytes) -> Ed25519SigningKey:
        """Decrypt the private key (KeyStoreError if the passphrase is wrong)."""
        return Ed25519SigningKey.unlock(self.encrypted_private_key.encode(), passphrase)[0]

    def __repr__(self) -> str:
        return f"<SigningKey {self.fragment} {self.state}>"


class ApiKey(db.Model):
    """A bearer token for the issuer API. Only the SHA-256 of its secret part is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: Public part of the token (``mc_<prefix>_…``): shown in lists, used for look-up.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="cli")
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: What the key may do: scopes separated by spaces (``issuer.scopes``).
    scopes: Mapped[str] = mapped_column(String(100), default=ALL_SCOPES_TEXT)
    #: Refused from then on; None (never expires) only when made so on purpose.
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The prefix of the key that replaced this one in a rotation.
    replaced_by: Mapped[str | None] = mapped_column(String(16))

    issuer: Mapped[Issuer] = relationship(back_populates="api_keys")

    @property
    def display_prefix(self) -> str:
        return f"mc_{self.prefix}"

    def __repr__(self) -> str:
        return f"<ApiKey mc_{self.prefix} {self.name!r}>"
