"""What a training provider certifies: micro-certifications and their competencies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from issuer.ids import new_id
from microcred.platform.db import UtcDateTime, utcnow
from microcred.platform.extensions import db

#: Open Badges 3.0 AchievementType vocabulary (an extension uses the ``ext:`` prefix).
ACHIEVEMENT_TYPES = (
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
)


class MicroCertification(db.Model):
    """A micro-certification (an OB 3.0 Achievement) and its evidence rule.

    Evidence rule: each competency needs at least ``min_projects_per_competency`` gig
    projects assessed as *accepted*; ``min_competencies`` competencies must meet that
    (``None``: all of them). With ``min_client_rating``, a project counts only when its
    client rated it at least that (an unrated project does not count).

    Expiry: ``validity_days`` (the API's original policy) or ``validity_months`` (calendar
    months, the console's policy), never both; neither: the credential does not expire.
    """

    __tablename__ = "certifications"
    __table_args__ = (
        UniqueConstraint("issuer_id", "slug"),
        CheckConstraint("validity_days IS NULL OR validity_days > 0", name="validity_days"),
        CheckConstraint("min_projects_per_competency >= 1", name="min_projects"),
        CheckConstraint("min_competencies IS NULL OR min_competencies >= 1", name="min_comp"),
        CheckConstraint(
            "min_client_rating IS NULL OR min_client_rating BETWEEN 0 AND 5", name="min_rating"
        ),
        CheckConstraint(
            "validity_months IS NULL OR (validity_months > 0 AND validity_days IS NULL)",
            name="validity_months",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("cert"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("issuers.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    criteria_narrative: Mapped[str] = mapped_column(Text)
    #: A data: URI (PNG/SVG) or an https URL of the badge image.
    image: Mapped[str | None] = mapped_column(Text)
    achievement_type: Mapped[str] = mapped_column(String(64), default="MicroCredential")
    validity_days: Mapped[int | None] = mapped_column(Integer)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    min_projects_per_competency: Mapped[int] = mapped_column(Integer, default=1)
    min_competencies: Mapped[int | None] = mapped_column(Integer)
    min_client_rating: Mapped[Decimal | None] = mapped_column(Numeric(2, 1, asdecimal=True))
    #: The edition: an edit after credentials were issued under this one makes the next
    #: (issuer.services.certifications.update_certification says why).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    competencies: Mapped[list[Competency]] = relationship(
        back_populates="certification",
        order_by="Competency.position",
        cascade="all, delete-orphan",
    )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def evidence_rule(self) -> dict[str, int | Decimal | None]:
        return {
            "min_projects_per_competency": self.min_projects_per_competency,
            "min_competencies": self.min_competencies,
            "min_client_rating": self.min_client_rating,
        }

    @property
    def required_competencies(self) -> int:
        total = len(self.competencies)
        return total if self.min_competencies is None else min(self.min_competencies, total)

    def __repr__(self) -> str:
        return f"<MicroCertification {self.id} {self.slug}>"


class Competency(db.Model):
    """One competency of a certification, optionally aligned to a skills framework entry."""

    __tablename__ = "competencies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: new_id("comp"))
    certification_id: Mapped[str] = mapped_column(
        ForeignKey("certifications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # OB 3.0 Alignment: targetName and targetUrl are required when aligned.
    target_name: Mapped[str | None] = mapped_column(String(200))
    target_url: Mapped[str | None] = mapped_column(String(500))
    target_framework: Mapped[str | None] = mapped_column(String(200))
    target_code: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    certification: Mapped[MicroCertification] = relationship(back_populates="competencies")

    @property
    def alignment(self) -> dict[str, str | None] | None:
        if self.target_name is None or self.target_url is None:
            return None
        return {
            "target_name": self.target_name,
            "target_url": self.target_url,
            "target_framework": self.target_framework,
            "target_code": self.target_code,
        }

    def __repr__(self) -> str:
        return f"<Competency {self.id} {self.name!r}>"
