"""When a complaint's personal data was removed at the end of its retention period

Revision ID: 0015_personal_data_removed
Revises: 0014_breach_findings
Create Date: 2026-12-05 03:00:00

Art. 2(5), Art. 4: an archived complaint is kept whole for the retention period after its
closure, then its personal data is removed; the column says when. Existing complaints: none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0015_personal_data_removed"
down_revision = "0014_breach_findings"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as for process_version (a batch copy would drop the table others refer to).
def upgrade() -> None:
    op.add_column(
        "complaints",
        sa.Column("personal_data_removed_at", models.db.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("complaints", "personal_data_removed_at")
