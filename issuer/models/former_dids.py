"""The did:web identifiers a training provider had before its base URL moved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.models.tenancy import Issuer
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db


class FormerDid(db.Model):
    """A DID the issuer signed under until ``moved_at``: credentials name it forever, so
    its DID document (the issuer's current keys under the old DID) and its status lists
    stay resolvable here (``issuer.services.base_urls``)."""

    __tablename__ = "issuer_former_dids"
    __table_args__ = (UniqueConstraint("issuer_id", "base_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"))
    did: Mapped[str] = mapped_column(String(500), index=True)
    #: The base URL the DID (and the credentials' status list URLs) were minted for.
    base_url: Mapped[str] = mapped_column(String(500))
    moved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    issuer: Mapped[Issuer] = relationship()

    def __repr__(self) -> str:
        return f"<FormerDid {self.did}>"
