"""The run that wrote each monthly report version (monthly_report_versions.writing)

Revision ID: 0019_report_writing
Revises: 0018_channel_details
Create Date: 2026-12-05 14:30:00

A re-run of the monthly report whose files come out byte for byte the same as the month's
archived ones was taken for a retry and left unrecorded. Each version now names the run that
wrote it: a retry within the run records nothing new, a re-run is a version of its own.
Versions recorded before: none (NULL), which the unique constraint allows any number of.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_report_writing"
down_revision = "0018_channel_details"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monthly_report_versions") as batch:
        batch.add_column(sa.Column("writing", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_monthly_report_versions_writing"), ["writing"])


def downgrade() -> None:
    with op.batch_alter_table("monthly_report_versions") as batch:
        batch.drop_constraint(op.f("uq_monthly_report_versions_writing"), type_="unique")
        batch.drop_column("writing")
