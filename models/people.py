"""Departments, staff users, customers and the contact details of each complaint.

Complainants' personal data (Art. 2(5)) lives in its own table so that access to it can be
limited and audited, and so that nothing else needs to carry it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.db import Base, UTCDateTime, utcnow
from models.types import enum_type
from policy.enums import ComplainantKind, Department, Role


class DepartmentRow(Base):
    """Art. 9: a receiving department (受理部门) and its complaint hotline."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[Department] = mapped_column(enum_type(Department), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))


class User(Base):
    """A member of staff; ``superior`` is whom Art. 7 asks to be told of a missed time limit."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    superior_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[DepartmentRow | None] = relationship()
    superior: Mapped[User | None] = relationship(remote_side=[id])


class Customer(Base):
    """A complainant as recognised across complaints: the kind and the phone number, nothing
    else. Complaints by the same customer are linked as repeats (Art. 2(4)) and counted by the
    monitoring job (Art. 8); the details each complaint was taken with are its ``Contact``."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ComplainantKind] = mapped_column(enum_type(ComplainantKind))
    phone: Mapped[str] = mapped_column(String(30), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contact(Base):
    """The complainant's personal data (个人信息) as given when one complaint was taken: written
    once at intake and never changed by another complaint, so what a complaint shows and where
    its notices go are its own. Kept apart from the complaint (Art. 2(5))."""

    __tablename__ = "complaint_contacts"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(30), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    id_number: Mapped[str | None] = mapped_column(String(40))
    member_institution: Mapped[str | None] = mapped_column(Text)
