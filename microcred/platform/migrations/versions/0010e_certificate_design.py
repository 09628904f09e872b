"""The certificate's design in the console: the signatory's signature image and the
layout of the PDF certificate (None: "classic", the configured template).

Revision ID: 0010e_certificate_design
Revises: 0010b_console_issuing
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010e_certificate_design"
down_revision = "0010b_console_issuing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_image", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("certificate_layout", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_issuers_certificate_layout"),
            "certificate_layout IS NULL OR certificate_layout IN ('classic', 'modern', 'compact')",
        )


def downgrade() -> None:
    with op.batch_alter_table("issuers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_issuers_certificate_layout"), type_="check")
        batch_op.drop_column("certificate_layout")
        batch_op.drop_column("signature_image")
