"""Compliance's findings on breaches of time limits (Art. 7 追究相关责任人的责任).

The breach itself is the deadline row (``models.operations.Deadline``, breached); a finding is
recorded once per breach, by compliance. Its rules are ``services.accountability``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User
from models.types import enum_type
from policy.accountability import Finding


class BreachFinding(Base):
    """Compliance's one finding on one breached limit."""

    __tablename__ = "breach_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), unique=True)
    finding: Mapped[Finding] = mapped_column(enum_type(Finding))
    note: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    recorded_by: Mapped[User] = relationship()
