"""Closure paths (process version 3): complaint_closures, leadership_decisions, the stage and
the time limit of leadership's decision after the reopened rounds allowed

Revision ID: 0013_closure
Revises: 0012_extensions
Create Date: 2026-12-05 02:10:00

A complaint may end without a satisfied customer: the customer cannot be reached, withdraws,
or leadership decide closure after the reopened rounds allowed. Each such end is a row; so is
each rejection that went to leadership and their decision. Complaints open when this lands
keep their process version (1 or 2), whose steps know none of this.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0013_closure"
down_revision = "0012_extensions"
branch_labels = None
depends_on = None

_STAGES = (
    "received",
    "awaiting_written_record",
    "awaiting_assignment",
    "awaiting_major_decision",
    "awaiting_leadership_instruction",
    "awaiting_leadership_review",
    "awaiting_handling",
    "awaiting_customer_confirmation",
    "awaiting_feedback",
    "closed",
    "archived",
)
_NEW_STAGE = "awaiting_leadership_decision"
_WIDENED = (*_STAGES[:9], _NEW_STAGE, *_STAGES[9:])
_KINDS = (
    "written_record",
    "reply",
    "assignment",
    "major_decision",
    "leadership_instruction",
    "instructed_handling",
    "leadership_review",
    "reopened_handling",
    "customer_confirmation",
    "feedback",
)
_CONTACT_METHODS = ("phone", "sms", "email", "visit", "letter")


def _stage_check(stages: tuple[str, ...]) -> str:
    return "stage IN (" + ", ".join(f"'{stage}'" for stage in stages) + ")"


def _replace_stage_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """The CHECK constraint on complaints.stage, widened or narrowed. On SQLite the table's
    definition is edited in place (SQLite's documented way to change a CHECK constraint that
    the stored rows satisfy): a copy of the table would have to drop the table the complaints
    refer to, which SQLite's foreign keys refuse."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_complaints_stage"), "complaints", type_="check")
        op.create_check_constraint(op.f("ck_complaints_stage"), "complaints", _stage_check(new))
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'complaints'"
    ).scalar_one()
    if _stage_check(old) not in sql:
        raise RuntimeError("complaints.stage: the CHECK constraint is not the expected one")
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'complaints'",
        (sql.replace(_stage_check(old), _stage_check(new)),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deadlines_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deadlines_kind"), sa.column("kind").in_(kinds))


def upgrade() -> None:
    op.create_table(
        "complaint_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "unreachable",
                "withdrawn",
                "leadership_decision",
                name="closurereason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "withdrawal_method",
            sa.Enum(
                *_CONTACT_METHODS,
                name="contactmethod",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("withdrawn_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stage_before", sa.String(length=40), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_complaint_closures_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_closures_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_closures")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_complaint_closures_complaint_id")),
    )
    op.create_table(
        "leadership_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("referred_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("another_round", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_leadership_decisions_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_leadership_decisions_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leadership_decisions")),
        sa.UniqueConstraint(
            "complaint_id", "round", name=op.f("uq_leadership_decisions_complaint_id")
        ),
    )
    op.create_index(
        op.f("ix_leadership_decisions_complaint_id"),
        "leadership_decisions",
        ["complaint_id"],
        unique=False,
    )
    _replace_stage_check(_STAGES, _WIDENED)
    _kinds((*_KINDS, "leadership_decision"))


def downgrade() -> None:
    op.execute("DELETE FROM deadlines WHERE kind = 'leadership_decision'")
    _kinds(_KINDS)
    op.execute(f"UPDATE complaints SET stage = 'awaiting_handling' WHERE stage = '{_NEW_STAGE}'")
    _replace_stage_check(_WIDENED, _STAGES)
    op.drop_index(op.f("ix_leadership_decisions_complaint_id"), table_name="leadership_decisions")
    op.drop_table("leadership_decisions")
    op.drop_table("complaint_closures")
