"""Prefect's database stays small: housekeeping removes from the Prefect server the runs of
complaints archived longer ago than the retention (90 days by default), with their task runs,
logs and artifacts, and finished runs of the system's flows; a complaint still open, or
archived recently, keeps its run. The app database is only read. The system's clock is a
manual one: 95 days pass in a moment."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from sqlalchemy import func, select

from flows.deadline_sweep import deadline_sweep
from flows.housekeeping import prefect_housekeeping
from flows.reconcile import reconcile
from models import Complaint, ComplaintEvent, Deadline, Notification
from models.clock import ManualClock
from orchestration.names import SWEEP_FLOW
from policy.enums import Stage
from services.steps import assign, record_feedback, record_handling, submit_written_record
from tasks.deadlines import UPCOMING_KEY
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import RunningComplaint, Staff, add_staff, start_complaint
from tests.support.processes import wait_until

pytestmark = pytest.mark.usefixtures("prefect_server")


def _archived(session, settings, staff: Staff) -> RunningComplaint:  # type: ignore[no-untyped-def]
    case = start_complaint(session, settings, staff.owner)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(assign, actor=staff.manager, handler="handler")
    case.act(record_handling, actor=staff.handler, founded=True, evidence="核实", solution="办理")
    case.act(record_feedback, actor=staff.owner, satisfied=True, comment="")
    assert case.complaint.stage is Stage.archived
    return case


def _exists(run_id: UUID) -> bool:
    with get_client(sync_client=True) as client:
        try:
            client.read_flow_run(run_id)
        except ObjectNotFound:
            return False
    return True


def _task_runs_and_logs(run_id: UUID) -> tuple[int, int]:
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run_id]))
        )
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return len(tasks), len(logs)


def _artifacts_of(run_id: UUID) -> list[str | None]:
    """The keys of the run's artifacts (references repeat across test databases: not the key)."""
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return [artifact.key for artifact in artifacts]


def _app_database(session) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    session.commit()
    return tuple(
        session.scalar(select(func.count()).select_from(table))
        for table in (Complaint, ComplaintEvent, Deadline, Notification)
    )


def test_housekeeping_removes_the_runs_of_complaints_archived_long_ago_and_keeps_the_rest(
    session, settings, mail, manual_clock: ManualClock
) -> None:
    staff = add_staff(session)
    old = _archived(session, settings, staff)
    assert _task_runs_and_logs(old.run_id)[0] > 0
    manual_clock.advance(timedelta(days=60))
    recent = _archived(session, settings, staff)
    still_open = start_complaint(session, settings, staff.owner)
    sweep = run_deployment(f"{SWEEP_FLOW}/{SWEEP_FLOW}", timeout=0, as_subflow=False)
    execute(deadline_sweep, sweep.id)
    reconcile()  # publishes the upcoming limits
    assert Artifact.get(UPCOMING_KEY) is not None
    manual_clock.advance(timedelta(days=35))  # the old one archived 95 days ago, the recent 35
    app_before = _app_database(session)

    done = prefect_housekeeping(return_state=True)

    assert done.is_completed() and done.name == "已清理"
    assert not _exists(old.run_id)
    # Its task runs go with it (the database cascades), its logs soon after (the server
    # deletes them in the background), and its timeline artifact.
    wait_until(lambda: _task_runs_and_logs(old.run_id) == (0, 0), 30, "the old run's logs")
    assert _artifacts_of(old.run_id) == []
    for kept in (recent, still_open):
        assert _exists(kept.run_id)
        assert f"complaint-{kept.reference.lower()}" in _artifacts_of(kept.run_id)
    # Finished sweep and reconcile runs older than their retention go; the latest version of
    # the list ops read stays.
    assert not _exists(sweep.id)
    assert Artifact.get(UPCOMING_KEY) is not None
    # The app database, the system of record, is untouched.
    assert _app_database(session) == app_before
    again = prefect_housekeeping(return_state=True)
    assert again.is_completed() and _exists(recent.run_id) and _exists(still_open.run_id)
