"""Bulk jobs run on the task queue: a lease (owner, expiry) and an attempt count.

A worker holds a job's lease while it works and renews it after each row; a job pending
or running past its lease lost its worker and is enqueued again by the sweep.

Revision ID: 0006_bulk_queue
Revises: 0005_api_key_scopes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_bulk_queue"
down_revision = "0005_api_key_scopes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_bulk_jobs_state_lease", ["state", "lease_expires_at"])


def downgrade() -> None:
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_jobs_state_lease")
        batch_op.drop_column("attempts")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("lease_owner")
