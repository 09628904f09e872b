"""Console sign-in with the organisation's own OpenID Connect provider: one row per
provider with its endpoints (from discovery), client id, encrypted client secret, the
e-mail domains that may join, the role new members get and whether passwords are refused.

Revision ID: 0010f_console_oidc
Revises: 0009a_console_certs
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010f_console_oidc"
down_revision = "0009a_console_certs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("issuer_url", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.String(length=1000), nullable=False),
        sa.Column("authorization_endpoint", sa.String(length=500), nullable=False),
        sa.Column("token_endpoint", sa.String(length=500), nullable=False),
        sa.Column("jwks_uri", sa.String(length=500), nullable=False),
        sa.Column("allowed_domains", sa.String(length=1000), nullable=False),
        sa.Column("default_role", sa.String(length=16), nullable=False),
        sa.Column("require_sso", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "default_role IN ('issuer', 'viewer')", name=op.f("ck_oidc_providers_default_role")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_oidc_providers_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_providers")),
        sa.UniqueConstraint("issuer_id", name=op.f("uq_oidc_providers_issuer_id")),
    )


def downgrade() -> None:
    op.drop_table("oidc_providers")
