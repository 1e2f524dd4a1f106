"""What a complaint's channel records beside it (Art. 3 投诉渠道): the regulator's transfer
and the reply to it, the on-site reception, the sales manager who received it first, the
leader or department that transferred it. One row per complaint; the rules are
``policy.channels`` and ``services.channels``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User


class ChannelDetails(Base):
    """The details of one complaint's channel; the columns of other channels stay empty."""

    __tablename__ = "channel_details"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    # Regulator transfer (行政监管部门转办).
    transferring_body: Mapped[str | None] = mapped_column(String(100))
    document_number: Mapped[str | None] = mapped_column(String(100))
    regulator_reply_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reply to the regulator (回复监管); the note may tell what the customer said.
    regulator_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    regulator_reply_method: Mapped[str | None] = mapped_column(String(50))
    regulator_replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    regulator_reply_note: Mapped[str | None] = mapped_column(Text)
    regulator_reply_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # On-site (现场投诉): the reception.
    reception_place: Mapped[str | None] = mapped_column(String(100))
    reception_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Sales manager (向销售经理投诉): a user, or the name of one who is not.
    sales_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sales_manager_name: Mapped[str | None] = mapped_column(String(50))
    # Internal transfer (公司领导或其他部门转办).
    transferred_by: Mapped[str | None] = mapped_column(String(100))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    regulator_replied_by: Mapped[User | None] = relationship(foreign_keys=[regulator_replied_by_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])
    sales_manager: Mapped[User | None] = relationship(foreign_keys=[sales_manager_id])
