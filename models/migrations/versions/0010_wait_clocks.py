"""Every wait has a clock: deadlines of the assignment, the major decision, the customer's
confirmation and feedback, and a reopened round of handling (deadlines.kind)

Revision ID: 0010
Revises: 0009_contact_log
Create Date: 2026-12-04 23:20:00

Until now only the written record, the promised reply and leadership's review had a time limit;
a complaint waiting at any other step could wait forever unseen. The kinds a deadline may have
grow accordingly (policy/wait_clocks.py). Rows are unchanged; complaints open when this lands
get the limit of their current wait when they next move (`reconcile` schedules its checks).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009_contact_log"
branch_labels = None
depends_on = None

BEFORE = ("written_record", "reply", "leadership_review")
AFTER = (
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


def _kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_deadlines_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_deadlines_kind"), sa.column("kind").in_(kinds))


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM deadlines WHERE kind NOT IN :kinds").bindparams(
            sa.bindparam("kinds", BEFORE, expanding=True)
        )
    )
    _kinds(BEFORE)
