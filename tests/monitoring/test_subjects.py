"""Art. 8 on those complained about: a hot spot on a staff member complained about is flagged
while the staff who received those complaints are not; each alert reports its founded share,
gets an owner (the manager of the unit's department) and a due date, takes a disposition from
its owner, and goes to leadership once when left without one past its due date."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.complaint import Complaint, Verification
from models.operations import AlertFollowUp, ConcentrationAlert, Notification
from models.people import User
from policy.concentration import Disposition, Thresholds, UnitKind, assess_concentration
from policy.enums import Department, Role
from services.alert_followups import escalate_overdue, open_follow_ups, record_disposition
from services.monitoring import MonitorWindows, count_units, report_table, store_window_alerts
from services.notices import prepare_concentration_report
from services.step_errors import StepConflict, StepForbidden, StepInputError
from tests.monitoring.conftest import REPORT_DATE, background, load
from tests.monitoring.synthetic import COMPLAINT_COLUMNS, Population, complaint_rows
from tests.support.races import race_twice

COLUMN = {name: index for index, name in enumerate(COMPLAINT_COLUMNS)}
WINDOWS = MonitorWindows(REPORT_DATE)
NOW = datetime(2026, 11, 27, 1, tzinfo=UTC)


def _user(session: Session, username: str, role: Role, department_id: int | None = None) -> User:
    user = User(
        username=username,
        display_name=f"{username}姓名",
        role=role,
        department_id=department_id,
        email=f"{username}@example.test",
        password_hash="!",
    )
    session.add(user)
    session.flush()
    return user


def _plant(session: Session, population: Population) -> tuple[User, list[User]]:
    """A background, then four more complaints about one staff member of 财富中心, each
    received by a different colleague; two of them found founded."""
    rows = load(session, complaint_rows(random.Random(11), population, background(per_day=6)))
    accused_id = population.staff[Department.wealth_center][0]
    start, end = WINDOWS.ranges()["current"]
    planted: list[tuple] = []
    receivers: list[int] = []
    for row in rows:
        owner = row[COLUMN["first_inquiry_owner_id"]]
        received = row[COLUMN["received_at"]]
        if start <= received < end and owner not in receivers and owner != accused_id:
            copy = list(row)
            copy[COLUMN["reference"]] = f"SUBJECT-{len(planted)}"
            planted.append(tuple(copy))
            receivers.append(owner)
        if len(planted) == 4:
            break
    load(session, planted)
    references = [row[COLUMN["reference"]] for row in planted]
    session.execute(
        update(Complaint)
        .where(Complaint.reference.in_(references))
        .values(
            subject_user_id=accused_id,
            subject_department_id=population.departments[Department.wealth_center],
        )
    )
    for n, reference in enumerate(references[:3]):
        complaint_id = session.scalar(select(Complaint.id).where(Complaint.reference == reference))
        session.add(
            Verification(
                complaint_id=complaint_id,
                round=1,
                founded=n < 2,
                evidence="核实",
                verified_by_id=receivers[0],
                verified_at=NOW,
            )
        )
    session.commit()
    return session.get_one(User, accused_id), [session.get_one(User, r) for r in receivers]


def _assess(session: Session):  # type: ignore[no-untyped-def]
    return assess_concentration(count_units(session, windows=WINDOWS), Thresholds())


def test_art8_a_hot_spot_on_the_staff_member_complained_about_is_flagged_not_the_receivers(
    session: Session, population: Population
) -> None:
    accused, receivers = _plant(session, population)
    flagged = {(a.unit_kind, a.unit_key): a for a in _assess(session).alerts}
    alert = flagged[(UnitKind.subject_staff, accused.username)]
    assert alert.count == 4 and "被投诉人员" in alert.explanation
    assert (UnitKind.subject_department, Department.wealth_center.value) in flagged
    for receiver in receivers:
        assert (UnitKind.owner, receiver.username) not in flagged
    assert (UnitKind.owner, accused.username) not in flagged


def test_art8_each_alert_reports_its_founded_share_owner_and_due_date(
    session: Session, population: Population, settings
) -> None:
    accused, _ = _plant(session, population)
    _user(session, "wc_manager", Role.manager, population.departments[Department.wealth_center])
    compliance = _user(session, "compliance_one", Role.compliance)
    session.commit()
    follow_up = partial(open_follow_ups, session, windows=WINDOWS, disposition_days=5)
    stored = store_window_alerts(session, WINDOWS, _assess(session).alerts, follow_up=follow_up)
    session.commit()
    mine = next(a for a in stored if a.unit_kind == UnitKind.subject_staff)
    assert (mine.founded, mine.owner) == (2, "wc_manager姓名")
    # 5 working days after Friday 27 November 2026.
    assert mine.due_on == date(2026, 12, 4)
    row = next(r for r in report_table(stored) if r["监控对象"] == accused.display_name)
    assert row["属实占比"] == "属实 2/4（50%）" and row["负责人"] == "wc_manager姓名"
    others = [a for a in stored if a.unit_kind in (UnitKind.product, UnitKind.customer)]
    assert all(a.owner == compliance.display_name for a in others)
    # The report's email to compliance and leadership says the same.
    notice = prepare_concentration_report(session, window_end=WINDOWS.window_end, settings=settings)
    assert notice is not None
    line = next(a for a in notice.context["alerts"] if a["unit"] == accused.display_name)
    assert (line["founded"], line["owner"], line["due_on"]) == (
        "属实 2/4（50%）",
        "wc_manager姓名",
        "2026-12-04",
    )
    # Stored once: a re-run keeps the owner, the due date and the founded count.
    again = store_window_alerts(session, WINDOWS, _assess(session).alerts, follow_up=follow_up)
    assert [(a.id, a.founded, a.owner, a.due_on) for a in again] == [
        (a.id, a.founded, a.owner, a.due_on) for a in stored
    ]


def test_art8_the_owner_disposes_once_and_an_undisposed_alert_goes_to_leadership_once(
    session: Session, population: Population
) -> None:
    _plant(session, population)
    manager = _user(
        session, "wc_manager", Role.manager, population.departments[Department.wealth_center]
    )
    _user(session, "leader_one", Role.leadership)
    stranger = _user(
        session, "gm_staff", Role.staff, population.departments[Department.general_management]
    )
    session.commit()
    follow_up = partial(open_follow_ups, session, windows=WINDOWS, disposition_days=5)
    stored = store_window_alerts(session, WINDOWS, _assess(session).alerts, follow_up=follow_up)
    session.commit()
    mine = next(a for a in stored if a.unit_kind == UnitKind.subject_staff)
    other = next(a for a in stored if a.unit_kind == UnitKind.subject_department)

    with pytest.raises(StepForbidden):
        record_disposition(
            session, alert_id=mine.id, actor=stranger, disposition="explained", note="x", now=NOW
        )
    with pytest.raises(StepInputError) as refused:
        record_disposition(
            session, alert_id=mine.id, actor=manager, disposition="explained", note=" ", now=NOW
        )
    assert refused.value.field == "note"
    record_disposition(
        session,
        alert_id=mine.id,
        actor=manager,
        disposition=Disposition.corrected,
        note="已约谈当事人并整改服务流程",
        now=NOW,
    )
    with pytest.raises(StepConflict):
        record_disposition(
            session, alert_id=mine.id, actor=manager, disposition="explained", note="再次", now=NOW
        )
    session.commit()

    due = mine.due_on
    assert due is not None
    assert escalate_overdue(session, today=due, now=NOW) == []
    # No leader with an email: nothing is marked escalated, so a later run still tells them.
    leaders = session.scalars(select(User).where(User.role == Role.leadership)).all()
    emails = {leader.id: leader.email for leader in leaders}
    for leader in leaders:
        leader.email = None
    assert escalate_overdue(session, today=due + timedelta(days=1), now=NOW) == []
    assert (
        session.scalar(select(AlertFollowUp.escalated_at).where(AlertFollowUp.alert_id == other.id))
        is None
    )
    for leader in leaders:
        leader.email = emails[leader.id]
    queued = escalate_overdue(session, today=due + timedelta(days=1), now=NOW)
    session.commit()
    undisposed = {a.id for a in stored} - {mine.id}
    assert len(queued) == len(undisposed) and other.id in undisposed
    notices = session.scalars(select(Notification).where(Notification.id.in_(queued))).all()
    assert {tuple(n.recipients) for n in notices} == {("leader_one@example.test",)}
    assert all(n.kind == "concentration_overdue" for n in notices)
    # Once: the next day's run escalates nothing again; the disposed alert never was.
    assert escalate_overdue(session, today=due + timedelta(days=2), now=NOW) == []
    assert session.get_one(AlertFollowUp, mine.id).escalated_at is None
    assert (
        session.get_one(ConcentrationAlert, mine.id).follow_up.disposition is Disposition.corrected
    )


def test_art8_of_two_dispositions_at_once_one_is_kept_and_the_other_refused(
    database_url: str, session: Session, population: Population
) -> None:
    _plant(session, population)
    manager = _user(
        session, "wc_manager", Role.manager, population.departments[Department.wealth_center]
    )
    compliance = _user(session, "compliance_one", Role.compliance)
    session.commit()
    follow_up = partial(open_follow_ups, session, windows=WINDOWS, disposition_days=5)
    stored = store_window_alerts(session, WINDOWS, _assess(session).alerts, follow_up=follow_up)
    session.commit()
    alert_id = next(a.id for a in stored if a.unit_kind == UnitKind.subject_staff)

    def owner_explains(s: Session) -> None:
        actor = s.get_one(User, manager.id)
        record_disposition(
            s, alert_id=alert_id, actor=actor, disposition="explained", note="已核实", now=NOW
        )

    def compliance_corrects(s: Session) -> None:
        actor = s.get_one(User, compliance.id)
        record_disposition(
            s, alert_id=alert_id, actor=actor, disposition="corrected", note="已整改", now=NOW
        )

    refused = race_twice(database_url, session, owner_explains, compliance_corrects)
    assert isinstance(refused, StepConflict), repr(refused)
    session.expire_all()
    kept = session.get_one(AlertFollowUp, alert_id)
    assert (kept.disposition, kept.note, kept.disposed_by_id) == (
        Disposition.explained,
        "已核实",
        manager.id,
    )
