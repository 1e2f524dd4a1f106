"""Requests for a later reply time and their approval (延期答复审批, Art. 2(4), Art. 7).

A request names the new reply time, the reason and whether the case is complex; it takes effect
only when the requester's superior approves it. Its rules are ``services.extensions``; the limits
``policy.extensions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User
from models.types import enum_type
from policy.extensions import ExtensionStatus


class ReplyExtension(Base):
    """One request to move a complaint's promised reply time, and the decision on it."""

    __tablename__ = "reply_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The promised reply time when it was asked, and the one asked for.
    previous_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_reply_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Told to the customer with an approved extension: says why, names no one.
    reason: Mapped[str] = mapped_column(Text)
    complex_case: Mapped[bool] = mapped_column(Boolean, default=False)
    # Asked with the handling step's new promised reply time, not on its own.
    via_handling: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_type(ExtensionStatus), default=ExtensionStatus.pending, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)

    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
