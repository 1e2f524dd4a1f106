"""Art. 8 monitoring indexes: one index range per unit and window

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 04:00:00

Each index leads with what a unit is and ends with received_at, so the monitoring job counts a
unit's complaints in a window by walking one index range, reading no table rows (declared in
models/monitoring.py; measured by bench/monitor.py). On PostgreSQL the build takes a few seconds
per million complaints and holds off writes to complaints meanwhile.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_complaints_monitor_cells": ["department_id", "category", "channel", "received_at"],
    "ix_complaints_monitor_product": ["product", "received_at"],
    "ix_complaints_monitor_owner": ["first_inquiry_owner_id", "received_at"],
    "ix_complaints_monitor_handler": ["handler_id", "received_at"],
    "ix_complaints_monitor_customer": ["received_at", "customer_id"],
}


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
