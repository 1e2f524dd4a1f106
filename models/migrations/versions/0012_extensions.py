"""Requests for a later reply time and their approval (reply_extensions)

Revision ID: 0012_extensions
Revises: 0011_concentration_reports
Create Date: 2026-12-04 23:40:00

Art. 2(4), 7: a later reply time is asked for with a reason and takes effect only when the
requester's superior approves it, within limits counted from receipt. Each request, and the
decision on it, is a row; complaints open when this lands have none.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0012_extensions"
down_revision = "0011_concentration_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("previous_reply_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("new_reply_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("complex_case", sa.Boolean(), nullable=False),
        sa.Column("via_handling", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                "lapsed",
                name="extensionstatus",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_reply_extensions_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_reply_extensions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_reply_extensions_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_extensions")),
    )
    with op.batch_alter_table("reply_extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_extensions_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reply_extensions_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reply_extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_extensions_status"))
        batch_op.drop_index(batch_op.f("ix_reply_extensions_complaint_id"))
    op.drop_table("reply_extensions")
