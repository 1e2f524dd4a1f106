"""Leadership's instruction on a major case before it is handled (leadership_instructions)

Revision ID: 0008_leadership_instruction
Revises: 0007_process_version
Create Date: 2026-12-04 23:30:00

Art. 4(3) 应报告公司领导研究处理: from version 2 of the process a major case waits for
leadership's instruction (how it is handled, optionally by whom and by when) before handling
starts: a table for the instruction, and the stage of that wait among a complaint's stages.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0008_leadership_instruction"
down_revision = "0007_process_version"
branch_labels = None
depends_on = None

_STAGES = (
    "received",
    "awaiting_written_record",
    "awaiting_assignment",
    "awaiting_major_decision",
    "awaiting_leadership_review",
    "awaiting_handling",
    "awaiting_customer_confirmation",
    "awaiting_feedback",
    "closed",
    "archived",
)
_NEW_STAGE = "awaiting_leadership_instruction"


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


def upgrade() -> None:
    op.create_table(
        "leadership_instructions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("due_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("given_by_id", sa.Integer(), nullable=False),
        sa.Column("given_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_leadership_instructions_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["users.id"], name=op.f("fk_leadership_instructions_given_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["handler_id"], ["users.id"], name=op.f("fk_leadership_instructions_handler_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leadership_instructions")),
    )
    op.create_index(
        op.f("ix_leadership_instructions_complaint_id"),
        "leadership_instructions",
        ["complaint_id"],
        unique=False,
    )
    widened = (*_STAGES[:4], _NEW_STAGE, *_STAGES[4:])
    _replace_stage_check(_STAGES, widened)


def downgrade() -> None:
    op.execute(f"UPDATE complaints SET stage = 'awaiting_handling' WHERE stage = '{_NEW_STAGE}'")
    _replace_stage_check((*_STAGES[:4], _NEW_STAGE, *_STAGES[4:]), _STAGES)
    op.drop_index(
        op.f("ix_leadership_instructions_complaint_id"), table_name="leadership_instructions"
    )
    op.drop_table("leadership_instructions")
