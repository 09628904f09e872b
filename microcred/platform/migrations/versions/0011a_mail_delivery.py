"""Mail to freelancers: the delivery log (one row per credential and kind, updated around
every try) and a provider's mail settings (attach the PDF or not).

Revision ID: 0011a_mail_delivery
Revises: 0010c_verification_counts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011a_mail_delivery"
down_revision = "0010c_verification_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('issued', 'revoked', 'expiring')", name=op.f("ck_mail_deliveries_kind")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'retrying', 'failed')",
            name=op.f("ck_mail_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_mail_deliveries_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_mail_deliveries_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_deliveries")),
        sa.UniqueConstraint(
            "credential_id", "kind", name=op.f("uq_mail_deliveries_credential_id_kind")
        ),
    )
    op.create_index(
        "ix_mail_deliveries_issuer_created", "mail_deliveries", ["issuer_id", "created_at"]
    )
    op.create_table(
        "issuer_mail_settings",
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("attach_pdf", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_issuer_mail_settings_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("issuer_id", name=op.f("pk_issuer_mail_settings")),
    )


def downgrade() -> None:
    op.drop_table("issuer_mail_settings")
    op.drop_index("ix_mail_deliveries_issuer_created", table_name="mail_deliveries")
    op.drop_table("mail_deliveries")
