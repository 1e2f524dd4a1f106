"""Art. 7 by the deadline-check runs that complaints opened before the deadline sweep still have
scheduled on the Prefect server (one for the warning, one for the due time): they keep working
beside the sweep until they drain. The system's clock is a manual one here, so the 24-hour
written record deadline passes in milliseconds; the check runs execute in this process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import State
from prefect.states import Scheduled
from sqlalchemy import select

from flows.deadline_check import deadline_check
from models import ComplaintEvent, Deadline
from models.clock import ManualClock
from policy.enums import DeadlineKind, DeadlineStatus
from services.steps import submit_written_record
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import (
    add_staff,
    number_references_from,
    schedule_checks_as_before,
    start_complaint,
)

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(autouse=True)
def _references_of_this_file(session, settings) -> None:  # type: ignore[no-untyped-def]
    """Check runs are found by name; no other test file's complaints carry these references."""
    number_references_from(session, settings, 7100)


def _record_deadline(session, complaint_id: int) -> Deadline:
    session.commit()
    session.expire_all()
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint_id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()


def _runs(name: str):  # type: ignore[no-untyped-def]
    """The runs of that name, newest first (references repeat across test databases)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
        )
    return sorted(runs, key=lambda run: run.created, reverse=True)


def _scheduled_check(name: str) -> UUID:
    run = _runs(name)[0]
    assert run.state is not None and run.state.is_scheduled()
    return run.id


def _run(run_id: UUID) -> State:
    """Execute a scheduled check now, by the wall clock (the Prefect server makes a run wait
    for its scheduled time): what a worker or an operator does when starting it early. The
    system's clock, which the check reads, is the test's."""
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, Scheduled(scheduled_time=datetime.now(UTC)), force=True)
    return execute(deadline_check, run_id)


def _tags(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).tags


def test_phone_complaint_without_written_record_warns_owner_then_escalates_to_superior(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.due_at - deadline.created_at >= timedelta(hours=23)  # the real 24 hours
    warn_run, breach_run = schedule_checks_as_before(deadline, case.reference)

    manual_clock.set(deadline.warn_at)
    assert _run(warn_run).result() == "warned"
    manual_clock.set(deadline.due_at + timedelta(seconds=1))
    breach = _run(breach_run)
    assert breach.result() == "breached"
    # Ops read what the check found in the Prefect UI, with no customer data.
    assert breach.name == "已超时"
    assert case.reference in breach.message and "owner" in breach.message
    assert "张三" not in breach.message and "138" not in breach.message
    assert "outcome:breached" in _tags(breach_run)
    # Checking again (a late or repeated run) changes nothing and tells no one twice.
    manual_clock.advance(timedelta(days=3))
    assert deadline_check(deadline.id, "breach") == "none"

    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.status is DeadlineStatus.breached
    assert deadline.breached_at == deadline.due_at
    assert deadline.responsible_user_id == staff.owner.id  # recorded against the owner
    counts = case.notifications()
    assert counts["record_warning"] == 1 and counts["record_breach"] == 1
    breach_mail = [m for m in mail.messages if "manager@staff.test" in m.recipients]
    warning_mail = [m for m in mail.messages if "owner@staff.test" in m.recipients]
    assert len(warning_mail) == 1
    assert len(breach_mail) == 2  # the new complaint at intake, and the breach report
    kinds = session.scalars(
        select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == case.complaint_id)
    ).all()
    assert "deadline_breached" in kinds


def test_written_record_in_time_means_no_warning_and_no_breach(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    manual_clock.advance(timedelta(hours=20))
    case.act(submit_written_record, actor=staff.owner, text="及时记录")
    deadline = _record_deadline(session, case.complaint_id)
    warn_run, breach_run = schedule_checks_as_before(deadline, case.reference)
    manual_clock.set(deadline.due_at + timedelta(hours=1))
    assert _run(warn_run).result() == "none"
    met = _run(breach_run)
    assert met.result() == "none"
    assert met.name == "按时完成" and "outcome:met" in _tags(breach_run)
    assert _record_deadline(session, case.complaint_id).status is DeadlineStatus.met
    assert "record_breach" not in case.notifications()


def test_a_check_run_started_seconds_before_its_time_waits_and_records_the_breach(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    """A worker submits scheduled runs ahead of their time (10 s by default): the check waits
    for the due time instead of finding the deadline not yet due and doing nothing for good."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    deadline = _record_deadline(session, case.complaint_id)
    warn_run, breach_run = schedule_checks_as_before(deadline, case.reference)
    manual_clock.set(deadline.warn_at - timedelta(seconds=8))
    assert _run(warn_run).result() == "warned"
    manual_clock.set(deadline.due_at - timedelta(seconds=9))
    assert _run(breach_run).result() == "breached"
    assert manual_clock.now() > deadline.due_at  # it waited, by the clock

    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.status is DeadlineStatus.breached
    assert deadline.breached_at == deadline.due_at
    counts = case.notifications()
    assert counts["record_warning"] == 1 and counts["record_breach"] == 1


def test_a_check_run_started_long_before_its_time_hands_over_to_a_run_at_the_due_time(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    """Started by hand hours early, the check holds no process: it schedules its successor."""
    began = datetime.now(UTC)
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    deadline = _record_deadline(session, case.complaint_id)
    name = f"deadline-{case.reference}-written_record-1"
    _, breach_run = schedule_checks_as_before(deadline, case.reference)
    early = _run(breach_run)
    assert early.result() == "rescheduled" and early.name == "已改期"
    successor = _runs(name)[0]
    assert successor.id != breach_run and successor.state is not None
    assert successor.state.is_scheduled()
    assert successor.expected_start_time == deadline.due_at
    assert _record_deadline(session, case.complaint_id).check_flow_run_id == str(successor.id)
    # Run again, the early check makes no second successor (its key holds the due time).
    assert _run(breach_run).result() == "rescheduled"
    assert len([run for run in _runs(name) if run.created >= began]) == 2
    assert _record_deadline(session, case.complaint_id).check_flow_run_id == str(successor.id)

    manual_clock.set(deadline.due_at + timedelta(minutes=1))
    assert _run(successor.id).result() == "breached"
    assert _record_deadline(session, case.complaint_id).status is DeadlineStatus.breached
