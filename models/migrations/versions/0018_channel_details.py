"""The channels' details (channel_details); a transfer from company leadership or another
department as a channel of its own (internal_transfer)

Revision ID: 0018_channel_details
Revises: 0017_evidence
Create Date: 2026-12-05 08:00:00

Art. 3: a regulator transfer records the transferring body, its document number, the
regulator's reply deadline and the reply to the regulator; an on-site complaint the reception
and who received it; a sales-manager complaint the sales manager; an internal transfer who
transferred it. One row per complaint. Existing complaints: none recorded (a regulator
transfer received before this closes as before; docs/regulation.md, Art. 3). The CHECK
constraint on complaints.channel gains internal_transfer.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.db

revision = "0018_channel_details"
down_revision = "0017_evidence"
branch_labels = None
depends_on = None

_CHANNELS = ("phone", "sales_manager", "regulator_transfer", "onsite")
_WIDENED = (*_CHANNELS, "internal_transfer")


def _channel_check(channels: tuple[str, ...]) -> str:
    return "channel IN (" + ", ".join(f"'{channel}'" for channel in channels) + ")"


def _replace_channel_check(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """The CHECK constraint on complaints.channel, widened or narrowed; on SQLite the table's
    definition is edited in place, as 0013 does for the stage (a copy of the table would have
    to drop the table others refer to)."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_complaints_channel"), "complaints", type_="check")
        op.create_check_constraint(op.f("ck_complaints_channel"), "complaints", _channel_check(new))
        return
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'complaints'"
    ).scalar_one()
    if _channel_check(old) not in sql:
        raise RuntimeError("complaints.channel: the CHECK constraint is not the expected one")
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'complaints'",
        (sql.replace(_channel_check(old), _channel_check(new)),),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def _user(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_channel_details_{column}_users")
    )


def upgrade() -> None:
    _replace_channel_check(_CHANNELS, _WIDENED)
    op.create_table(
        "channel_details",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("transferring_body", sa.String(length=100), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("regulator_reply_due", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("regulator_replied_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("regulator_reply_method", sa.String(length=50), nullable=True),
        sa.Column("regulator_replied_by_id", sa.Integer(), nullable=True),
        sa.Column("regulator_reply_note", sa.Text(), nullable=True),
        sa.Column("regulator_reply_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("reception_place", sa.String(length=100), nullable=True),
        sa.Column("reception_at", models.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("sales_manager_id", sa.Integer(), nullable=True),
        sa.Column("sales_manager_name", sa.String(length=50), nullable=True),
        sa.Column("transferred_by", sa.String(length=100), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_channel_details_complaint_id_complaints"),
        ),
        _user("regulator_replied_by_id"),
        _user("regulator_reply_recorded_by_id"),
        _user("received_by_id"),
        _user("sales_manager_id"),
        _user("updated_by_id"),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_channel_details")),
    )


def downgrade() -> None:
    bind = op.get_bind()
    internal = bind.execute(
        sa.text("SELECT count(*) FROM complaints WHERE channel = 'internal_transfer'")
    ).scalar_one()
    if internal:
        raise RuntimeError(
            f"{internal} complaints have the channel internal_transfer, which the earlier "
            "schema does not know: change their channel before downgrading"
        )
    op.drop_table("channel_details")
    _replace_channel_check(_WIDENED, _CHANNELS)
