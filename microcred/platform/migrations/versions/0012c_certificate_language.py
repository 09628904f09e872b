"""Languages (issue 14, item 7, third step): the language a credential's PDF certificate
prints its own words and dates in, chosen at issuance. Null: English (every credential
issued before this step).

Revision ID: 0012c_certificate_language
Revises: 0012b_language
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012c_certificate_language"
down_revision = "0012b_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_column("language")
