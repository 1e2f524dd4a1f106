"""Who or what a complaint is about, the customer's demand; following up Art. 8 alerts

Revision ID: 0016_complaint_subjects
Revises: 0015_personal_data_removed
Create Date: 2026-12-05 05:30:00

Art. 8 counts complaints by the department, staff member, member institution and product
complained about; Art. 4 keeps the person complained about away from the case. The product
was recorded already (``product``); the department, staff member, member institution and the
customer's demand (客户诉求) are new, with the monitoring indexes on the first three (declared
in models/monitoring.py). Existing complaints: none recorded.

Art. 8 alerts get the number of founded complaints beside the count, and a follow-up row
(alert_dispositions): the owner, the due date, the disposition, the escalation to leadership.
Alerts stored before this have neither.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0016_complaint_subjects"
down_revision = "0015_personal_data_removed"
branch_labels = None
depends_on = None

DEMANDS = ("compensation", "refund", "apology", "explanation", "correction", "other")

INDEXES = {
    "ix_complaints_monitor_subject_department": ["subject_department_id", "received_at"],
    "ix_complaints_monitor_subject_user": ["subject_user_id", "received_at"],
    "ix_complaints_monitor_subject_institution": ["subject_institution", "received_at"],
}


# Plain ALTER TABLE, as for process_version (a batch copy would drop the table others refer to).
# SQLite takes a column's reference only inline with the column (Alembic adds it apart).
REFERENCES = (
    ("subject_department_id", "departments", "fk_complaints_subject_department_id_departments"),
    ("subject_user_id", "users", "fk_complaints_subject_user_id_users"),
)


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns("complaints")}
    for column, table, name in REFERENCES:
        if column in present:
            continue  # kept by a downgrade on SQLite
        if op.get_bind().dialect.name == "sqlite":
            op.execute(
                f"ALTER TABLE complaints ADD COLUMN {column} INTEGER "
                f"CONSTRAINT {name} REFERENCES {table} (id)"
            )
        else:
            op.add_column(
                "complaints",
                sa.Column(
                    column, sa.Integer(), sa.ForeignKey(f"{table}.id", name=name), nullable=True
                ),
            )
    op.add_column("complaints", sa.Column("subject_institution", sa.String(200), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # the check, too, only inline
        allowed = ", ".join(f"'{value}'" for value in DEMANDS)
        op.execute(
            "ALTER TABLE complaints ADD COLUMN demand VARCHAR(40) "
            f"CONSTRAINT ck_complaints_demand CHECK (demand IN ({allowed}))"
        )
    else:
        op.add_column(
            "complaints",
            sa.Column(
                "demand",
                sa.Enum(
                    *DEMANDS, name="demand", native_enum=False, create_constraint=True, length=40
                ),
                nullable=True,
            ),
        )
    op.add_column("complaints", sa.Column("demand_note", sa.Text(), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "complaints", columns, unique=False)
    op.add_column("concentration_alerts", sa.Column("founded", sa.Integer(), nullable=True))
    op.create_table(
        "alert_dispositions",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "disposition",
            sa.Enum(
                "explained",
                "corrected",
                "escalated",
                name="disposition",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("disposed_by_id", sa.Integer(), nullable=True),
        sa.Column("disposed_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["concentration_alerts.id"],
            name=op.f("fk_alert_dispositions_alert_id_concentration_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_alert_dispositions_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["disposed_by_id"],
            ["users.id"],
            name=op.f("fk_alert_dispositions_disposed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_dispositions")),
    )
    op.create_index(
        op.f("ix_alert_dispositions_owner_id"), "alert_dispositions", ["owner_id"], unique=False
    )
    op.create_index(
        op.f("ix_alert_dispositions_due_on"), "alert_dispositions", ["due_on"], unique=False
    )


def downgrade() -> None:
    op.drop_table("alert_dispositions")
    op.drop_column("concentration_alerts", "founded")
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="complaints")
    for column in ("demand_note", "demand", "subject_institution"):
        op.drop_column("complaints", column)
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column that references another table only by copying the table, which
        # other tables reference: the two columns stay, unused, and an upgrade finds them.
        return
    for column, _, _ in reversed(REFERENCES):
        op.drop_column("complaints", column)
