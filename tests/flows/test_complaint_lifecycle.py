"""Each complaint is one durable Prefect flow run, against a real Prefect server,
a real SMTP server and both databases."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from flows.complaint_lifecycle import complaint_lifecycle
from models import Deadline, Document
from models.complaint import ComplaintEvent
from models.db import utcnow
from orchestration.runs import resume_for_step
from policy.enums import Channel, DeadlineKind, DeadlineStatus, Stage
from policy.lifecycle import Step
from services.channels import record_regulator_reply
from services.steps import (
    assign,
    decide_major,
    give_leadership_instruction,
    record_customer_confirmation,
    record_feedback,
    record_handling,
    review_handling,
    submit_written_record,
)
from tests.flows.conftest import execute
from tests.flows.lifecycle_driver import add_staff, start_complaint

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_new_complaint_reaches_its_first_wait_suspended(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    assert case.state.is_paused() and case.state.name == "Suspended"
    assert case.complaint.stage is Stage.awaiting_written_record
    # Art. 2(1): the customer is acknowledged and the manager has the complaint, at once.
    assert case.notifications() == {"acknowledgement": 1, "new_complaint": 1}
    assert {tuple(m.recipients) for m in mail.messages} == {
        ("customer@example.test",),
        ("manager@staff.test",),
    }


def test_resumed_run_goes_on_without_repeating_earlier_side_effects(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    case.act(submit_written_record, actor=staff.owner, text="已致歉并记录")
    assert case.complaint.stage is Stage.awaiting_assignment
    case.act(
        assign,
        actor=staff.manager,
        handler="handler",
    )
    assert case.state.is_paused()
    assert case.complaint.stage is Stage.awaiting_handling
    # Three executions so far; each side effect happened once, in the database and at SMTP.
    # The assignment's progress notice (Art. 2(4)) is queued; reconciliation sends it.
    assert case.notifications() == {"acknowledgement": 1, "new_complaint": 1, "progress": 1}
    assert len(mail.messages) == 2
    # The form is regenerated at each milestone (intake, record, assignment), never repeated.
    case.fresh()
    forms = session.scalars(select(Document).where(Document.complaint_id == case.complaint_id))
    assert [form.version for form in forms] == [1, 2, 3]


def test_phone_complaint_full_lifecycle_to_archive(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.phone)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(
        assign,
        actor=staff.manager,
        handler="handler",
    )
    case.act(
        record_handling,
        actor=staff.handler,
        founded=True,
        evidence="系统记录显示延迟",
        solution="加急办理并致歉",
    )
    assert case.complaint.stage is Stage.awaiting_feedback
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed()
    complaint = case.complaint
    assert complaint.stage is Stage.archived and complaint.archived_at is not None
    assert case.notifications() == {
        "acknowledgement": 1,
        "new_complaint": 1,
        "progress": 1,  # Art. 2(4): the assignment, told to the customer
        "result": 1,
        "closure": 1,
    }
    final = session.scalar(
        select(Document).where(Document.complaint_id == case.complaint_id, Document.final)
    )
    assert final is not None


def test_regulator_transfer_major_case_instructed_then_handled_sent_back_and_signed_off(
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
    # Art. 4(3): every regulator transfer gets an explicit major decision.
    assert case.complaint.stage is Stage.awaiting_major_decision
    case.act(
        decide_major,
        actor=staff.manager,
        major=True,
        reason="监管转办且客户表示将诉诸媒体",
    )
    assert case.notifications()["major_case"] == 1
    # Art. 4(3) 研究处理: leadership say how it is handled before anyone handles it.
    assert case.complaint.stage is Stage.awaiting_leadership_instruction
    assert case.pause_key() == "leadership-instruction-1-1"
    case.act(
        give_leadership_instruction,
        actor=staff.leader,
        instruction="核实后按合同补偿，三日内报结果",
        handler="owner",
        due_at=utcnow() + timedelta(days=3),
    )
    assert case.complaint.stage is Stage.awaiting_handling
    assert case.complaint.handler_id == staff.owner.id
    case.act(
        record_handling,
        actor=staff.owner,
        founded=True,
        evidence="核实属实",
        solution="方案一",
    )
    # Leadership sign off the handling before the customer hears it.
    assert case.complaint.stage is Stage.awaiting_leadership_review
    assert case.notifications().get("result") is None
    case.act(
        review_handling,
        actor=staff.leader,
        approved=False,
        comment="补偿方案需重新评估",
    )
    assert case.complaint.stage is Stage.awaiting_handling
    assert case.complaint.handling_round == 2
    case.act(
        record_handling,
        actor=staff.owner,
        founded=True,
        evidence="核实属实",
        solution="方案二",
    )
    case.act(
        review_handling,
        actor=staff.leader,
        approved=True,
        comment="",
    )
    # Art. 3: a regulator transfer closes once the reply to the regulator is recorded.
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
    assert state.is_completed()
    assert case.notifications()["result"] == 1  # told once, after the approved round


def test_unfounded_case_confirmed_and_dissatisfied_customer_reopens_once(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.onsite)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(
        assign,
        actor=staff.manager,
        handler="handler",
    )
    case.act(
        record_handling,
        actor=staff.handler,
        founded=False,
        evidence="录音显示已按流程办理",
        solution="向客户解释",
    )
    assert case.complaint.stage is Stage.awaiting_customer_confirmation
    case.act(
        record_customer_confirmation,
        actor=staff.owner,
        confirmed=True,
        note="",
    )
    case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=False,
        comment="仍不满意",
    )
    assert case.complaint.reopen_count == 1
    assert case.complaint.stage is Stage.awaiting_handling
    case.act(
        record_handling,
        actor=staff.handler,
        founded=True,
        evidence="再次核实",
        solution="补充说明并致歉",
    )
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed()
    assert case.notifications()["result"] == 2


def test_sales_manager_complaint_transferred_to_another_department_runs_to_archive(
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
    assert case.complaint.stage is Stage.awaiting_assignment
    assert case.complaint.department.code == "general_management"
    assert case.notifications()["transfer"] == 1
    assert any("manager_gm@staff.test" in m.recipients for m in mail.messages)
    # Art. 4(1): the receiving department arranges the follow-up and handles it.
    gm = staff.other_manager
    case.act(assign, actor=gm, handler="manager_gm")
    case.act(
        record_handling,
        actor=gm,
        founded=True,
        evidence="网站故障属实",
        solution="修复并致歉",
    )
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed() and case.complaint.stage is Stage.archived


def test_resolved_on_the_spot_still_gets_written_record_and_archive(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(
        session,
        settings,
        staff.owner,
        channel=Channel.onsite,
        resolved_on_the_spot=True,
        resolution="当场更正并致歉",
        promised_reply_at=None,
    )
    case.act(submit_written_record, actor=staff.owner, text="现场处理记录")
    case.act(assign, actor=staff.manager, handler="owner")
    assert case.complaint.stage is Stage.awaiting_feedback
    state = case.act(
        record_feedback,
        actor=staff.owner,
        satisfied=True,
        comment="",
    )
    assert state.is_completed() and case.complaint.stage is Stage.archived


def test_record_deadline_is_met_when_the_record_comes_in_time(session, settings, mail) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    deadline = session.scalar(
        select(Deadline).where(
            Deadline.complaint_id == case.complaint_id,
            Deadline.kind == DeadlineKind.written_record,
        )
    )
    assert deadline.status is DeadlineStatus.met
    # No check run per deadline: the deadline sweep reads the limits from the app database.
    assert deadline.check_flow_run_id is None


def test_prefect_ui_resume_form_is_validated_and_applied_with_the_step_rules(
    session, settings, mail
) -> None:
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner)
    # Input missing a required field is refused by the server; the run stays suspended.
    with pytest.raises(RuntimeError, match="operator"):
        resume_for_step(case.run_id, {})
    assert _pause_key(case) == "written-record-1-1"
    # Someone who may not take the step: refused by the same rules as the app; it waits again.
    resume_for_step(case.run_id, {"operator": "handler", "text": "代为提交"})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "written-record-1-2"
    assert case.complaint.stage is Stage.awaiting_written_record
    # The refusal is shown on the run's page, where the form was sent from.
    (refusal,) = _artifacts(case)
    assert "written_record" in refusal.description and "未被接受" in refusal.description
    # A name no user has: refused too.
    resume_for_step(case.run_id, {"operator": "nobody", "text": "冒名提交"})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "written-record-1-3"
    assert any("找不到操作人「nobody」" in a.description for a in _artifacts(case))
    # The owner, from the Prefect UI: the record is saved and the run goes on.
    resume_for_step(case.run_id, {"operator": "owner", "text": "经界面提交的文字记录"})
    case.state = execute(complaint_lifecycle, case.run_id)
    case.fresh()
    assert case.complaint.stage is Stage.awaiting_assignment
    assert _pause_key(case) == "assignment-1-1"
    # The complaint log says the step came through the Prefect UI, and from whom.
    (via_ui,) = session.scalars(
        select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == case.complaint_id,
            ComplaintEvent.kind == "step_via_prefect_ui",
        )
    ).all()
    assert via_ui.actor_id == staff.owner.id
    assert via_ui.data == {"step": "written_record", "operator": "owner"}


def _artifacts(case):  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[case.run_id]))
        )
    return [a for a in found if a.type == "markdown" and "未被接受" in (a.description or "")]


def _pause_key(case) -> str:  # type: ignore[no-untyped-def]
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(case.run_id).state
    assert state is not None and state.is_paused()
    return state.state_details.pause_key or ""


def test_leadership_give_their_instruction_in_the_prefect_ui_resume_form(
    session, settings, mail
) -> None:
    """The resume form of the wait for leadership's instruction is derived from the step's
    declaration and applied by the same service: a manager is refused, leadership's is taken."""
    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.regulator_transfer)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(assign, actor=staff.manager, handler="handler")
    case.act(decide_major, actor=staff.manager, major=True, reason="监管转办")
    assert _pause_key(case) == "leadership-instruction-1-1"
    resume_for_step(case.run_id, {"operator": "manager", "instruction": "经理代批"})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "leadership-instruction-1-2"
    assert any("公司领导研究处理" in a.description for a in _artifacts(case))
    due = (utcnow() + timedelta(days=7)).replace(tzinfo=None).isoformat(timespec="minutes")
    resume_for_step(
        case.run_id,
        {"operator": "leader", "instruction": "核实后报方案", "handler": "owner", "due_at": due},
    )
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "handling-1-1"
    complaint = case.complaint
    assert complaint.stage is Stage.awaiting_handling and complaint.handler_id == staff.owner.id


def test_an_input_the_rules_refuse_is_an_error_with_its_reason_and_the_run_waits_again(
    session, settings, mail
) -> None:
    """Leadership's review sent from the Prefect UI by a manager: the run's log has an ERROR
    with the reason, the suspended state's message says it, and the run waits at the same
    step; the form took the answer as its name (同意), not as a toggle."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from tests.support.processes import wait_until

    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.regulator_transfer)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(assign, actor=staff.manager, handler="handler")
    case.act(decide_major, actor=staff.manager, major=True, reason="监管转办")
    case.act(give_leadership_instruction, actor=staff.leader, instruction="核实后报方案")
    case.act(record_handling, actor=staff.handler, founded=True, evidence="属实", solution="退费")
    assert _pause_key(case) == "leadership-review-1-1"
    # An untouched choice is no answer (none is preselected): refused, nothing is decided.
    # (A version 3 wait's form lets it through, since a closure wakes the run with the
    # username alone; the step's service refuses it.)
    resume_for_step(case.run_id, {"operator": "leader", "comment": ""})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "leadership-review-1-2"
    assert "未被接受" in case.state.message

    resume_for_step(case.run_id, {"operator": "manager", "approved": "同意", "comment": ""})
    case.state = execute(complaint_lifecycle, case.run_id)

    assert _pause_key(case) == "leadership-review-1-3"
    assert case.complaint.stage is Stage.awaiting_leadership_review
    assert "未被接受" in case.state.message and "公司领导审阅" in case.state.message

    def errors() -> list[str]:
        with get_client(sync_client=True) as client:
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[case.run_id]))
            )
        return [log.message for log in logs if log.level >= 40]

    wait_until(lambda: len(errors()) >= 2, 30, "both refusals in the run's log")
    error = errors()[-1]
    assert "公司领导审阅" in error and "未被接受" in error and "部门经理" in error

    resume_for_step(case.run_id, {"operator": "leader", "approved": "同意", "comment": ""})
    case.state = execute(complaint_lifecycle, case.run_id)
    assert case.complaint.stage is Stage.awaiting_feedback


def test_a_run_suspended_with_the_earlier_form_is_still_woken_by_the_staff_app(
    session, settings, mail
) -> None:
    """A run that suspended before the resume form asked decisions as a choice kept the form it
    saved then (a yes/no boolean): the staff app's step still wakes it, with that form's input."""
    from prefect.client.orchestration import get_client
    from prefect.input import keyset_from_paused_state

    from services.step_registry import resume_inputs

    staff = add_staff(session)
    case = start_complaint(session, settings, staff.owner, channel=Channel.regulator_transfer)
    case.act(submit_written_record, actor=staff.owner, text="记录")
    case.act(assign, actor=staff.manager, handler="handler")
    assert _pause_key(case) == "major-decision-1-1"
    earlier_form = {
        "title": "MajorDecisionInput",
        "type": "object",
        "properties": {
            "operator": {"title": "操作人用户名", "type": "string"},
            "major": {"title": "是否重大投诉", "type": "boolean"},
            "reason": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["operator", "major"],
    }
    with get_client(sync_client=True) as client:
        keyset = keyset_from_paused_state(client.read_flow_run(case.run_id).state)
        client.delete_flow_run_input(case.run_id, keyset["schema"])
        client.create_flow_run_input(case.run_id, keyset["schema"], json.dumps(earlier_form))

    decide_major(
        session,
        complaint=case.complaint,
        actor=staff.manager,
        now=utcnow(),
        major=False,
        reason="非重大",
    )
    session.commit()
    assert resume_for_step(
        case.run_id, *resume_inputs(Step.major_decision, {"major": False}, operator="manager")
    )
    case.state = execute(complaint_lifecycle, case.run_id)
    assert _pause_key(case) == "handling-1-1"
