"""Rows the process keeps about itself: deadlines, the email outbox, documents, alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime, utcnow
from models.people import User
from models.types import enum_type
from policy.concentration import Disposition
from policy.enums import DeadlineKind, DeadlineStatus, NotificationStatus


class Deadline(Base):
    """Art. 7: a time limit, the person responsible for it, and whether it was met."""

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[DeadlineKind] = mapped_column(enum_type(DeadlineKind))
    # A promised reply time can be renewed (a reopened case); each renewal is a new row.
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responsible_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[DeadlineStatus] = mapped_column(
        enum_type(DeadlineStatus), default=DeadlineStatus.open, index=True
    )
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which calendar data a day-counted deadline rests on (official, estimate, override).
    calendar_source: Mapped[str | None] = mapped_column(String(60))
    check_flow_run_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    responsible_user: Mapped[User] = relationship()


class Notification(Base):
    """The email outbox: one row per message, sent at most once whatever the flow's cache does."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # complaint:<id>:<kind>:<sequence>, or report:<...> for messages about no one complaint
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(300))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus), default=NotificationStatus.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_message_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Document(Base):
    """A generated handling form (客户投诉处理表); the final one is archived with its checksum."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40), default="handling_form")
    version: Mapped[int] = mapped_column(Integer, default=1)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConcentrationAlert(Base):
    """Art. 8: a unit on which complaints concentrate; one row per unit and window."""

    __tablename__ = "concentration_alerts"
    __table_args__ = (UniqueConstraint("unit_kind", "unit_key", "window_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_kind: Mapped[str] = mapped_column(String(40))
    unit_key: Mapped[str] = mapped_column(String(200))
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(20))
    trend: Mapped[str | None] = mapped_column(String(20))
    explanation: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Of ``count``, the complaints whose latest verification found them founded (属实), at the
    # time the alert was stored; None for alerts stored before it was counted.
    founded: Mapped[int | None] = mapped_column(Integer)

    follow_up: Mapped[AlertFollowUp | None] = relationship(back_populates="alert")


class AlertFollowUp(Base):
    """Art. 8 重点监控: who answers for an alert (the owner), by when, and what they found and
    did (the disposition, with a note); ``escalated_at`` when it went to leadership undisposed."""

    __tablename__ = "alert_dispositions"

    alert_id: Mapped[int] = mapped_column(ForeignKey("concentration_alerts.id"), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    disposition: Mapped[Disposition | None] = mapped_column(enum_type(Disposition))
    note: Mapped[str | None] = mapped_column(Text)
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[ConcentrationAlert] = relationship(back_populates="follow_up")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    disposed_by: Mapped[User | None] = relationship(foreign_keys=[disposed_by_id])


class ConcentrationReport(Base):
    """Art. 8: one concentration report, made (or made again) for its report date, with or
    without alerts; its window is the days before the report date."""

    __tablename__ = "concentration_reports"

    report_date: Mapped[date] = mapped_column(Date, primary_key=True)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferenceCounter(Base):
    """Per-day counter behind complaint references (TS-YYYYMMDD-NNNN), safe under concurrency."""

    __tablename__ = "reference_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
