"""No complaint lost (docs/architecture.md): reconciliation makes the process match the app
database, and doing it twice changes nothing more."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.states import Crashed, Failed, Pending, Scheduled, Submitting
from sqlalchemy import func, select, update

from config.settings import get_settings
from deployments.register import ENTRYPOINTS, PROJECT_ROOT
from flows.complaint_lifecycle import complaint_lifecycle
from flows.reconcile import reconcile
from models import Complaint, Deadline, Document, Notification
from models.db import utcnow
from orchestration.names import (
    HOUSEKEEPING_FLOW,
    MONITOR_FLOW,
    RECONCILE_FLOW,
    RETENTION_FLOW,
    SWEEP_FLOW,
)
from orchestration.runs import CRASH_SETTLE, start_lifecycle_run
from policy.enums import DeadlineKind, DeadlineStatus, NotificationStatus, Stage
from services.closure import close_complaint
from services.outbox import mark_for_resend
from services.steps import submit_written_record
from tasks.reconcile import requeue_crashed_runs
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, schedule_checks_as_before, start_complaint
from tests.models.factories import make_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_complaint_saved_without_a_run_gets_exactly_one(session, settings, mail) -> None:
    staff = add_staff(session)
    complaint = make_complaint(session, settings, owner=staff.owner)
    session.commit()
    assert complaint.flow_run_id is None
    first, second = reconcile(), reconcile()
    assert (first["started"], second["started"]) == (1, 0)
    session.expire_all()
    assert session.get_one(Complaint, complaint.id).flow_run_id is not None


def test_step_saved_while_the_run_was_not_suspended_is_woken(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    # The app saved the record, but its resume never reached Prefect.
    submit_written_record(
        session, complaint=case.complaint, actor=staff.owner, text="记录", now=utcnow()
    )
    session.commit()
    assert reconcile()["resumed"] == 1
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(case.run_id).state
    assert state is not None and state.is_scheduled()  # on its way to the next step
    assert reconcile()["resumed"] == 0


def test_a_complaint_closed_while_its_wake_was_lost_is_woken_and_archived(
    session, settings, mail
) -> None:
    """Process version 3: the closure was saved, but waking the run never reached Prefect;
    reconciliation wakes it at the step it waits for, and the run goes on to the archive."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    close_complaint(
        session,
        complaint=case.complaint,
        actor=staff.leader,
        reason="withdrawn",
        note="客户来电撤回",
        withdrawal_method="phone",
        now=utcnow(),
    )
    session.commit()
    assert reconcile()["resumed"] == 1
    case.state = execute(complaint_lifecycle, case.run_id)
    assert case.state.is_completed(), case.state
    assert case.complaint.stage is Stage.archived
    assert case.notifications()["closure"] == 1
    assert reconcile()["resumed"] == 0


def test_a_run_that_archived_its_complaint_and_died_before_reporting_is_requeued_and_ends(
    session, settings, mail
) -> None:
    """The execution archived the complaint, then its process was killed before it told
    Prefect (a worker killed under it): the zombie guard marks the run Crashed. Reconciliation
    re-queues it though the complaint is archived; the re-execution passes every step from
    the database and completes, sending nothing and writing no form again."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    close_complaint(
        session,
        complaint=case.complaint,
        actor=staff.leader,
        reason="withdrawn",
        note="客户来电撤回",
        withdrawal_method="phone",
        now=utcnow(),
    )
    session.commit()
    reconcile()
    assert execute(complaint_lifecycle, case.run_id).is_completed()
    assert case.complaint.stage is Stage.archived
    sent = case.notifications()
    forms = session.scalar(
        select(func.count()).select_from(Document).where(Document.complaint_id == case.complaint_id)
    )
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(case.run_id, Crashed(message="heartbeats stopped"), force=True)

    # Once the crash has settled (CRASH_SETTLE), as the next reconciliation finds it.
    assert requeue_crashed_runs(now=utcnow() + CRASH_SETTLE + timedelta(seconds=1)) >= 1
    assert _state(case.run_id).name == "AwaitingRetry"
    assert execute(complaint_lifecycle, case.run_id).is_completed()
    assert case.notifications() == sent
    assert (
        session.scalar(
            select(func.count())
            .select_from(Document)
            .where(Document.complaint_id == case.complaint_id)
        )
        == forms
    )
    assert reconcile()["requeued"] == 0


def test_notification_marked_for_resending_goes_out_once(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    acknowledgement = session.scalars(
        select(Notification).where(
            Notification.complaint_id == case.complaint_id,
            Notification.kind == "acknowledgement",
        )
    ).one()
    # It failed for good earlier; an operator asks for it to be sent again.
    session.execute(
        update(Notification)
        .where(Notification.id == acknowledgement.id)
        .values(status=NotificationStatus.failed, created_at=utcnow() - timedelta(hours=1))
    )
    session.commit()
    assert reconcile()["notifications_failed"] == 1
    mark_for_resend(session, acknowledgement.id)
    session.commit()
    mail.messages.clear()
    first, second = reconcile(), reconcile()
    assert (first["notifications_sent"], second["notifications_sent"]) == (1, 0)
    assert [m.recipients for m in mail.messages] == [["customer@example.test"]]


def test_a_breach_whose_check_never_recorded_it_is_recorded_and_reported_once(
    session, settings, mail
) -> None:
    """Art. 7: the check ran too early (or failed, or was cancelled) and no later one exists."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    record = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == case.complaint_id,
            Deadline.kind == DeadlineKind.written_record,
        )
    ).one()
    due = utcnow() - timedelta(minutes=10)
    record.due_at, record.warn_at = due, due - timedelta(hours=6)
    session.commit()
    mail.messages.clear()

    first, second = reconcile(), reconcile()
    assert (first["breaches_recorded"], second["breaches_recorded"]) == (1, 0)
    session.refresh(record)
    assert record.status is DeadlineStatus.breached and record.breached_at == due
    assert case.notifications()["record_breach"] == 1
    assert [m.recipients for m in mail.messages] == [["manager@staff.test"]]


def test_checks_of_a_deadline_met_early_are_cancelled(session, settings, mail) -> None:
    """Check runs scheduled before the deadline sweep drain away: those of a limit met before
    its time are cancelled, those of a limit still open stay."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    checks: dict[DeadlineKind, tuple[UUID, UUID]] = {}
    for deadline in session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == case.complaint_id, Deadline.status == DeadlineStatus.open
        )
    ):
        checks[deadline.kind] = schedule_checks_as_before(deadline, case.reference)
        deadline.check_flow_run_id = str(checks[deadline.kind][1])
    session.commit()
    record_checks = checks[DeadlineKind.written_record]
    assert {_state_of(run).type for run in record_checks} == {StateType.SCHEDULED}
    case.act(submit_written_record, actor=staff.owner, text="及时记录")

    first, second = reconcile(), reconcile()
    assert (first["checks_cancelled"], second["checks_cancelled"]) == (2, 0)
    assert {_state_of(run).type for run in record_checks} == {StateType.CANCELLED}
    # Still open: still watched.
    assert _state_of(checks[DeadlineKind.reply][1]).type is StateType.SCHEDULED


def _state_of(run_id: UUID):  # type: ignore[no-untyped-def]
    """By id: run names repeat across the tests' databases on the shared server."""
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    assert state is not None
    return state


def _run_in(session, settings, staff, state) -> UUID:  # type: ignore[no-untyped-def]
    """A complaint whose run a worker left in ``state`` (no process executes it)."""
    complaint = make_complaint(session, settings, owner=staff.owner)
    run_id = start_lifecycle_run(
        complaint_id=complaint.id,
        reference=complaint.reference,
        created_at=complaint.created_at,
        tags=["complaint"],
    )
    complaint.flow_run_id = str(run_id)
    session.commit()
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run_id, state, force=True)
    return run_id


def _state(run_id: UUID):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state


def test_runs_left_pending_submitting_or_late_by_a_dead_worker_are_requeued_once(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    after = get_settings().stuck_run_after
    began = utcnow()
    pending = _run_in(session, settings, staff, Pending())
    submitting = _run_in(session, settings, staff, Submitting())
    late = _run_in(session, settings, staff, Scheduled(scheduled_time=began - after / 4))
    on_time = _run_in(
        session, settings, staff, Scheduled(scheduled_time=began + timedelta(seconds=30))
    )
    now = utcnow()

    # Within the threshold a worker may still be starting them: nothing happens.
    requeue_crashed_runs(now=now + after / 2)
    assert _state(pending).name == "Pending" and _state(submitting).name == "Submitting"
    assert _state(late).name == "Scheduled" and _state(on_time).name == "Scheduled"

    later = now + after + timedelta(seconds=1)
    assert requeue_crashed_runs(now=later) >= 3
    for run_id in (pending, submitting, late):
        state = _state(run_id)
        assert state.name == "AwaitingRetry" and state.is_scheduled()
        assert state.message.startswith("re-queued by reconciliation: ")
    assert _state(on_time).name == "Scheduled"  # late, but by less than the threshold
    assert "Submitting since" in _state(submitting).message

    # Exactly once: the re-queued runs are now due, not stuck.
    with get_client(sync_client=True) as client:
        before = {r: client.read_flow_run(r).state_id for r in (pending, submitting, late)}
    requeue_crashed_runs(now=later)
    with get_client(sync_client=True) as client:
        assert {r: client.read_flow_run(r).state_id for r in before} == before


def test_a_run_that_crashed_moments_ago_is_left_for_its_worker_to_finish_reporting(
    session, settings, mail
) -> None:
    """A worker reports a crash a second time, up to a second or so after the first; a
    re-queue in between would be undone. A crash is re-queued once it has settled."""
    staff = add_staff(session)
    crashed = _run_in(session, settings, staff, Crashed())
    since = _state(crashed).timestamp
    requeue_crashed_runs(now=since + CRASH_SETTLE / 2)
    assert _state(crashed).name == "Crashed"
    requeue_crashed_runs(now=since + CRASH_SETTLE + timedelta(seconds=1))
    assert _state(crashed).name == "AwaitingRetry"


@pytest.mark.parametrize(
    "flow_name", [SWEEP_FLOW, RECONCILE_FLOW, MONITOR_FLOW, HOUSEKEEPING_FLOW, RETENTION_FLOW]
)
def test_a_system_run_killed_with_its_worker_is_requeued_not_left_crashed(
    flow_name: str, session, settings, mail
) -> None:
    """A worker killed while a sweep (or reconciliation, monitoring, housekeeping, retention)
    ran leaves that run Crashed. The next run covers what it would have done, but a Crashed run
    stays in ops' view and in the failure counts: reconciliation re-queues it, and running it
    again decides nothing twice (each of them writes by conditional updates or once per key).
    A run that Failed (an error in it) is left for ops."""
    flow = Flow.from_source(source=str(PROJECT_ROOT), entrypoint=ENTRYPOINTS[flow_name])
    flow.to_deployment(name=flow_name).apply()  # no schedule, no work pool: only these runs
    crashed, failed = (run_deployment(f"{flow_name}/{flow_name}", timeout=0).id for _ in range(2))
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(crashed, Crashed(message="worker killed"), force=True)
        client.set_flow_run_state(failed, Failed(message="an error"), force=True)

    requeue_crashed_runs(now=utcnow() + get_settings().stuck_run_after)
    assert _state(crashed).name == "AwaitingRetry"
    assert _state(failed).name == "Failed"
