"""A customer's complaints by time: (customer_id, received_at) replaces (customer_id)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00

The intake's repeat check (the customer's latest complaint since a date) and the monitoring
job's history of repeat customers both ask for one customer's complaints in a time range. With
received_at in the index they read no table rows: bench/monitor.py measured the repeat customers'
count at 16 ms instead of 21 ms on SQLite over a million complaints. The new index serves every
lookup the old one did, so the old one goes.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaints_customer_received", ["customer_id", "received_at"], unique=False
        )
        batch_op.drop_index("ix_complaints_customer_id")


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index("ix_complaints_customer_id", ["customer_id"], unique=False)
        batch_op.drop_index("ix_complaints_customer_received")
