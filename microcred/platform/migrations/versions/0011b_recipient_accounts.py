"""The freelancer's side (issue 14, item 2): recipient accounts, their single-use claim and
sign-in links, their server-side sessions, and the visibility chosen per credential.

Revision ID: 0011b_recipient_accounts
Revises: 0011c_wallet_exchanges
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0011b_recipient_accounts"
down_revision = "0011c_wallet_exchanges"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "recipient_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_recipient_accounts_email")),
    )
    op.create_table(
        "recipient_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('claim', 'signin')", name=op.f("ck_recipient_links_purpose")
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_recipient_links_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_recipient_links_token_hash")),
    )
    op.create_index(
        "ix_recipient_links_email_purpose", "recipient_links", ["email", "purpose"], unique=False
    )
    op.create_index(
        op.f("ix_recipient_links_credential_id"), "recipient_links", ["credential_id"], unique=False
    )
    op.create_table(
        "recipient_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["recipient_accounts.id"],
            name=op.f("fk_recipient_sessions_account_id_recipient_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_recipient_sessions")),
    )
    op.create_index(
        op.f("ix_recipient_sessions_account_id"), "recipient_sessions", ["account_id"], unique=False
    )
    op.create_index(
        op.f("ix_recipient_sessions_expires_at"), "recipient_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "credential_choices",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("visibility", sa.String(length=8), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('public', 'link', 'hidden')",
            name=op.f("ck_credential_choices_visibility"),
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_credential_choices_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["recipient_accounts.id"],
            name=op.f("fk_credential_choices_account_id_recipient_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_credential_choices")),
    )
    op.create_index(
        op.f("ix_credential_choices_account_id"), "credential_choices", ["account_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("credential_choices")
    op.drop_table("recipient_sessions")
    op.drop_table("recipient_links")
    op.drop_table("recipient_accounts")
