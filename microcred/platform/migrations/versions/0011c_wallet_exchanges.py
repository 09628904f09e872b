"""Wallet delivery: offers of a credential to a wallet (VC API exchange, OID4VCI), the
OID4VCI nonces, and the link from a wallet copy to the credential it was issued from.

Revision ID: 0011c_wallet_exchanges
Revises: 0011d_privacy
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011c_wallet_exchanges"
down_revision = "0011d_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issued_credentials") as batch:
        batch.add_column(sa.Column("wallet_copy_of", sa.String(length=36), nullable=True))
        batch.create_foreign_key(
            "fk_issued_credentials_wallet_copy_of_issued_credentials",
            "issued_credentials",
            ["wallet_copy_of"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_issued_credentials_wallet_copy_of", ["wallet_copy_of"])
    op.create_table(
        "wallet_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("code_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("access_token_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("protocol", sa.String(length=16), nullable=True),
        sa.Column("holder_did", sa.String(length=2000), nullable=True),
        sa.Column("copy_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_wallet_offers_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_wallet_offers_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["copy_id"],
            ["issued_credentials.id"],
            name=op.f("fk_wallet_offers_copy_id_issued_credentials"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_offers")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_wallet_offers_token_hash")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_wallet_offers_code_hash")),
        sa.UniqueConstraint("access_token_hash", name=op.f("uq_wallet_offers_access_token_hash")),
    )
    op.create_index("ix_wallet_offers_credential", "wallet_offers", ["credential_id"])
    op.create_table(
        "wallet_nonces",
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("nonce_hash", name=op.f("pk_wallet_nonces")),
    )
    op.create_index(op.f("ix_wallet_nonces_expires_at"), "wallet_nonces", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_wallet_nonces_expires_at"), table_name="wallet_nonces")
    op.drop_table("wallet_nonces")
    op.drop_index("ix_wallet_offers_credential", table_name="wallet_offers")
    op.drop_table("wallet_offers")
    with op.batch_alter_table("issued_credentials") as batch:
        batch.drop_index("ix_issued_credentials_wallet_copy_of")
        batch.drop_constraint(
            "fk_issued_credentials_wallet_copy_of_issued_credentials", type_="foreignkey"
        )
        batch.drop_column("wallet_copy_of")
