"""Freelancers in the console: an index for the list (a provider's freelancers ordered by
name, a page at a time; it stays fast with 10,000 freelancers), and each name
case-folded for the search (the databases' lower() folds only ASCII letters).

Revision ID: 0010a_console_freelancers
Revises: 0010e_certificate_design
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010a_console_freelancers"
down_revision = "0010e_certificate_design"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.String(length=200), nullable=True))
        batch_op.create_index("ix_freelancers_issuer_name", ["issuer_id", "name", "id"])
    # Fold the names with Python's str.casefold, as the model does from now on.
    connection = op.get_bind()
    freelancers = sa.table(
        "freelancers",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("search_name", sa.String),
    )
    rows = connection.execute(sa.select(freelancers.c.id, freelancers.c.name)).all()
    for start in range(0, len(rows), 1000):
        batch = rows[start : start + 1000]
        connection.execute(
            freelancers.update()
            .where(freelancers.c.id == sa.bindparam("row_id"))
            .values(search_name=sa.bindparam("folded")),
            [{"row_id": row.id, "folded": (row.name or "").casefold()} for row in batch],
        )


def downgrade() -> None:
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.drop_index("ix_freelancers_issuer_name")
        batch_op.drop_column("search_name")
