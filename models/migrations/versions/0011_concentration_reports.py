"""Concentration reports: one row per report date, with or without alerts

Revision ID: 0011_concentration_reports
Revises: 0010
Create Date: 2026-12-04 23:20:00

A monitoring run that found nothing left no trace: the monitoring page said no report had
ever been made. Each run now records its report (its date and window) once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0011_concentration_reports"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "concentration_reports",
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("made_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("report_date", name=op.f("pk_concentration_reports")),
    )


def downgrade() -> None:
    op.drop_table("concentration_reports")
