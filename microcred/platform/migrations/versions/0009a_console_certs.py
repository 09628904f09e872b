"""Micro-certifications in the console: a minimum client rating in the evidence rule, an
expiry policy in calendar months (beside the API's days), and versions: a certification's
edition number, and the edition each credential was issued under.

Revision ID: 0009a_console_certs
Revises: 0008_console_accounts
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009a_console_certs"
down_revision = "0008_console_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_client_rating", sa.Numeric(precision=2, scale=1), nullable=True)
        )
        batch_op.add_column(sa.Column("validity_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint(
            batch_op.f("ck_certifications_min_rating"),
            "min_client_rating IS NULL OR min_client_rating BETWEEN 0 AND 5",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_certifications_validity_months"),
            "validity_months IS NULL OR (validity_months > 0 AND validity_days IS NULL)",
        )

    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certification_version", sa.Integer(), nullable=True))
    # Every credential issued so far was issued under edition 1.
    op.execute(
        "UPDATE issued_credentials SET certification_version = 1 WHERE certification_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_column("certification_version")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_constraint(batch_op.f("ck_certifications_validity_months"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_certifications_min_rating"), type_="check")
        batch_op.drop_column("validity_months")
        batch_op.drop_column("min_client_rating")
