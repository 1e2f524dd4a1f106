"""The accountability register (Art. 7): a breach stays on record against the person who
answered for it after its step is done, and compliance, only compliance, records one finding on
it; the register lists breaches and findings per person and department."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ComplaintEvent, Deadline
from models.accountability import BreachFinding
from models.complaint import Complaint
from policy.accountability import Finding
from policy.enums import DeadlineKind, DeadlineStatus, Department, Role
from services.accountability import breach_register, record_finding, tally_by_person
from services.step_errors import StepConflict, StepForbidden, StepInputError, StepNotFound
from tests.models.factories import NOW
from tests.support.cases import Cast, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _breach(session: Session, complaint: Complaint, *, met: bool = True) -> Deadline:
    """The complaint's written-record limit, breached at its due time and (``met``) done since:
    the breach stays on record after its step is done."""
    deadline = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()
    deadline.status = DeadlineStatus.breached
    deadline.breached_at = deadline.due_at
    deadline.met_at = deadline.due_at + timedelta(hours=3) if met else None
    session.commit()
    return deadline


def test_art7_a_breach_stays_on_the_register_after_its_step_is_done(
    session: Session, complaint: Complaint, cast: Cast
) -> None:
    deadline = _breach(session, complaint, met=True)
    rows = breach_register(session, reader=cast.compliance, tz=SHANGHAI)
    (row,) = rows
    assert row.deadline_id == deadline.id
    assert row.reference == complaint.reference
    assert row.username == deadline.responsible_user.username
    assert row.met_at is not None and row.finding is None


def test_art7_compliance_records_one_finding_with_a_note_and_it_is_audited(
    session: Session, complaint: Complaint, cast: Cast
) -> None:
    deadline = _breach(session, complaint)
    record_finding(
        session,
        deadline_id=deadline.id,
        actor=cast.compliance,
        finding=Finding.warning,
        note="  未按时提交文字记录，予以警示  ",
        now=NOW,
    )
    session.commit()
    (row,) = breach_register(session, reader=cast.leader, tz=SHANGHAI)
    assert row.finding is Finding.warning
    assert row.finding_note == "未按时提交文字记录，予以警示"
    assert row.finding_by == cast.compliance.username
    (event,) = session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "breach_finding")
    ).all()
    assert event.data == {
        "deadline_id": deadline.id,
        "kind": "written_record",
        "finding": "warning",
    }
    with pytest.raises(StepConflict, match="不能重复认定"):
        record_finding(
            session,
            deadline_id=deadline.id,
            actor=cast.compliance,
            finding=Finding.accepted_reason,
            note="改为理由成立",
            now=NOW,
        )
    session.rollback()
    assert session.scalars(select(BreachFinding.finding)).all() == [Finding.warning]


@pytest.mark.parametrize("who", ["owner", "manager", "leader", "handler"])
def test_art7_nobody_but_compliance_records_a_finding(
    session: Session, complaint: Complaint, cast: Cast, who: str
) -> None:
    deadline = _breach(session, complaint)
    with pytest.raises(StepForbidden, match="只有合规人员"):
        record_finding(
            session,
            deadline_id=deadline.id,
            actor=getattr(cast, who),
            finding=Finding.referral,
            note="移交",
            now=NOW,
        )
    session.rollback()
    assert session.scalars(select(BreachFinding)).all() == []


def test_a_finding_needs_a_breach_and_a_note(
    session: Session, complaint: Complaint, cast: Cast
) -> None:
    open_limit = session.scalars(
        select(Deadline).where(Deadline.complaint_id == complaint.id)
    ).first()
    assert open_limit is not None and open_limit.breached_at is None
    with pytest.raises(StepConflict, match="未超时"):
        record_finding(
            session,
            deadline_id=open_limit.id,
            actor=cast.compliance,
            finding=Finding.warning,
            note="x",
            now=NOW,
        )
    with pytest.raises(StepNotFound):
        record_finding(
            session,
            deadline_id=10**6,
            actor=cast.compliance,
            finding=Finding.warning,
            note="x",
            now=NOW,
        )
    deadline = _breach(session, complaint)
    with pytest.raises(StepInputError, match="认定说明") as refused:
        record_finding(
            session,
            deadline_id=deadline.id,
            actor=cast.compliance,
            finding=Finding.warning,
            note="   ",
            now=NOW,
        )
    assert refused.value.field == "note"
    session.rollback()
    assert session.scalars(select(BreachFinding)).all() == []


def test_the_register_filters_by_period_person_and_department_and_tallies_per_person(
    session: Session, complaint: Complaint, cast: Cast
) -> None:
    deadline = _breach(session, complaint)
    due_day = deadline.due_at.astimezone(SHANGHAI).date()
    person = deadline.responsible_user.username
    assert breach_register(session, reader=cast.compliance, tz=SHANGHAI, start=due_day, end=due_day)
    assert not breach_register(
        session, reader=cast.compliance, tz=SHANGHAI, start=due_day + timedelta(days=1)
    )
    assert not breach_register(
        session, reader=cast.compliance, tz=SHANGHAI, end=due_day - timedelta(days=1)
    )
    assert breach_register(session, reader=cast.compliance, tz=SHANGHAI, username=person)
    assert not breach_register(session, reader=cast.compliance, tz=SHANGHAI, username="nobody")
    department = deadline.responsible_user.department
    assert department is not None
    assert breach_register(
        session, reader=cast.compliance, tz=SHANGHAI, department=department.code.value
    )
    other = next(code for code in Department if code is not department.code)
    assert not breach_register(session, reader=cast.compliance, tz=SHANGHAI, department=other.value)
    with pytest.raises(StepInputError, match="部门"):
        breach_register(session, reader=cast.compliance, tz=SHANGHAI, department="nowhere")
    with pytest.raises(StepInputError, match="结束日期"):
        breach_register(
            session,
            reader=cast.compliance,
            tz=SHANGHAI,
            start=date(2026, 12, 2),
            end=date(2026, 12, 1),
        )
    (tally,) = tally_by_person(breach_register(session, reader=cast.compliance, tz=SHANGHAI))
    assert (tally.username, tally.breaches, tally.without_finding) == (person, 1, 1)


def test_a_manager_reads_their_own_departments_breaches_and_staff_read_none(
    session: Session, complaint: Complaint, cast: Cast
) -> None:
    _breach(session, complaint)
    assert breach_register(session, reader=cast.manager, tz=SHANGHAI)
    elsewhere = make_staff(
        session, "qian_manager", "钱经理", Role.manager, department=Department.general_management
    )
    session.commit()
    assert breach_register(session, reader=elsewhere, tz=SHANGHAI) == []
    with pytest.raises(StepForbidden):
        breach_register(session, reader=cast.owner, tz=SHANGHAI)
