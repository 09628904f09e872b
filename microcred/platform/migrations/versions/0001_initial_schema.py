"""Initial schema: providers, keys, catalogue, evidence, issued credentials, status lists,
idempotency records, audit log and bulk jobs.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("did", sa.String(length=500), nullable=False),
        sa.Column("did_method", sa.String(length=8), nullable=False),
        sa.Column("logo_image", sa.Text(), nullable=True),
        sa.Column("primary_color", sa.String(length=7), nullable=True),
        sa.Column("accent_color", sa.String(length=7), nullable=True),
        sa.Column("signatory_name", sa.String(length=200), nullable=True),
        sa.Column("signatory_title", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("did_method IN ('web', 'key')", name=op.f("ck_issuers_did_method")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuers")),
        sa.UniqueConstraint("did", name=op.f("uq_issuers_did")),
        sa.UniqueConstraint("slug", name=op.f("uq_issuers_slug")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_api_keys_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_audit_events_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_issuer_at", ["issuer_id", "at"], unique=False)

    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("source_hash", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=255), nullable=True),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'running', 'completed', 'failed')",
            name=op.f("ck_bulk_jobs_state"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_bulk_jobs_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
        sa.UniqueConstraint(
            "issuer_id", "source_hash", name=op.f("uq_bulk_jobs_issuer_id_source_hash")
        ),
    )
    op.create_table(
        "certifications",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria_narrative", sa.Text(), nullable=False),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column("achievement_type", sa.String(length=64), nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=True),
        sa.Column("min_projects_per_competency", sa.Integer(), nullable=False),
        sa.Column("min_competencies", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_competencies IS NULL OR min_competencies >= 1",
            name=op.f("ck_certifications_min_comp"),
        ),
        sa.CheckConstraint(
            "min_projects_per_competency >= 1", name=op.f("ck_certifications_min_projects")
        ),
        sa.CheckConstraint(
            "validity_days IS NULL OR validity_days > 0",
            name=op.f("ck_certifications_validity_days"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_certifications_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint("issuer_id", "slug", name=op.f("uq_certifications_issuer_id_slug")),
    )
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certifications_issuer_id"), ["issuer_id"], unique=False
        )

    op.create_table(
        "freelancers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("did", sa.String(length=500), nullable=True),
        sa.Column("handle", sa.String(length=40), nullable=True),
        sa.Column("profile_public", sa.Boolean(), nullable=False),
        sa.Column("identity_salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_freelancers_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freelancers")),
        sa.UniqueConstraint("handle", name=op.f("uq_freelancers_handle")),
        sa.UniqueConstraint("issuer_id", "email", name=op.f("uq_freelancers_issuer_id_email")),
    )
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_freelancers_issuer_id"), ["issuer_id"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_idempotency_records_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("issuer_id", "key", name=op.f("uq_idempotency_records_issuer_id_key")),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("fragment", sa.String(length=100), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=100), nullable=False),
        sa.Column("encrypted_private_key", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_signing_keys_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint(
            "issuer_id", "fragment", name=op.f("uq_signing_keys_issuer_id_fragment")
        ),
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_signing_keys_one_active",
            ["issuer_id"],
            unique=True,
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )

    op.create_table(
        "status_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("size_bits", sa.Integer(), nullable=False),
        sa.Column("bitstring", sa.LargeBinary(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "purpose IN ('revocation', 'suspension')", name=op.f("ck_status_lists_purpose")
        ),
        sa.CheckConstraint("size_bits >= 131072", name=op.f("ck_status_lists_size_bits")),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_status_lists_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_lists")),
        sa.UniqueConstraint(
            "issuer_id", "purpose", "number", name=op.f("uq_status_lists_issuer_id_purpose_number")
        ),
    )
    op.create_table(
        "competencies",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("certification_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("target_name", sa.String(length=200), nullable=True),
        sa.Column("target_url", sa.String(length=500), nullable=True),
        sa.Column("target_framework", sa.String(length=200), nullable=True),
        sa.Column("target_code", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_competencies_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competencies")),
    )
    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_competencies_certification_id"), ["certification_id"], unique=False
        )

    op.create_table(
        "gig_projects",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("freelancer_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("client_name", sa.String(length=200), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("finished_on", sa.Date(), nullable=True),
        sa.Column("deliverables", sa.Text(), nullable=True),
        sa.Column("client_rating", sa.Numeric(precision=2, scale=1), nullable=True),
        sa.Column("client_feedback", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "client_rating IS NULL OR client_rating BETWEEN 0 AND 5",
            name=op.f("ck_gig_projects_rating"),
        ),
        sa.CheckConstraint(
            "started_on IS NULL OR finished_on IS NULL OR finished_on >= started_on",
            name=op.f("ck_gig_projects_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["freelancer_id"],
            ["freelancers.id"],
            name=op.f("fk_gig_projects_freelancer_id_freelancers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_gig_projects_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gig_projects")),
    )
    with op.batch_alter_table("gig_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gig_projects_freelancer_id"), ["freelancer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_gig_projects_issuer_id"), ["issuer_id"], unique=False)

    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("freelancer_id", sa.String(length=32), nullable=False),
        sa.Column("certification_id", sa.String(length=32), nullable=False),
        sa.Column("signing_key_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=200), nullable=False),
        sa.Column("short_code", sa.String(length=16), nullable=False),
        sa.Column("suite", sa.String(length=32), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_issued_credentials_certification_id_certifications"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["freelancer_id"],
            ["freelancers.id"],
            name=op.f("fk_issued_credentials_freelancer_id_freelancers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuers.id"],
            name=op.f("fk_issued_credentials_issuer_id_issuers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signing_key_id"],
            ["signing_keys.id"],
            name=op.f("fk_issued_credentials_signing_key_id_signing_keys"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credentials")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_issued_credentials_credential_id")),
        sa.UniqueConstraint("short_code", name=op.f("uq_issued_credentials_short_code")),
    )
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_certification_id"), ["certification_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issued_credentials_freelancer_id"), ["freelancer_id"], unique=False
        )
        batch_op.create_index(
            "ix_issued_credentials_issuer_issued", ["issuer_id", "issued_at"], unique=False
        )

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.Column("competency_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'rejected')", name=op.f("ck_assessments_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_assessments_competency_id_competencies"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["gig_projects.id"],
            name=op.f("fk_assessments_project_id_gig_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "project_id", "competency_id", name=op.f("uq_assessments_project_id_competency_id")
        ),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessments_competency_id"), ["competency_id"], unique=False
        )

    op.create_table(
        "bulk_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("error", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'issued', 'failed', 'skipped')", name=op.f("ck_bulk_items_state")
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_bulk_items_credential_id_issued_credentials"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["bulk_jobs.id"],
            name=op.f("fk_bulk_items_job_id_bulk_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_items")),
        sa.UniqueConstraint("job_id", "row_number", name=op.f("uq_bulk_items_job_id_row_number")),
    )
    with op.batch_alter_table("bulk_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bulk_items_credential_id"), ["credential_id"], unique=False
        )

    op.create_table(
        "credential_evidence",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_credential_evidence_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["gig_projects.id"],
            name=op.f("fk_credential_evidence_project_id_gig_projects"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("credential_id", "project_id", name=op.f("pk_credential_evidence")),
    )
    with op.batch_alter_table("credential_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_evidence_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "status_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.CheckConstraint('"index" >= 0', name=op.f("ck_status_allocations_index")),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["issued_credentials.id"],
            name=op.f("fk_status_allocations_credential_id_issued_credentials"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["status_lists.id"],
            name=op.f("fk_status_allocations_status_list_id_status_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_allocations")),
        sa.UniqueConstraint(
            "status_list_id",
            "credential_id",
            name=op.f("uq_status_allocations_status_list_id_credential_id"),
        ),
        sa.UniqueConstraint(
            "status_list_id", "index", name=op.f("uq_status_allocations_status_list_id_index")
        ),
    )
    with op.batch_alter_table("status_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_allocations_credential_id"), ["credential_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("status_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_allocations_credential_id"))

    op.drop_table("status_allocations")
    with op.batch_alter_table("credential_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_evidence_project_id"))

    op.drop_table("credential_evidence")
    with op.batch_alter_table("bulk_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_items_credential_id"))

    op.drop_table("bulk_items")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_competency_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_credentials_issuer_issued")
        batch_op.drop_index(batch_op.f("ix_issued_credentials_freelancer_id"))
        batch_op.drop_index(batch_op.f("ix_issued_credentials_certification_id"))

    op.drop_table("issued_credentials")
    with op.batch_alter_table("gig_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gig_projects_issuer_id"))
        batch_op.drop_index(batch_op.f("ix_gig_projects_freelancer_id"))

    op.drop_table("gig_projects")
    with op.batch_alter_table("competencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competencies_certification_id"))

    op.drop_table("competencies")
    op.drop_table("status_lists")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_signing_keys_one_active",
            sqlite_where=sa.text("is_active"),
            postgresql_where=sa.text("is_active"),
        )

    op.drop_table("signing_keys")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

    op.drop_table("idempotency_records")
    with op.batch_alter_table("freelancers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_freelancers_issuer_id"))

    op.drop_table("freelancers")
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certifications_issuer_id"))

    op.drop_table("certifications")
    op.drop_table("bulk_jobs")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_issuer_at")

    op.drop_table("audit_events")
    op.drop_table("api_keys")
    op.drop_table("issuers")
