"""Evidence attached to complaints (evidence)

Revision ID: 0017_evidence
Revises: 0015_personal_data_removed
Create Date: 2026-12-05 06:00:00

Art. 2(2), Art. 4: the files attached to a complaint (recordings, screenshots, letters), one
row per file and complaint, the file itself stored once under the data folder by its SHA-256.
Existing complaints: none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0017_evidence"
down_revision = "0015_personal_data_removed"
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


def downgrade() -> None:
    op.drop_index(op.f("ix_evidence_sha256"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_complaint_id"), table_name="evidence")
    op.drop_table("evidence")
