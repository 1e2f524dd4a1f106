"""Each complaint keeps the complainant's details it was taken with (complaint_contacts)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:30:00

Until now a customer row was found by phone number and shared by every complaint with that
number, and each new complaint overwrote its name, email and institution: a later complaint
(by anyone, with any name) changed what an earlier complaint showed and where its notices went.
The details move to one row per complaint; the customer row keeps only the kind and phone, the
key by which repeat complaints are linked (Art. 2(4)) and counted (Art. 8).

Existing complaints get a copy of their shared customer's details as they stand: that is what
each of them showed before the upgrade (the details given at their own intake are not known
any more where a later complaint overwrote them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DETAILS = ("name", "email", "id_number", "member_institution")


def upgrade() -> None:
    op.create_table(
        "complaint_contacts",
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("id_number", sa.String(length=40), nullable=True),
        sa.Column("member_institution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_contacts_complaint_id_complaints"),
        ),
        sa.PrimaryKeyConstraint("complaint_id", name=op.f("pk_complaint_contacts")),
    )
    with op.batch_alter_table("complaint_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_contacts_phone"), ["phone"], unique=False)
    op.execute(
        "INSERT INTO complaint_contacts "
        "(complaint_id, name, phone, email, id_number, member_institution) "
        "SELECT complaints.id, customers.name, customers.phone, customers.email, "
        "customers.id_number, customers.member_institution "
        "FROM complaints JOIN customers ON customers.id = complaints.customer_id"
    )
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of the table would have to
    # drop the table the complaints refer to, which SQLite's foreign keys refuse.
    for column in _DETAILS:
        op.drop_column("customers", column)


def downgrade() -> None:
    op.add_column(
        "customers",
        sa.Column("name", sa.String(length=100), nullable=False, server_default=""),
    )
    op.add_column("customers", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column("customers", sa.Column("id_number", sa.String(length=40), nullable=True))
    op.add_column("customers", sa.Column("member_institution", sa.Text(), nullable=True))
    # A shared customer row holds one set of details: each the latest given, as before 0005.
    latest = (
        "(SELECT {column} FROM complaint_contacts JOIN complaints "
        "ON complaints.id = complaint_contacts.complaint_id "
        "WHERE complaints.customer_id = customers.id AND {column} IS NOT NULL "
        "ORDER BY complaints.received_at DESC, complaints.id DESC LIMIT 1)"
    )
    op.execute(
        "UPDATE customers SET "
        + ", ".join(f"{column} = {latest.format(column=column)}" for column in _DETAILS)
    )
    op.execute("UPDATE customers SET name = '' WHERE name IS NULL")
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot drop a default in place
        op.alter_column("customers", "name", server_default=None)
    with op.batch_alter_table("complaint_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_contacts_phone"))
    op.drop_table("complaint_contacts")
