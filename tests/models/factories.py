"""Small builders for test data; every value a test does not care about has a sensible default."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import Complaint
from models.people import User
from policy.enums import Channel, ComplainantKind, Department, Role
from policy.lifecycle import PROCESS_VERSION
from services.channels import ChannelDetailsInput
from services.directory import add_user, user_by_username
from services.intake import ComplaintIntake, register_complaint

_names = count(1)
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def make_user(
    session: Session,
    *,
    role: Role = Role.staff,
    department: Department | None = Department.wealth_center,
    superior: str | None = None,
    username: str | None = None,
) -> User:
    username = username or f"user{next(_names)}"
    existing = user_by_username(session, username)
    if existing is not None:
        return existing
    return add_user(
        session,
        username=username,
        password="correct horse battery",
        role=role,
        department=department if role in (Role.staff, Role.manager) else None,
        superior=superior,
        email=f"{username}@example.test",
    )


def sample_intake(**overrides: Any) -> ComplaintIntake:
    intake = ComplaintIntake(
        channel=Channel.phone,
        complainant=ComplainantKind.customer,
        customer_name="张三",
        customer_phone="13800001234",
        content="赎回款半个月还没到账，客服一直说在处理，效率太低。",
        received_at=NOW - timedelta(minutes=5),
        promised_reply_at=NOW + timedelta(days=15),
    )
    intake = replace(intake, **overrides)
    if intake.channel_details is None and intake.channel in REQUIRED_DETAILS:
        # A regulator transfer records the transferring body and its deadline (Art. 3).
        intake = replace(intake, channel_details=REQUIRED_DETAILS[intake.channel](intake))
    return intake


REQUIRED_DETAILS = {
    Channel.regulator_transfer: lambda intake: ChannelDetailsInput(
        transferring_body="四川证监局",
        document_number="川证监函〔2026〕1号",
        regulator_reply_due=intake.received_at + timedelta(days=40),
    ),
    Channel.internal_transfer: lambda intake: ChannelDetailsInput(transferred_by="总经理办公室"),
}


def make_complaint(
    session: Session,
    settings: Settings,
    *,
    owner: User | None = None,
    process_version: int = PROCESS_VERSION,
    **overrides: Any,
) -> Complaint:
    owner = owner or make_user(session)
    return register_complaint(
        session,
        intake=sample_intake(**overrides),
        owner=owner,
        now=NOW,
        settings=settings,
        process_version=process_version,
    )
