"""Compliance's findings on breaches of time limits (breach_findings)

Revision ID: 0014_breach_findings
Revises: 0013_closure
Create Date: 2026-12-05 02:55:00

Art. 7: every breach stays on record against the responsible person; compliance records one
finding on each (accepted reason, warning, referral for accountability). Breaches recorded
before this have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0014_breach_findings"
down_revision = "0013_closure"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "breach_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column(
            "finding",
            sa.Enum(
                "accepted_reason",
                "warning",
                "referral",
                name="finding",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deadline_id"], ["deadlines.id"], name=op.f("fk_breach_findings_deadline_id_deadlines")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_breach_findings_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breach_findings")),
        sa.UniqueConstraint("deadline_id", name=op.f("uq_breach_findings_deadline_id")),
    )


def downgrade() -> None:
    op.drop_table("breach_findings")
