"""Art. 7 and Art. 2(1) by one sweep: the `deadline-sweep` deployment runs every minute, reads
the limits past their warning or due time from the app database, warns, records each breach at
its due time, reports it, and tags the complaint's run ``overdue``. No run is scheduled per
deadline. The system's clock is a manual one: a 24-hour limit passes in milliseconds."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import pytest
from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from prefect.client.schemas.objects import State
from prefect.deployments import run_deployment
from sqlalchemy import select

from deployments import register
from flows.deadline_sweep import deadline_sweep
from flows.reconcile import reconcile
from models import ComplaintEvent, Deadline
from models.clock import ManualClock
from orchestration.names import SWEEP_FLOW
from policy.enums import DeadlineKind, DeadlineStatus
from tasks.deadlines import UPCOMING_KEY
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, number_references_from, start_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")

SWEEP_DEPLOYMENT = f"{SWEEP_FLOW}/{SWEEP_FLOW}"


def _record_deadline(session, complaint_id: int) -> Deadline:  # type: ignore[no-untyped-def]
    session.commit()
    session.expire_all()
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint_id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()


def _sweep_run() -> tuple[str, State, list[str]]:
    """A run of the deployment, executed here as a worker would: its name, final state and
    tags."""
    run = run_deployment(SWEEP_DEPLOYMENT, timeout=0, as_subflow=False)
    state = execute(deadline_sweep, run.id)
    with get_client(sync_client=True) as client:
        after = client.read_flow_run(run.id)
    return after.name, state, after.tags


def _tags(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).tags


def test_the_sweep_deployment_runs_every_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    # The automations (zombie guard, failure alert) would act on the other tests' runs on this
    # shared server; they are registered and tested with the live system.
    monkeypatch.setattr(register, "apply_automations", lambda **_: None)
    register.register_deployments()
    with get_client(sync_client=True) as client:
        [schedule] = client.read_deployment_by_name(SWEEP_DEPLOYMENT).schedules
    assert schedule.active and schedule.schedule.interval == timedelta(seconds=60)


def test_a_sweep_warns_then_records_the_breach_at_its_due_time_and_tags_the_run_overdue(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    staff = add_staff(session)
    number_references_from(session, settings, 7300)
    case = start_complaint(session, settings, staff.owner)
    assert case.reference.endswith("-7301")
    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.warn_at is not None
    # No run is scheduled per deadline any more.
    with get_client(sync_client=True) as client:
        per_deadline = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(like_=f"deadline-{case.reference}-")
            )
        )
    assert per_deadline == []

    manual_clock.set(deadline.warn_at + timedelta(seconds=1))
    name, warned, tags = _sweep_run()
    assert re.fullmatch(r"deadline-sweep-\d{4}-\d\d-\d\dT\d\d:\d\d", name)
    assert warned.name == "已预警 1，已超时 0" and "outcome:warned" in tags
    # A worker that was down: the next sweep comes hours after the due time.
    manual_clock.set(deadline.due_at + timedelta(hours=3))
    _, breached, tags = _sweep_run()
    assert breached.name == "已预警 0，已超时 1" and "outcome:breached" in tags
    assert "overdue" in _tags(case.run_id)
    _, idle, tags = _sweep_run()
    assert idle.name == "无到期" and not [t for t in tags if t.startswith("outcome:")]

    deadline = _record_deadline(session, case.complaint_id)
    assert deadline.status is DeadlineStatus.breached
    assert deadline.breached_at == deadline.due_at  # at the due time, not at detection
    assert deadline.responsible_user_id == staff.owner.id
    counts = case.notifications()
    assert counts["record_warning"] == 1 and counts["record_breach"] == 1
    assert sum("owner@staff.test" in m.recipients for m in mail.messages) == 1
    assert sum("manager@staff.test" in m.recipients for m in mail.messages) == 2  # intake too
    kinds = session.scalars(
        select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == case.complaint_id)
    ).all()
    assert kinds.count("deadline_breached") == 1 and kinds.count("deadline_warning") == 1

    # Ops see the limits still ahead (the promised reply time), without customer data:
    # reconciliation publishes the list, so that a sweep that finds nothing costs one task run.
    reconcile()
    upcoming = Artifact.get(UPCOMING_KEY)
    assert upcoming is not None and case.reference in str(upcoming.data)
    assert "承诺回复时间" in str(upcoming.data)
    for personal in ("张三", "13800001234", "customer@example.test"):
        assert personal not in str(upcoming.data) and personal not in (breached.message or "")
