"""Instance settings (the recorded base URL) and issuers' former DIDs.

``microcred init`` records the base URL the service runs under, so that the service can
refuse to start under another one, and so that CLI verbs run without MICROCRED_BASE_URL
mint DIDs for the URL the service is served at. ``microcred issuers move-base-url`` keeps
each issuer's former did:web (and the base URL it was minted for) so that credentials
issued before a move keep verifying.

Revision ID: 0007_instance_settings
Revises: 0006_bulk_queue
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_instance_settings"
down_revision = "0006_bulk_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instance_settings",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_settings")),
    )
    op.create_table(
        "issuer_former_dids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_issuer_former_dids_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_former_dids")),
        sa.UniqueConstraint(
            "issuer_id", "base_url", name=op.f("uq_issuer_former_dids_issuer_id_base_url")
        ),
    )
    with op.batch_alter_table("issuer_former_dids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issuer_former_dids_did"), ["did"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issuer_former_dids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issuer_former_dids_did"))
    op.drop_table("issuer_former_dids")
    op.drop_table("instance_settings")
