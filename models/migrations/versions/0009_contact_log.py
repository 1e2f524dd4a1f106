"""Contacts with the customer and contact-due items (customer_contact_attempts,
customer_contact_due)

Revision ID: 0009_contact_log
Revises: 0008_leadership_instruction
Create Date: 2026-12-04 23:00:00

Art. 2(4), 4(2): every contact with the customer after intake (phone, SMS, email, visit,
letter) is recorded: when, by whom, how, whether the customer was reached, and a summary. A
progress notice that cannot be mailed (the customer gave no email) becomes a contact-due item
on the responsible person's queue until the customer is reached. Not to be confused with
``complaint_contacts``, the complainant's details taken at intake.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0009_contact_log"
down_revision = "0008_leadership_instruction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "phone",
                "sms",
                "email",
                "visit",
                "letter",
                name="contactmethod",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("contacted_by_id", sa.Integer(), nullable=False),
        sa.Column("contacted_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_customer_contact_attempts_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["contacted_by_id"],
            ["users.id"],
            name=op.f("fk_customer_contact_attempts_contacted_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contact_attempts")),
    )
    with op.batch_alter_table("customer_contact_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_contact_attempts_complaint_id"), ["complaint_id"], unique=False
        )
    op.create_table(
        "customer_contact_due",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("created_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cleared_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cleared_by_id"],
            ["customer_contact_attempts.id"],
            name=op.f("fk_customer_contact_due_cleared_by_id_customer_contact_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_customer_contact_due_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contact_due")),
        sa.UniqueConstraint("key", name=op.f("uq_customer_contact_due_key")),
    )
    with op.batch_alter_table("customer_contact_due", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_contact_due_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_contact_due", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_contact_due_complaint_id"))
    op.drop_table("customer_contact_due")
    with op.batch_alter_table("customer_contact_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_contact_attempts_complaint_id"))
    op.drop_table("customer_contact_attempts")
