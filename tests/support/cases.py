"""Complaints at later steps: the people around one complaint, and every step recorded as the
staff app would record it; the ``cast`` and ``complaint`` fixtures are offered to every test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from config.settings import Settings
from models.complaint import (
    Assignment,
    Complaint,
    CustomerFeedback,
    LeadershipReview,
    MajorDecision,
    Resolution,
    Verification,
    WrittenRecord,
)
from models.people import User
from policy.enums import Department, Role, Stage
from services.directory import department_by_code
from tests.models.factories import NOW, make_complaint


@dataclass
class Cast:
    """The people around one complaint."""

    owner: User
    manager: User
    superior: User
    handler: User
    leader: User
    compliance: User


def make_staff(
    session: Session,
    username: str,
    display_name: str,
    role: Role,
    department: Department | None = Department.wealth_center,
    superior: User | None = None,
) -> User:
    """A user row without a usable password (hashing one costs ~0.15 s; these never log in)."""
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        department=department_by_code(session, department) if department else None,
        superior=superior,
        email=f"{username}@example.test",
        password_hash="!",
    )
    session.add(user)
    return user


def make_cast(session: Session) -> Cast:
    """Department staff with a manager and superior, and leadership and compliance users."""
    manager = make_staff(session, "wang_manager", "王经理", Role.manager)
    session.flush()  # the first manager of the department is the one who gets its notices
    superior = make_staff(session, "zhao_superior", "赵主任", Role.manager)
    owner = make_staff(session, "li_owner", "李首问", Role.staff, superior=superior)
    handler = make_staff(session, "chen_handler", "陈处理", Role.staff)
    leader = make_staff(session, "liu_leader", "刘总", Role.leadership, department=None)
    compliance = make_staff(session, "sun_compliance", "孙合规", Role.compliance, department=None)
    session.flush()
    return Cast(owner, manager, superior, handler, leader, compliance)


def carry_through(
    session: Session, complaint: Complaint, cast: Cast, *, major: bool = True
) -> Complaint:
    """Every step of the process recorded, as the staff app would, up to closure."""
    at = NOW
    session.add_all(
        [
            WrittenRecord(
                complaint_id=complaint.id,
                author_id=cast.owner.id,
                text="客户来电反映赎回款未到账，已致歉并说明将核查。",
                submitted_at=at + dt.timedelta(hours=2),
            ),
            Assignment(
                complaint_id=complaint.id,
                from_department_id=complaint.department_id,
                handler_id=cast.handler.id,
                reason="由运营岗核查资金划付记录",
                assigned_by_id=cast.manager.id,
                assigned_at=at + dt.timedelta(hours=3),
            ),
            MajorDecision(
                complaint_id=complaint.id,
                major=major,
                reason="涉及客户资金，可能引起媒体关注" if major else "金额小，影响有限",
                decided_by_id=cast.manager.id,
                decided_at=at + dt.timedelta(hours=4),
            ),
            Verification(
                complaint_id=complaint.id,
                founded=True,
                evidence="划付指令延误两个工作日，属实",
                verified_by_id=cast.handler.id,
                verified_at=at + dt.timedelta(days=1),
            ),
            Resolution(
                complaint_id=complaint.id,
                round=1,
                solution="已补划赎回款并按约定利率补偿延迟利息",
                promised_reply_at=at + dt.timedelta(days=3),
                resolved_by_id=cast.handler.id,
                resolved_at=at + dt.timedelta(days=2),
            ),
            CustomerFeedback(
                complaint_id=complaint.id,
                kind="feedback",
                positive=True,
                comment="款项已到账，满意",
                recorded_by_id=cast.owner.id,
                recorded_at=at + dt.timedelta(days=3),
            ),
        ]
    )
    if major:
        session.add(
            LeadershipReview(
                complaint_id=complaint.id,
                reviewer_id=cast.leader.id,
                approved=True,
                comment="同意处理方案，加强划付复核",
                reviewed_at=at + dt.timedelta(days=2, hours=4),
            )
        )
    complaint.handler_id = cast.handler.id
    complaint.major = major
    complaint.stage = Stage.closed
    complaint.closed_at = at + dt.timedelta(days=4)
    session.flush()
    return complaint


@pytest.fixture
def cast(session: Session) -> Cast:
    return make_cast(session)


@pytest.fixture
def complaint(session: Session, settings: Settings, cast: Cast) -> Complaint:
    """A phone complaint by 张三 (with an email address), owned by 李首问 of the Wealth Center."""
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_email="zhangsan@example.test",
        department=Department.wealth_center,
    )
    session.commit()
    return complaint
