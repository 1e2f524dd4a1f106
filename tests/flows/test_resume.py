"""A resumed run re-executes from the top: what one execution does must not grow with
the case. It reads the app database once, passes the steps taken before without a task run
each, leaves alone what an earlier execution settled (notices, tags, timers, forms of earlier
steps), reads the awaited step fresh before it suspends, and does only what is new."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from sqlalchemy import select

from flows.complaint_lifecycle import complaint_lifecycle
from models import Document, Notification
from models.db import utcnow
from orchestration.runs import start_lifecycle_run
from policy.enums import Channel, Stage
from policy.lifecycle import Step
from services.channels import record_regulator_reply
from services.intake import register_complaint
from services.progress import outcome_key, step_outcome, step_outcomes
from services.steps import (
    assign,
    decide_major,
    give_leadership_instruction,
    record_feedback,
    record_handling,
    review_handling,
    submit_written_record,
)
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, start_complaint
from tests.models.factories import sample_intake
from tests.support.processes import wait_until

pytestmark = pytest.mark.usefixtures("prefect_server")

# The most task runs a resume may take: the read, the new step's form, at most one notice
# (queued and sent), the tags, the fresh read of the awaited step, the timeline, the wait's
# tags and message.
RESUME_BOUND = 9


def _task_names(run_id: UUID) -> list[str]:
    """The run's task runs by name, in the order they were created (their ids are UUIDv7)."""
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200
        )
    return [run.name for run in sorted(runs, key=lambda run: run.id.int)]


def _executions(run_id: UUID, count: int) -> list[list[str]]:
    """The task runs of each execution: each one starts with its single read-progress."""
    seen: list[list[str]] = []

    def settled() -> bool:  # task runs reach the server as events, a moment after they ran
        names = _task_names(run_id)
        done = sum(name.startswith("read-progress") for name in names) == count
        stable = names == (seen[-1] if seen else None)
        seen.append(names)
        return done and stable

    wait_until(settled, 60, f"the task runs of {count} executions", every=1.5)
    executions: list[list[str]] = []
    for name in seen[-1]:
        if name.startswith("read-progress"):
            executions.append([])
        executions[-1].append(name.rsplit("-", 1)[0])
    return executions


def _tags(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).tags


def test_each_resume_runs_a_bounded_number_of_tasks_however_far_the_case_went(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.regulator_transfer)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(
        assign,
        actor=staff.manager,
        handler="handler",
    )
    case.act(
        decide_major,
        actor=staff.manager,
        major=True,
        reason="监管转办",
    )
    # The decision is passed again on the next resume: its tag reaches the run.
    assert "major:yes" in _tags(case.run_id)
    case.act(give_leadership_instruction, actor=staff.leader, instruction="核实后报方案")
    for approved in (False, True):
        case.act(
            record_handling,
            actor=staff.handler,
            founded=True,
            evidence="核实属实",
            solution="方案",
        )
        case.act(
            review_handling,
            actor=staff.leader,
            approved=approved,
            comment="同意" if approved else "方案需重新评估",
        )
    case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=False,
        comment="仍不满意",
    )
    case.act(
        record_handling,
        actor=staff.handler,
        founded=True,
        evidence="再次核实",
        solution="补充方案",
    )
    case.act(
        review_handling,
        actor=staff.leader,
        approved=True,
        comment="",
    )
    # Art. 3: the reply to the regulator, recorded beside the steps (no resume of its own).
    record_regulator_reply(
        session,
        complaint=case.complaint,
        actor=staff.owner,
        method="书面函件",
        note="已函复",
        now=utcnow(),
    )
    session.commit()
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed() and case.complaint.stage is Stage.archived
    # Nothing happened twice over thirteen executions.
    assert case.notifications() == {
        "acknowledgement": 1,
        "new_complaint": 1,
        "major_case": 1,
        "progress": 2,  # Art. 2(4): the assignment and the major decision, told once each
        "result": 2,
        "closure": 1,
    }

    executions = _executions(case.run_id, 13)
    # The resume after the written record, as the benchmark measures it (the limit the record
    # started is a row the deadline sweep checks: nothing to schedule).
    assert executions[1] == [
        "read-progress",
        "handling-form-at",
        "read-wait",  # version 3: the step's outcome and a closure, in one read
        "publish-timeline",
        "mark-waiting",
    ]
    for number, names in enumerate(executions[1:], start=1):
        assert len(names) <= RESUME_BOUND, (number, names)
        assert names.count("read-wait") <= 1, (number, names)
        assert names.count("handling-form-at") <= 2, (number, names)  # the step's, the archive's
    # A step late in the case costs what the same step cost early: handling in the third round
    # as in the first, the approval of the third round's handling as that of the second.
    assert executions[10] == executions[5]
    assert executions[11] == executions[8]


def test_one_read_gives_every_decision_taken_with_transfers_and_rounds(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.sales_manager)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(
        assign,
        actor=staff.manager,
        transfer_to_department="general_management",
        reason="涉及网站系统问题",
    )
    # The transfer changed the department: the run's tags follow it.
    assert "department:general_management" in _tags(case.run_id)
    gm = staff.other_manager
    case.act(assign, actor=gm, handler="manager_gm")
    case.act(
        record_handling,
        actor=gm,
        founded=False,
        evidence="系统日志正常",
        solution="解释说明",
    )
    case.fresh()
    outcomes = step_outcomes(session, case.complaint_id)
    assert set(outcomes) == {
        "written_record-1",
        "assignment-1",
        "assignment-2",
        "handling-1",
    }
    assert outcomes["assignment-1"]["transfer_to"] == "general_management"
    assert outcomes["assignment-2"]["transfer_to"] is None
    assert outcomes["handling-1"] == {"founded": False}
    # A step not taken yet is awaited: no decision for it.
    assert step_outcome(session, complaint_id=case.complaint_id, step=Step.feedback) is None
    assert (
        step_outcome(session, complaint_id=case.complaint_id, step=Step.assignment, number=2)
        == outcomes[outcome_key(Step.assignment, 2)]
    )


def test_a_run_started_after_the_first_step_still_sends_the_manager_the_form(
    session, settings, mail
) -> None:
    """Reconciliation may start a run late, after staff took the first step: the intake form is
    then deferred to that step's, yet the notice to the manager carries a form, which the flow
    asks for before it queues the notice (queueing a notice writes no form)."""
    staff = add_staff(session)
    now = utcnow()
    complaint = register_complaint(
        session,
        intake=sample_intake(
            customer_email="customer@example.test",
            received_at=now,
            promised_reply_at=now + timedelta(days=15),
        ),
        owner=staff.owner,
        now=now,
        settings=settings,
    )
    session.commit()
    submit_written_record(session, complaint=complaint, actor=staff.owner, now=now, text="记录")
    session.commit()
    run_id = start_lifecycle_run(
        complaint_id=complaint.id,
        reference=complaint.reference,
        created_at=complaint.created_at,
        tags=["complaint"],
    )

    execute(complaint_lifecycle, run_id)

    session.expire_all()
    notice = session.scalars(
        select(Notification).where(
            Notification.complaint_id == complaint.id, Notification.kind == "new_complaint"
        )
    ).one()
    form = session.get_one(Document, notice.context["attach_document_id"])
    assert form.complaint_id == complaint.id and form.kind == "handling_form"
