"""The contacts made with the customer after intake, and the contact-due items (Art. 2(4), 4(2)).

Not ``complaint_contacts`` (the complainant's details taken at intake, ``models.people``): these
are the calls, messages, visits and letters afterwards, and the reminders that one is due.
Their rules are ``services.contacts``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime
from models.people import User
from models.types import enum_type
from policy.contacts import ContactMethod


class CustomerContactAttempt(Base):
    """One contact with the customer, or an attempt at one (Art. 2(4), 4(2))."""

    __tablename__ = "customer_contact_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    method: Mapped[ContactMethod] = mapped_column(enum_type(ContactMethod))
    reached: Mapped[bool] = mapped_column(Boolean)
    # Personal (what the customer said): the app database only (Art. 2(5)).
    summary: Mapped[str] = mapped_column(Text)
    contacted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    contacted_by: Mapped[User] = relationship()


class ContactDue(Base):
    """A progress notice that could not be mailed (the customer gave no email): someone must
    contact the customer. Open until a contact in which the customer was reached is recorded.
    ``key`` is the notice's outbox key, so each notice makes one item, once."""

    __tablename__ = "customer_contact_due"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # The milestone's event kind (handler_assigned, transferred, major_decided) or "periodic".
    reason: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by_id: Mapped[int | None] = mapped_column(ForeignKey("customer_contact_attempts.id"))
