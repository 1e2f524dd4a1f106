"""What ops read in the Prefect UI: where each complaint waits and for whom (tags, the
suspended state's message, one log line per business event), the masked timeline of each
complaint in Chinese, one key per complaint, a new version only when something happened."""

from __future__ import annotations

import json
import re
import socket
from datetime import timedelta

import pytest
from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    LogFilter,
    LogFilterFlowRunId,
)
from sqlalchemy import select

from deployments.register import ensure_work_pool
from flows.complaint_lifecycle import complaint_lifecycle
from flows.reconcile import reconcile
from models import Deadline, Notification
from models.db import utcnow
from orchestration.names import WORK_POOL, WORK_POOL_DESCRIPTION, worker_command
from orchestration.runs import resume_for_step
from policy.enums import DeadlineKind, NotificationStatus
from services.steps import assign, submit_written_record
from tasks.reconcile import publish_failed_notifications
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, start_complaint
from tests.support.processes import wait_until

pytestmark = pytest.mark.usefixtures("prefect_server")


def _timelines(case) -> list[str]:  # type: ignore[no-untyped-def]
    key = f"complaint-{case.reference.lower()}"
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[case.run_id]),
            )
        )
    return [str(artifact.data) for artifact in found]


def _run(case):  # type: ignore[no-untyped-def]
    with get_client(sync_client=True) as client:
        return client.read_flow_run(case.run_id)


def _log_lines(case, *, containing: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The run's log lines (flow and task runs) with ``containing``, once they reached the
    server (logs are sent in the background)."""

    def lines() -> list[str]:
        with get_client(sync_client=True) as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[case.run_id]))
            )
        return [log.message for log in logs if containing in log.message]

    return wait_until(lines, 30, f"a log line with {containing!r}")  # type: ignore[no-any-return]


def test_a_suspended_run_says_which_step_it_waits_for_whom_until_when_and_if_overdue(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    run = _run(case)
    assert "step:written_record" in run.tags and "overdue" not in run.tags
    message = run.state.message
    assert "提交文字记录" in message and "owner" in message and "期限" in message
    assert case.reference in message and "张三" not in message and "13800001234" not in message

    case.act(submit_written_record, actor=staff.owner, text="客户来电，已致歉")
    run = _run(case)
    assert "step:assignment" in run.tags and "step:written_record" not in run.tags
    assert "部门经理安排跟进或移交" in run.state.message and "manager" in run.state.message
    # The business event, with the reference and who acted, in the run's log (Art. 2(5): no
    # text of the record).
    (told,) = _log_lines(case, containing="提交文字记录；")
    assert told.startswith(f"{case.reference}: owner 提交文字记录") and "致歉" not in told

    # The manager's limit passes: the next time the run waits (here after an input the rules
    # refused), it is tagged overdue and its message says so.
    assignment = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == case.complaint_id, Deadline.kind == DeadlineKind.assignment
        )
    ).one()
    assignment.due_at = utcnow() - timedelta(hours=1)
    session.commit()
    resume_for_step(case.run_id, {"operator": "owner"})
    case.state = execute(complaint_lifecycle, case.run_id)
    run = _run(case)
    assert run.state.is_paused() and {"step:assignment", "overdue"} <= set(run.tags)
    assert "已超时" in run.state.message

    # Assigned late: the step's limit is met, the run waits for handling and is no longer
    # overdue; the log says who was decided what.
    case.act(assign, actor=staff.manager, handler="handler")
    run = _run(case)
    assert "step:handling" in run.tags and "overdue" not in run.tags
    assert "step:assignment" not in run.tags and "核实与处理" in run.state.message
    assert _log_lines(case, containing=f"{case.reference}: manager 安排跟进人员")


def test_the_timeline_is_in_chinese_and_published_again_only_when_it_changed(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    (first,) = _timelines(case)
    assert "电话投诉" in first and "受理登记" in first and "待提交文字记录" in first
    for code in ("phone", "| received", "awaiting_written_record", "True", "None"):
        assert code not in first
    assert "张三" not in first and "13800001234" not in first

    # An execution that changes nothing (an input the rules refuse) publishes nothing new.
    resume_for_step(case.run_id, {"operator": "handler", "text": "代为提交"})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert len(_timelines(case)) == 1

    case.act(submit_written_record, actor=staff.owner, text="客户来电，已致歉")
    latest = _timelines(case)
    assert len(latest) == 2
    assert any("提交文字记录" in text and "owner" in text for text in latest)


def test_failed_notices_are_listed_in_chinese_and_none_is_said_in_a_sentence(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    acknowledgement = session.scalars(
        select(Notification).where(
            Notification.complaint_id == case.complaint_id,
            Notification.kind == "acknowledgement",
        )
    ).one()
    acknowledgement.status = NotificationStatus.failed
    session.commit()
    assert publish_failed_notifications() == 1
    table = Artifact.get("failed-notifications")
    assert table is not None and table.type == "table"
    (row,) = json.loads(str(table.data))
    assert row["通知类型"] == "受理回执" and row["投诉编号"] == case.reference
    assert set(row) == {"通知编号", "通知类型", "投诉编号", "尝试次数", "生成时间"}

    acknowledgement.status = NotificationStatus.sent
    session.commit()
    assert publish_failed_notifications() == 0
    sentence = Artifact.get("failed-notifications")
    assert sentence is not None and sentence.data == "没有发送失败的通知。"


def test_reconciliation_publishes_where_complaints_wait_and_what_is_overdue(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    record = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == case.complaint_id, Deadline.kind == DeadlineKind.written_record
        )
    ).one()
    record.due_at = utcnow() - timedelta(hours=1)
    session.commit()

    summary = reconcile()

    assert summary["overdue"] >= 1
    artifact = Artifact.get("ops-summary")
    assert artifact is not None and artifact.type == "markdown"
    text = str(artifact.data)
    assert "待提交文字记录" in text and case.reference in text and staff.owner.username in text
    assert "张三" not in text and "13800001234" not in text  # Art. 2(5)


def test_reconciliation_runs_are_named_by_their_time(session, settings, mail) -> None:
    state = reconcile(return_state=True)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert re.fullmatch(r"reconcile-\d{4}-\d\d-\d\dT\d\d:\d\d", run.name)


def test_the_work_pool_is_described_and_workers_are_named_after_their_host() -> None:
    ensure_work_pool()
    ensure_work_pool()  # again, as on every start: the pool keeps its description
    with get_client(sync_client=True) as client:
        pool = client.read_work_pool(WORK_POOL)
    assert pool.description == WORK_POOL_DESCRIPTION and "投诉" in pool.description
    command = worker_command("prefect")
    assert command[command.index("--name") + 1] == f"complaints-worker-{socket.gethostname()}"
