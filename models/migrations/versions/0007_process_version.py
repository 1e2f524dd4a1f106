"""Each complaint follows the version of the process it started with (complaints.process_version)

Revision ID: 0007_process_version
Revises: 0006
Create Date: 2026-12-04 23:00:00

A complaint's flow run re-executes from the top on every resume, so a change of the order of
the steps would meet complaints suspended under the old order. Each complaint now records the
version of the process it started with, and its flow and steps follow that version until it
closes. Every complaint saved before this upgrade started with version 1, the process as it
stood then.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_process_version"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35+ for DROP COLUMN): a batch copy of the table would have to
# drop the table the complaints refer to, which SQLite's foreign keys refuse.
def upgrade() -> None:
    op.add_column(
        "complaints",
        sa.Column("process_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("complaints", "process_version")
