"""Art. 7 time limits as durable timers: the deadline-check runs the Prefect server holds for
the warning and the due time (COMPLAINTS_RECORD_DEADLINE=10s here, 24h in production)."""

from __future__ import annotations

import time
from datetime import datetime
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from sqlalchemy import select

from complaints.settings import get_settings
from flows.deadline_check import deadline_check
from models import ComplaintEvent, Deadline
from models.db import utcnow
from models.steps import submit_written_record
from policy.enums import DeadlineKind, DeadlineStatus
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, start_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def short_record_deadline(settings, mail, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COMPLAINTS_RECORD_DEADLINE", "10s")
    get_settings.cache_clear()
    return get_settings()


def _record_deadline(session, complaint_id: int) -> Deadline:
    session.commit()
    session.expire_all()
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint_id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()


def _scheduled_check(name: str) -> UUID:
    """The newest scheduled run of that name (references repeat across test databases)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]))
        )
    run = max(runs, key=lambda candidate: candidate.created)
    assert run.state is not None and run.state.is_scheduled()
    return run.id


def _tags(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).tags


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()) + 0.2)


def test_phone_complaint_without_written_record_warns_owner_then_escalates_to_superior(
    session, short_record_deadline, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, short_record_deadline, staff.owner)
    deadline = _record_deadline(session, case.complaint_id)
    name = f"deadline-{case.reference}-written_record-1"
    warn_run, breach_run = _scheduled_check(f"{name}-warn"), _scheduled_check(name)
    assert str(breach_run) == deadline.check_flow_run_id

    _sleep_until(deadline.warn_at)
    assert execute(deadline_check, warn_run).result() == "warned"
    _sleep_until(deadline.due_at)
    breach = execute(deadline_check, breach_run)
    assert breach.result() == "breached"
    # Ops read what the check found in the Prefect UI, with no customer data.
    assert breach.name == "已超时"
    assert case.reference in breach.message and "owner" in breach.message
    assert "张三" not in breach.message and "138" not in breach.message
    assert "outcome:breached" in _tags(breach_run)
    # Checking again (a late or repeated run) changes nothing and tells no one twice.
    assert deadline_check(deadline.id, "breach") == "none"

    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.status is DeadlineStatus.breached
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
    session, short_record_deadline, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, short_record_deadline, staff.owner)
    case.act(submit_written_record, actor=staff.owner, text="及时记录")
    deadline = _record_deadline(session, case.complaint_id)
    name = f"deadline-{case.reference}-written_record-1"
    warn_run, breach_run = _scheduled_check(f"{name}-warn"), _scheduled_check(name)
    _sleep_until(deadline.due_at)
    assert execute(deadline_check, warn_run).result() == "none"
    met = execute(deadline_check, breach_run)
    assert met.result() == "none"
    assert met.name == "按时完成" and "outcome:met" in _tags(breach_run)
    assert _record_deadline(session, case.complaint_id).status is DeadlineStatus.met
    assert "record_breach" not in case.notifications()


def test_a_check_run_started_before_its_time_waits_and_records_the_breach(
    session, short_record_deadline, mail
) -> None:
    """A worker submits scheduled runs ahead of their time: the check waits for the due time
    instead of finding the deadline not yet due and doing nothing for good."""
    staff = add_staff(session)
    case = start_complaint(session, short_record_deadline, staff.owner)
    deadline = _record_deadline(session, case.complaint_id)
    name = f"deadline-{case.reference}-written_record-1"
    warn_run, breach_run = _scheduled_check(f"{name}-warn"), _scheduled_check(name)
    assert utcnow() < deadline.warn_at  # both runs start early
    assert execute(deadline_check, warn_run).result() == "warned"
    assert utcnow() >= deadline.warn_at
    assert execute(deadline_check, breach_run).result() == "breached"

    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.status is DeadlineStatus.breached
    assert deadline.breached_at == deadline.due_at
    counts = case.notifications()
    assert counts["record_warning"] == 1 and counts["record_breach"] == 1
