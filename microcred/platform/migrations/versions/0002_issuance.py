"""Issuance: published status list credentials, VC API credentials without a freelancer.

- ``status_lists`` keeps the signed status list credential it publishes, with the list
  version and the signing key it was made from (re-signed only when either changes);
- ``issued_credentials.freelancer_id`` / ``certification_id`` become nullable (credentials
  issued through the W3C VC API ``POST /credentials/issue`` have neither);
- ``issued_credentials.credential_id`` is indexed instead of unique: VC API callers choose
  the JSON ``id``, and the W3C test suites send the same one many times.

Revision ID: 0002_issuance
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_issuance"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signed_document", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("signed_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("signed_key_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_status_lists_signed_key_id_signing_keys"),
            "signing_keys",
            ["signed_key_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.alter_column("freelancer_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.alter_column("certification_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.drop_constraint(batch_op.f("uq_issued_credentials_credential_id"), type_="unique")
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_credential_id"), ["credential_id"], unique=False
        )


def downgrade() -> None:
    # Credentials issued through the VC API have no freelancer; they cannot survive the
    # NOT NULL columns of the previous schema (nor can repeated VC API credential ids).
    op.execute(
        "DELETE FROM status_allocations WHERE credential_id IN (SELECT id FROM "
        "issued_credentials WHERE freelancer_id IS NULL OR certification_id IS NULL)"
    )
    op.execute(
        "UPDATE bulk_items SET credential_id = NULL WHERE credential_id IN (SELECT id FROM "
        "issued_credentials WHERE freelancer_id IS NULL OR certification_id IS NULL)"
    )
    op.execute(
        "DELETE FROM issued_credentials WHERE freelancer_id IS NULL OR certification_id IS NULL"
    )
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_credentials_credential_id"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_issued_credentials_credential_id"), ["credential_id"]
        )
        batch_op.alter_column(
            "certification_id", existing_type=sa.String(length=32), nullable=False
        )
        batch_op.alter_column("freelancer_id", existing_type=sa.String(length=32), nullable=False)

    with op.batch_alter_table("status_lists", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_status_lists_signed_key_id_signing_keys"), type_="foreignkey"
        )
        batch_op.drop_column("signed_key_id")
        batch_op.drop_column("signed_version")
        batch_op.drop_column("signed_document")
