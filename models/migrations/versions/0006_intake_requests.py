"""Idempotent intake: the key each intake was sent with (intake_requests)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:40:00

An intake sent twice (a double click on the form, an API client retrying after a lost answer)
registered two complaints, two flow runs and two acknowledgements. An intake may now carry a
key (the API's Idempotency-Key header, the form's one-time token); the key is unique per
person, in the same transaction as the complaint, so the second of two identical requests —
even at the same moment — answers with the first one's complaint.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_intake_requests_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_intake_requests_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_requests")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_intake_requests_complaint_id")),
        sa.UniqueConstraint("owner_id", "key", name=op.f("uq_intake_requests_owner_id")),
    )


def downgrade() -> None:
    op.drop_table("intake_requests")
