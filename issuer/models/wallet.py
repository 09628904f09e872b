"""Wallet delivery: offers of an issued credential to a holder's wallet, and OID4VCI nonces.

An offer is created for one issued credential (the "original"). Its secret token is in
the offer page's URL, the VC API exchange URL and the OID4VCI ``credential_offer_uri``;
only its SHA-256 is stored, as for the pre-authorized code and the access token. When
the wallet proves control of a DID, a new credential (a "wallet copy",
``IssuedCredential.wallet_copy_of``) is issued to that DID and the offer is spent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from issuer.ids import new_uuid
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

#: How the copy was fetched (``WalletOffer.protocol``).
WALLET_PROTOCOLS = ("vcapi", "oid4vci")


class WalletOffer(db.Model):
    """One single-use, expiring offer of a credential to a wallet."""

    __tablename__ = "wallet_offers"
    __table_args__ = (Index("ix_wallet_offers_credential", "credential_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    #: The original credential offered.
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="CASCADE")
    )
    #: SHA-256 (hex) of the offer token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: SHA-256 of the OID4VCI pre-authorized code (derived from the token, see the service).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the pre-authorized code was exchanged for an access token (single use).
    code_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    access_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    #: Set once a wallet copy was issued through this offer: it is spent.
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    protocol: Mapped[str | None] = mapped_column(String(16))
    holder_did: Mapped[str | None] = mapped_column(String(2000))
    copy_id: Mapped[str | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )


class WalletNonce(db.Model):
    """An OID4VCI ``c_nonce`` from the nonce endpoint: single use, short-lived."""

    __tablename__ = "wallet_nonces"

    nonce_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
