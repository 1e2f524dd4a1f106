"""Each human step checks the stage (409), the role and department (403, Art. 5(4)) and the
input (422) before it changes anything."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Assignment, Complaint, ComplaintEvent, LeadershipInstruction, WrittenRecord
from models.db import utcnow
from policy.enums import Channel, Department, Role, Stage
from policy.lifecycle import Step
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.steps import apply_step, assign, decide_major, record_handling, submit_written_record
from tests.models.factories import make_complaint, make_user


@pytest.fixture
def people(session: Session) -> dict:
    manager = make_user(session, role=Role.manager, username="mgr")
    return {
        "manager": manager,
        "owner": make_user(session, username="owner", superior="mgr"),
        "colleague": make_user(session, username="colleague"),
        "other_manager": make_user(
            session, role=Role.manager, department=Department.general_management, username="gm"
        ),
        "leader": make_user(session, role=Role.leadership, username="leader"),
    }


def _events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0


def test_art2_4_only_the_first_inquiry_owner_submits_the_written_record(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    with pytest.raises(StepForbidden, match="首问负责"):
        submit_written_record(
            session, complaint=complaint, actor=people["colleague"], text="记录", now=utcnow()
        )
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    assert complaint.stage is Stage.awaiting_assignment


def test_a_step_the_complaint_is_not_on_is_refused_and_changes_nothing(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    session.commit()
    before = _events(session)
    with pytest.raises(StepConflict) as refused:
        assign(session, complaint=complaint, actor=people["manager"], handler="owner", now=utcnow())
    assert refused.value.status_code == 409 and "待提交文字记录" in refused.value.message
    session.rollback()
    assert _events(session) == before
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_art5_4_a_manager_of_another_department_cannot_assign(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    with pytest.raises(StepForbidden):
        assign(
            session,
            complaint=complaint,
            actor=people["other_manager"],
            handler="owner",
            now=utcnow(),
        )
    with pytest.raises(StepForbidden):
        assign(session, complaint=complaint, actor=people["leader"], handler="owner", now=utcnow())


def test_empty_written_record_is_refused_with_the_field(session: Session, settings, people) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    session.commit()
    with pytest.raises(StepInputError) as refused:
        submit_written_record(
            session, complaint=complaint, actor=people["owner"], text="   ", now=utcnow()
        )
    assert refused.value.field == "text" and refused.value.status_code == 422
    session.rollback()
    assert session.scalar(select(func.count()).select_from(WrittenRecord)) == 0


def test_art4_1_transfer_needs_a_reason_and_moves_the_department(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    with pytest.raises(StepInputError, match="移交原因"):
        assign(
            session,
            complaint=complaint,
            actor=people["manager"],
            transfer_to_department=Department.general_management,
            now=utcnow(),
        )
    assign(
        session,
        complaint=complaint,
        actor=people["manager"],
        transfer_to_department=Department.general_management,
        reason="系统问题",
        now=utcnow(),
    )
    assert complaint.department.code is Department.general_management
    assert complaint.stage is Stage.awaiting_assignment
    # Now only the receiving department's manager may arrange the follow-up; the manager who
    # transferred it is told so (409: the step was taken, by the transfer).
    with pytest.raises(StepConflict, match="已由本部门移交至「综合管理部」"):
        assign(session, complaint=complaint, actor=people["manager"], handler="owner", now=utcnow())


def test_version_1_regulator_transfer_waits_for_an_explicit_major_decision(
    session: Session, settings, people
) -> None:
    """Complaints that started with version 1 keep its order: a major case is handled, then
    reviewed by leadership."""
    complaint = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.regulator_transfer,
        process_version=1,
    )
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    assign(session, complaint=complaint, actor=people["manager"], handler="owner", now=utcnow())
    assert complaint.stage is Stage.awaiting_major_decision
    with pytest.raises(StepInputError, match="认定理由"):
        decide_major(
            session,
            complaint=complaint,
            actor=people["manager"],
            major=True,
            reason="",
            now=utcnow(),
        )
    decide_major(
        session,
        complaint=complaint,
        actor=people["leader"],
        major=True,
        reason="涉及媒体曝光",
        now=utcnow(),
    )
    assert complaint.major is True and complaint.stage is Stage.awaiting_handling
    record_handling(
        session,
        complaint=complaint,
        actor=people["owner"],
        founded=True,
        evidence="属实",
        solution="方案",
        now=utcnow(),
    )
    assert complaint.stage is Stage.awaiting_leadership_review


def _to_major_decision(session: Session, people: dict, **intake: Any) -> Complaint:
    complaint = make_complaint(session, intake.pop("settings"), owner=people["owner"], **intake)
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    assign(session, complaint=complaint, actor=people["manager"], handler="owner", now=utcnow())
    return complaint


@pytest.mark.parametrize(
    "intake",
    [
        {"channel": Channel.regulator_transfer, "major": False},
        {"channel": Channel.phone, "major": True},
    ],
    ids=["regulator-transfer-no-at-intake", "proposed-major-at-intake"],
)
def test_art4_3_what_intake_says_about_major_is_a_proposal_the_decision_is_still_asked(
    session: Session, settings, people, intake: dict
) -> None:
    complaint = _to_major_decision(session, people, settings=settings, **intake)
    assert complaint.stage is Stage.awaiting_major_decision
    with pytest.raises(StepConflict):
        record_handling(
            session,
            complaint=complaint,
            actor=people["owner"],
            founded=True,
            evidence="属实",
            solution="方案",
            now=utcnow(),
        )


def test_version_1_keeps_the_decision_a_staff_member_took_at_intake(
    session: Session, settings, people
) -> None:
    complaint = _to_major_decision(
        session,
        people,
        settings=settings,
        channel=Channel.regulator_transfer,
        major=False,
        process_version=1,
    )
    assert complaint.stage is Stage.awaiting_handling


def test_art4_3_a_major_case_waits_for_leadership_instruction_then_sign_off(
    session: Session, settings, people
) -> None:
    complaint = _to_major_decision(
        session, people, settings=settings, channel=Channel.regulator_transfer
    )
    decide_major(
        session,
        complaint=complaint,
        actor=people["manager"],
        major=True,
        reason="涉及媒体曝光",
        now=utcnow(),
    )
    assert complaint.stage is Stage.awaiting_leadership_instruction
    # Nobody handles it before leadership said how.
    with pytest.raises(StepConflict, match="待公司领导研究处理"):
        record_handling(
            session,
            complaint=complaint,
            actor=people["owner"],
            founded=True,
            evidence="属实",
            solution="方案",
            now=utcnow(),
        )
    # Only leadership instruct, through every door (apply_step is behind all of them).
    with pytest.raises(StepForbidden):
        apply_step(
            session,
            complaint=complaint,
            actor=people["manager"],
            step=Step.leadership_instruction,
            values={"instruction": "经理代为批示"},
            now=utcnow(),
        )
    due = utcnow() + timedelta(days=10)
    apply_step(
        session,
        complaint=complaint,
        actor=people["leader"],
        step=Step.leadership_instruction,
        values={"instruction": "核实后全额补偿", "handler": "colleague", "due_at": due},
        now=utcnow(),
    )
    session.commit()
    instruction = session.scalar(select(LeadershipInstruction))
    assert instruction.instruction == "核实后全额补偿" and instruction.due_at == due
    assert instruction.handler_id == people["colleague"].id
    assert complaint.handler_id == people["colleague"].id
    assert complaint.stage is Stage.awaiting_handling and complaint.handling_round == 1
    record_handling(
        session,
        complaint=complaint,
        actor=people["colleague"],
        founded=True,
        evidence="属实",
        solution="全额补偿",
        now=utcnow(),
    )
    # After handling, leadership signs off before the customer hears the result.
    assert complaint.stage is Stage.awaiting_leadership_review


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"instruction": "  "}, "instruction", "请填写研究处理意见"),
        ({"instruction": "处理", "handler": "nobody"}, "handler", "找不到处理人员"),
        ({"instruction": "处理", "handler": "gm"}, "handler", "不是本投诉受理部门"),
        ({"instruction": "处理", "handler": "leader"}, "handler", "不是本投诉受理部门"),
        ({"instruction": "处理", "due_at": timedelta(hours=-1)}, "due_at", "必须晚于现在"),
        ({"instruction": "处理", "due_at": timedelta(days=61)}, "due_at", "60 天"),
    ],
    ids=["blank", "unknown-handler", "other-department", "not-staff", "past", "past-cap"],
)
def test_art4_3_a_bad_instruction_is_refused_with_its_field_and_nothing_is_saved(
    session: Session, settings, people, values: dict, field: str, message: str
) -> None:
    complaint = _to_major_decision(
        session, people, settings=settings, channel=Channel.regulator_transfer
    )
    decide_major(
        session,
        complaint=complaint,
        actor=people["leader"],
        major=True,
        reason="重大",
        now=utcnow(),
    )
    session.commit()
    before = _events(session)
    now = utcnow()
    if isinstance(values.get("due_at"), timedelta):
        # Relative to now, or (the cap) to the complaint's receipt.
        base = complaint.received_at if values["due_at"].days > 60 else now
        values = {**values, "due_at": base + values["due_at"]}
    with pytest.raises(StepInputError, match=message) as refused:
        apply_step(
            session,
            complaint=complaint,
            actor=people["leader"],
            step=Step.leadership_instruction,
            values=values,
            now=now,
        )
    assert refused.value.field == field and refused.value.status_code == 422
    session.rollback()
    assert _events(session) == before
    assert session.scalar(select(func.count()).select_from(LeadershipInstruction)) == 0
    session.refresh(complaint)
    assert complaint.stage is Stage.awaiting_leadership_instruction


def test_art5_4_admin_takes_no_step_on_any_path_even_the_prefect_ui_resume(
    session: Session, settings, people
) -> None:
    """Separation of duties: admin manages users, departments and mail, not complaints."""
    from policy.lifecycle import Step
    from services.steps import apply_step_input

    admin = make_user(session, role=Role.admin, username="admin")
    complaint = make_complaint(session, settings, owner=people["owner"])
    before = _events(session)
    with pytest.raises(StepForbidden, match="系统管理员"):
        submit_written_record(session, complaint=complaint, actor=admin, text="记录", now=utcnow())
    with pytest.raises(StepForbidden, match="系统管理员"):
        apply_step_input(
            session,
            complaint_id=complaint.id,
            step=Step.written_record,
            values={"operator": "admin", "text": "记录"},
            now=utcnow(),
        )
    assert complaint.stage is Stage.awaiting_written_record and _events(session) == before


def test_art4_1_the_handler_must_be_of_the_complaints_department_else_transfer(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=utcnow()
    )
    outsider = make_user(session, department=Department.general_management, username="gm_staff")
    with pytest.raises(StepInputError, match="移交") as refused:
        assign(
            session, complaint=complaint, actor=people["manager"], handler="gm_staff", now=utcnow()
        )
    assert refused.value.field == "handler"
    assert complaint.handler_id is None and complaint.stage is Stage.awaiting_assignment
    # At that moment: once the person belongs to the department, they may be named.
    outsider.department_id = complaint.department_id
    assign(session, complaint=complaint, actor=people["manager"], handler="gm_staff", now=utcnow())
    assert complaint.handler_id == outsider.id


def test_art2_4_a_new_promised_reply_time_at_handling_is_a_request_within_the_limits_on_every_path(
    session: Session, settings, people
) -> None:
    """The limit is the extension's rule, applied by the step itself: the Prefect UI's resume
    form cannot set a promise a year away any more than the staff app or the API can; within
    the limit, the new time is a request pending the superior's approval, not a promise yet."""
    from policy.extensions import ExtensionStatus
    from services.extensions import extensions_of
    from services.steps import apply_step_input
    from tests.models.factories import NOW

    complaint = make_complaint(session, settings, owner=people["owner"])
    submit_written_record(session, complaint=complaint, actor=people["owner"], text="记录", now=NOW)
    assign(session, complaint=complaint, actor=people["manager"], handler="owner", now=NOW)
    session.commit()
    promised_before, before = complaint.promised_reply_at, _events(session)
    a_year_away = NOW + timedelta(days=365)
    with pytest.raises(StepInputError, match="受理之日起 15 个工作日") as refused:
        apply_step_input(
            session,
            complaint_id=complaint.id,
            step=Step.handling,
            values={
                "operator": "owner",
                "founded": True,
                "evidence": "属实",
                "solution": "退费",
                "promised_reply_at": a_year_away.isoformat(),
            },
            now=NOW,
        )
    assert refused.value.field == "promised_reply_at"
    session.rollback()
    with pytest.raises(StepInputError, match="第七条"):
        record_handling(
            session,
            complaint=complaint,
            actor=people["owner"],
            founded=True,
            evidence="属实",
            solution="退费",
            promised_reply_at=a_year_away,
            now=NOW,
        )
    session.rollback()
    assert complaint.stage is Stage.awaiting_handling
    assert complaint.promised_reply_at == promised_before and _events(session) == before
    # Within the limit the new time is asked for, and the promise stands until approved.
    later = promised_before + timedelta(days=2)
    record_handling(
        session,
        complaint=complaint,
        actor=people["owner"],
        founded=True,
        evidence="属实",
        solution="退费",
        promised_reply_at=later,
        now=NOW,
    )
    assert complaint.promised_reply_at == promised_before
    (request,) = extensions_of(session, complaint.id)
    assert (request.new_reply_at, request.via_handling) == (later, True)
    # The customer hears the result at once (not major): nothing is left to extend.
    assert complaint.stage is Stage.awaiting_feedback
    assert request.status is ExtensionStatus.lapsed
