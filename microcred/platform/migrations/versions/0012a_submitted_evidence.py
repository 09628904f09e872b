"""Self-submitted evidence (issue 14, item 4): who put a gig project in (``source``), the
client contact and when the client confirmed it, the competencies a freelancer claims for
a submitted project, and the client's single-use confirmation links.

Revision ID: 0012a_submitted_evidence
Revises: 0011e_webhooks
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012a_submitted_evidence"
down_revision = "0011e_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gig_projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=10), server_default="provider", nullable=False)
        )
        batch_op.add_column(sa.Column("client_email", sa.String(length=254), nullable=True))
        batch_op.add_column(
            sa.Column("client_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_gig_projects_source"), "source IN ('provider', 'freelancer')"
        )
    op.create_table(
        "submitted_competencies",
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("competency_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["gig_projects.id"],
            name=op.f("fk_submitted_competencies_project_id_gig_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_submitted_competencies_competency_id_competencies"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "competency_id", name=op.f("pk_submitted_competencies")
        ),
    )
    op.create_index(
        op.f("ix_submitted_competencies_competency_id"),
        "submitted_competencies",
        ["competency_id"],
        unique=False,
    )
    op.create_table(
        "client_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("rating", sa.Numeric(precision=2, scale=1), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('confirmed', 'declined')",
            name=op.f("ck_client_confirmations_outcome"),
        ),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 0 AND 5",
            name=op.f("ck_client_confirmations_rating"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["gig_projects.id"],
            name=op.f("fk_client_confirmations_project_id_gig_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_confirmations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_client_confirmations_token_hash")),
    )
    op.create_index(
        op.f("ix_client_confirmations_project_id"),
        "client_confirmations",
        ["project_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_client_confirmations_project_id"), table_name="client_confirmations")
    op.drop_table("client_confirmations")
    op.drop_index(
        op.f("ix_submitted_competencies_competency_id"), table_name="submitted_competencies"
    )
    op.drop_table("submitted_competencies")
    with op.batch_alter_table("gig_projects", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_gig_projects_source"), type_="check")
        batch_op.drop_column("client_confirmed_at")
        batch_op.drop_column("client_email")
        batch_op.drop_column("source")
