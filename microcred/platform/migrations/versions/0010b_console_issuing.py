"""The console's credentials list: one index for its keyset pages.

The list reads a provider's credentials newest first, a page at a time, continuing after
the last (issued_at, id) shown. (issuer_id, issued_at, id) serves that order and the
cursor's condition from the index alone, at any depth of 100,000 credentials; it
replaces (issuer_id, issued_at), whose every use it serves too.

Revision ID: 0010b_console_issuing
Revises: 0010f_console_oidc
Create Date: 2026-12-06
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0010b_console_issuing"
down_revision = "0010f_console_oidc"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_credentials_issuer_page", ["issuer_id", "issued_at", "id"], unique=False
        )
        batch_op.drop_index("ix_issued_credentials_issuer_issued")


def downgrade() -> None:
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_credentials_issuer_issued", ["issuer_id", "issued_at"], unique=False
        )
        batch_op.drop_index("ix_issued_credentials_issuer_page")
