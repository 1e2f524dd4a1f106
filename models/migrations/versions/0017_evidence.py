"""Evidence attached to complaints (evidence); the monthly reports' archive (monthly_reports)

Revision ID: 0017_evidence
Revises: 0016_complaint_subjects
Create Date: 2026-12-05 06:00:00

Art. 2(2), Art. 4: the files attached to a complaint (recordings, screenshots, letters), one
row per file and complaint, the file itself stored once under the data folder by its SHA-256.
Existing complaints: none. The monthly statistics reports: one row per month (paths, SHA-256,
made_at, made_by), every writing of a month kept in monthly_report_versions. Reports written
before this are not recorded; running their month again records them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0017_evidence"
down_revision = "0016_complaint_subjects"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaints.id"], name=op.f("fk_evidence_complaint_id_complaints")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_evidence_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint("complaint_id", "sha256", name=op.f("uq_evidence_complaint_id")),
    )
    op.create_index(op.f("ix_evidence_complaint_id"), "evidence", ["complaint_id"])
    op.create_index(op.f("ix_evidence_sha256"), "evidence", ["sha256"])
    op.create_table(
        "monthly_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("docx_path", sa.String(length=500), nullable=False),
        sa.Column("xlsx_path", sa.String(length=500), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("made_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_reports")),
        sa.UniqueConstraint("month", name=op.f("uq_monthly_reports_month")),
    )
    op.create_table(
        "monthly_report_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("docx_sha256", sa.String(length=64), nullable=False),
        sa.Column("xlsx_sha256", sa.String(length=64), nullable=False),
        sa.Column("made_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monthly_report_versions")),
    )
    op.create_index(op.f("ix_monthly_report_versions_month"), "monthly_report_versions", ["month"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monthly_report_versions_month"), table_name="monthly_report_versions")
    op.drop_table("monthly_report_versions")
    op.drop_table("monthly_reports")
    op.drop_index(op.f("ix_evidence_sha256"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_complaint_id"), table_name="evidence")
    op.drop_table("evidence")
