"""Issued credentials: one index on (freelancer, certification) instead of freelancer only.

Every issuance asks whether the freelancer already holds a valid credential for the
certification. With two single-column indexes and no statistics, SQLite chose the
certification's, and so read every credential ever issued for it: the check grew with
the certification's popularity (10,000 credentials: milliseconds per issuance). The
composite index answers it from the freelancer's few rows, and still serves every query
by freelancer alone.

Revision ID: 0003_holder_index
Revises: 0002_issuance
Create Date: 2026-11-22
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_holder_index"
down_revision = "0002_issuance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_credentials_holder", ["freelancer_id", "certification_id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_issued_credentials_freelancer_id"))


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_freelancer_id"), ["freelancer_id"], unique=False
        )
        batch_op.drop_index("ix_issued_credentials_holder")
