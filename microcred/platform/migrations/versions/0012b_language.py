"""Languages (issue 14, item 7, second step): the language a freelancer last used the
account pages in, so that mail to them (issued, revoked, expiring) goes in that language.
Null: never chosen (English).

Revision ID: 0012b_language
Revises: 0012a_submitted_evidence
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012b_language"
down_revision = "0012a_submitted_evidence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipient_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recipient_accounts", schema=None) as batch_op:
        batch_op.drop_column("language")
