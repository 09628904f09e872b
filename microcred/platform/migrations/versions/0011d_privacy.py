"""Privacy (issue 14, item 5): how credentials name their recipient's e-mail address
(per provider: a salted hash by default, plain only by choice), and the mark of a
credential whose stored copy was withdrawn when its freelancer's data was erased.

Revision ID: 0011d_privacy
Revises: 0010c_verification_counts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011d_privacy"
down_revision = "0011a_mail_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issuers") as batch:
        batch.add_column(
            sa.Column(
                "recipient_email", sa.String(length=8), nullable=False, server_default="hashed"
            )
        )
        batch.create_check_constraint(
            batch.f("ck_issuers_recipient_email"), "recipient_email IN ('hashed', 'plain')"
        )
    with op.batch_alter_table("issued_credentials") as batch:
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("issuers") as batch:
        batch.drop_constraint(batch.f("ck_issuers_recipient_email"), type_="check")
        batch.drop_column("recipient_email")
