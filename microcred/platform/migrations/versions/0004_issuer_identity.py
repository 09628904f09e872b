"""Issuers: how their identity was established, for the verifier's trust decision.

A valid signature proves who holds the key, not who the holder is. The verify page shows a
registered provider's name as fact only once its identity is established: by its own
domain publishing its key (``domain``), or by this service's operator (``operator``,
with who confirmed and when). Existing providers start unconfirmed.

Revision ID: 0004_issuer_identity
Revises: 0003_holder_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_issuer_identity"
down_revision = "0003_holder_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_method", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("identity_domain", sa.String(length=253), nullable=True))
        batch_op.add_column(
            sa.Column("identity_confirmed_by", sa.String(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("identity_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_issuers_identity_method"),
            "identity_method IS NULL OR identity_method IN ('domain', 'operator')",
        )


def downgrade() -> None:
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_issuers_identity_method"), type_="check")
        batch_op.drop_column("identity_confirmed_at")
        batch_op.drop_column("identity_confirmed_by")
        batch_op.drop_column("identity_domain")
        batch_op.drop_column("identity_method")
