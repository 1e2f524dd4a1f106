"""A complaint and the records of each step the regulation asks for.

Each human step writes its own row (written record, assignment, verification, review,
resolution, feedback) and an audit event in the same transaction; the complaint row holds
only the current state of the process.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime, utcnow
from models.people import Contact, Customer, DepartmentRow, User
from models.types import enum_type
from policy.enums import Category, Channel, ComplainantKind, Stage
from policy.subjects import Demand


class Complaint(Base):
    __tablename__ = "complaints"
    # A customer's complaints by time: the intake's repeat check (Art. 2(4)) finds the latest
    # one since a date, the monitoring job (Art. 8) counts them without reading table rows.
    __table_args__ = (Index("ix_complaints_customer_received", "customer_id", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Human-readable reference such as TS-20261127-0001 (投诉编号).
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel))
    complainant_kind: Mapped[ComplainantKind] = mapped_column(enum_type(ComplainantKind))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    content: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    product: Mapped[str | None] = mapped_column(String(200), index=True)

    suggested_category: Mapped[Category] = mapped_column(enum_type(Category))
    category: Mapped[Category] = mapped_column(enum_type(Category), index=True)
    classification_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # Art. 2(4) 首问负责制: whoever receives the complaint owns it for life.
    first_inquiry_owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    suggested_major: Mapped[bool] = mapped_column(Boolean, default=False)
    major_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Art. 4(3): None until a person decides; regulator transfers always get a decision.
    major: Mapped[bool | None] = mapped_column(Boolean)

    stage: Mapped[Stage] = mapped_column(enum_type(Stage), index=True, default=Stage.received)
    promised_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_on_the_spot: Mapped[bool] = mapped_column(Boolean, default=False)
    on_the_spot_resolution: Mapped[str | None] = mapped_column(Text)
    # Who or what the complaint is about (被投诉部门/人员/会员机构; the product is ``product``)
    # and what the customer asks for (客户诉求): counted by Art. 8 monitoring; the person
    # complained about stays away from the case (Art. 4, ``policy.subjects``).
    subject_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_institution: Mapped[str | None] = mapped_column(String(200))
    demand: Mapped[Demand | None] = mapped_column(enum_type(Demand))
    demand_note: Mapped[str | None] = mapped_column(Text)
    # Times a dissatisfied customer sent the case back to handling (Art. 2(4)).
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # The current round of handling: each send-back (leadership, dispute, dissatisfaction) adds one.
    handling_round: Mapped[int] = mapped_column(Integer, default=1)
    # Art. 2(4) "杜绝二次投诉": an earlier open or recent complaint by the same customer.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))

    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    # The version of the process (policy.lifecycle.PROCESS_VERSION) the complaint started with;
    # its flow and its steps follow that version until it closes.
    process_version: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the retention period's end removed the customer's personal data (Art. 2(5)).
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    # The complainant's details as taken with this complaint (Art. 2(5)).
    contact: Mapped[Contact] = relationship(uselist=False)
    department: Mapped[DepartmentRow] = relationship(foreign_keys=[department_id])
    first_inquiry_owner: Mapped[User] = relationship(foreign_keys=[first_inquiry_owner_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    subject_department: Mapped[DepartmentRow | None] = relationship(
        foreign_keys=[subject_department_id]
    )
    subject_user: Mapped[User | None] = relationship(foreign_keys=[subject_user_id])


class IntakeRequest(Base):
    """An intake sent with a key (the API's ``Idempotency-Key``, the intake form's one-time
    token): the same key from the same person names the same complaint, so a request sent
    twice (a double click, a retry after a lost answer) registers one complaint. ``digest`` is
    a hash of what was sent, to tell a repeat from a different complaint under a used key."""

    __tablename__ = "intake_requests"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    digest: Mapped[str] = mapped_column(String(64))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintEvent(Base):
    """Append-only audit log (投诉日志). Each event carries the hash of the one before it,
    so that an edited or deleted event breaks the chain and shows."""

    __tablename__ = "complaint_events"
    __table_args__ = (UniqueConstraint("complaint_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class WrittenRecord(Base):
    """Art. 4(1)/(2): the written record of handling, due to the manager within 24 hours."""

    __tablename__ = "written_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assignment(Base):
    """Art. 4(1): the manager assigns a handler, or transfers to a department that can handle it."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    from_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    to_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MajorDecision(Base):
    """Art. 4(3): whether a complaint is major (重大客户投诉事件), decided by a person."""

    __tablename__ = "major_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    major: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadershipInstruction(Base):
    """Art. 4(3) 报告公司领导研究处理: leadership's instruction on how a major case is handled,
    before handling starts: what is to be done, optionally by whom and by when."""

    __tablename__ = "leadership_instructions"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    instruction: Mapped[str] = mapped_column(Text)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    given_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeadershipReview(Base):
    """Art. 4(3): company leadership reviews a major case: approve, or send back."""

    __tablename__ = "leadership_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approved: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Verification(Base):
    """Art. 2(2), 4(2): whether the complaint is founded (属实), with the evidence."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    founded: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[str] = mapped_column(Text)
    verified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Resolution(Base):
    """Art. 4(2): the proposed solution and the reply time promised to the customer."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    solution: Mapped[str] = mapped_column(Text)
    promised_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CustomerFeedback(Base):
    """Art. 4(2): the customer confirms an unfounded finding, or gives feedback."""

    __tablename__ = "customer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    # "confirmation" (不属实时客户确认) or "feedback" (解决后征询客户反馈意见)
    kind: Mapped[str] = mapped_column(String(20))
    positive: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
