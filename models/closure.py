"""How a complaint ended other than by a satisfied customer, and leadership's decisions after
the reopened rounds allowed (process version 3, ``policy.closure``).

Their rules are ``services.closure``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User
from models.types import enum_type
from policy.closure import ClosureReason
from policy.contacts import ContactMethod


class ComplaintClosure(Base):
    """A complaint closed early: unreachable customer, withdrawal, or leadership's decision.
    One per complaint."""

    __tablename__ = "complaint_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    reason: Mapped[ClosureReason] = mapped_column(enum_type(ClosureReason))
    # The reason in the staff's words; may tell what the customer said (app database only).
    note: Mapped[str] = mapped_column(Text)
    # Withdrawn: how and when the customer said so.
    withdrawal_method: Mapped[ContactMethod | None] = mapped_column(enum_type(ContactMethod))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The stage the complaint was waiting at when it was closed.
    stage_before: Mapped[str] = mapped_column(String(40))
    closed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    closed_by: Mapped[User] = relationship()


class LeadershipDecision(Base):
    """A rejection of the result that went to leadership (``referred_at``), and their decision:
    another round of handling, or closure."""

    __tablename__ = "leadership_decisions"
    __table_args__ = (UniqueConstraint("complaint_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    # The handling round whose result the customer rejected.
    round: Mapped[int] = mapped_column(Integer)
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    another_round: Mapped[bool | None] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decided_by: Mapped[User | None] = relationship()
