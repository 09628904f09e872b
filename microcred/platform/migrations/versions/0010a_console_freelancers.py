"""Freelancers in the console: an index for the list, a provider's freelancers ordered by
name a page at a time (it stays fast with 10,000 freelancers).

Revision ID: 0010a_console_freelancers
Revises: 0009a_console_certs
Create Date: 2026-12-06
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0010a_console_freelancers"
down_revision = "0009a_console_certs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.create_index("ix_freelancers_issuer_name", ["issuer_id", "name", "id"])


def downgrade() -> None:
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.drop_index("ix_freelancers_issuer_name")
