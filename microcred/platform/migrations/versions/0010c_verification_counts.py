"""Anonymous verification counts per credential and UTC day, and an index for the
console's pages: a provider's credentials counted by state, and a certification's by
edition, from indexes alone (the console page bench, docs/PERFORMANCE.md).

Revision ID: 0010c_verification_counts
Revises: 0010a_console_freelancers
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010c_verification_counts"
down_revision = "0010a_console_freelancers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_counts",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_verification_counts_count")),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_verification_counts_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_verification_counts_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", "day", name=op.f("pk_verification_counts")),
    )
    op.create_index(
        "ix_verification_counts_issuer_day", "verification_counts", ["issuer_id", "day", "count"]
    )
    op.create_index(
        "ix_issued_credentials_issuer_state",
        "issued_credentials",
        ["issuer_id", "revoked_at", "suspended", "valid_until"],
    )
    op.create_index(
        "ix_issued_credentials_cert_version",
        "issued_credentials",
        ["certification_id", "certification_version"],
    )


def downgrade() -> None:
    op.drop_index("ix_issued_credentials_cert_version", table_name="issued_credentials")
    op.drop_index("ix_issued_credentials_issuer_state", table_name="issued_credentials")
    op.drop_index("ix_verification_counts_issuer_day", table_name="verification_counts")
    op.drop_table("verification_counts")
