"""API keys: scopes, an expiry, and the key that replaced a rotated one.

Keys made before this migration could do everything and never expired. They keep every
scope (narrowing them would break integrations without warning), and get an expiry 90
days from the migration (the default lifetime of a new key), so that no key lives
forever; the migration logs how many keys that concerns and the date. Revoked keys are
left without an expiry: they are refused anyway.

Downgrading drops the columns: every key can then do everything again, and never expires.

Revision ID: 0005_api_key_scopes
Revises: 0004_issuer_identity
Create Date: 2026-12-06
"""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_api_key_scopes"
down_revision = "0004_issuer_identity"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

ALL_SCOPES = "read issue revoke manage"
LIFETIME = timedelta(days=90)


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("replaced_by", sa.String(length=16), nullable=True))
    keys = sa.table(
        "api_keys",
        sa.column("scopes", sa.String),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    expires = datetime.now(UTC).replace(microsecond=0) + LIFETIME
    if op.get_bind().dialect.name == "sqlite":
        expires = expires.replace(tzinfo=None)  # stored as naive UTC, as UtcDateTime does
    op.execute(keys.update().values(scopes=ALL_SCOPES))
    live = op.get_bind().execute(
        keys.update().where(keys.c.revoked_at.is_(None)).values(expires_at=expires)
    )
    if live.rowcount:
        logger.warning(
            "%d existing API key(s) keep every scope and now expire on %s (90 days from "
            "now): rotate them before then (microcred api-keys rotate)",
            live.rowcount,
            expires.date().isoformat(),
        )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.String(length=100), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("replaced_by")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
