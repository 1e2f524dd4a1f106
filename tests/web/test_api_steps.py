"""One POST per human step: saved all-or-nothing, refused with 409 when the complaint
is not on that step, 403 for the wrong role or department (with the reason), 404 for an unknown
complaint, 422 for bad input; after saving, the suspended run is woken."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import func, select

from flows.complaint_lifecycle import complaint_lifecycle
from models import Complaint, ComplaintEvent, WrittenRecord
from tests.flows.conftest import execute


def step(api, reference, name, user, **body):  # type: ignore[no-untyped-def]
    return api.post(f"/complaints/{reference}/{name}", user, body)


def stage_after(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return str(response.json()["stage"])


def test_phone_complaint_through_every_step_to_closure(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    done = step(api, ref, "written-record", staff.owner, text="已致歉，记录客户诉求")
    assert done.json() == {
        "reference": ref,
        "step": "written_record",
        "stage": "awaiting_assignment",
        "stage_label": "待部门经理安排",
        "next_step": "assignment",
        "flow_resumed": False,  # no run yet (Prefect is down in this test)
        "message": done.json()["message"],
    }
    assert "稍后自动继续" in done.json()["message"]
    assign = step(api, ref, "assignment", staff.manager, handler="colleague")
    assert stage_after(assign) == "awaiting_handling"
    handled = step(
        api, ref, "handling", staff.colleague, founded=True, evidence="系统延迟", solution="加急"
    )
    assert stage_after(handled) == "awaiting_feedback"
    closed = step(api, ref, "feedback", staff.colleague, satisfied=True, comment="")
    assert stage_after(closed) == "closed"
    assert closed.json()["next_step"] is None
    detail = api.get(f"/complaints/{ref}", staff.owner).json()
    assert [event["kind"] for event in detail["timeline"]] == [
        "received",
        "written_record_submitted",
        "handler_assigned",
        "handling_recorded",
        "customer_feedback",
    ]


def test_regulator_transfer_major_case_is_instructed_then_signed_off_by_leadership_art_4_3(
    api, staff
) -> None:
    ref = api.new_complaint(
        staff.owner,
        channel="regulator_transfer",
        content="经监管局转办：销售人员未经同意代签风险测评并承诺保本，客户称将向媒体曝光。",
        amount=1200000,
    )
    assert api.get(f"/complaints/{ref}", staff.owner).json()["suggested_major"] is True
    step(api, ref, "written-record", staff.owner, text="已记录")
    department = api.get(f"/complaints/{ref}", staff.owner).json()["department"]
    manager = staff.manager if department == "wealth_center" else staff.gm_manager
    handler = "colleague" if department == "wealth_center" else "gm_staff"
    assert stage_after(step(api, ref, "assignment", manager, handler=handler)) == (
        "awaiting_major_decision"
    )
    no_reason = step(api, ref, "major-decision", manager, major=True, reason="  ")
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    decided = step(api, ref, "major-decision", manager, major=True, reason="涉及代签与媒体曝光")
    assert stage_after(decided) == "awaiting_leadership_instruction"
    handler_user = staff.colleague if handler == "colleague" else staff.gm_staff
    # Art. 4(3) 研究处理: nobody handles it before leadership said how.
    early = step(api, ref, "handling", handler_user, founded=True, evidence="e", solution="s")
    assert early.status_code == 409 and "待公司领导研究处理" in early.json()["detail"]
    by_manager = step(api, ref, "leadership-instruction", manager, instruction="经理批示")
    assert by_manager.status_code == 403 and "公司领导研究处理" in by_manager.json()["detail"]
    now = datetime.now(UTC)
    refusals = [
        ({"instruction": "  "}, "instruction", "研究处理意见"),
        (
            {"instruction": "退款", "due_at": (now - timedelta(hours=1)).isoformat()},
            "due_at",
            "晚于现在",
        ),
        (
            {"instruction": "退款", "due_at": (now + timedelta(days=70)).isoformat()},
            "due_at",
            "60 天",
        ),
        (
            {
                "instruction": "退款",
                "handler": "gm_staff" if handler == "colleague" else "colleague",
            },
            "handler",
            "受理部门",
        ),
    ]
    for body, field, reason in refusals:
        refused = step(api, ref, "leadership-instruction", staff.leader, **body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == field and reason in refused.json()["detail"]
    timeline = api.get(f"/complaints/{ref}", staff.owner).json()["timeline"]
    assert "leadership_instructed" not in [event["kind"] for event in timeline]
    instructed = step(
        api,
        ref,
        "leadership-instruction",
        staff.leader,
        instruction="核实后按合同退款",
        handler=handler,
        due_at=(now + timedelta(days=5)).isoformat(),
    )
    assert stage_after(instructed) == "awaiting_handling"
    handled = step(
        api, ref, "handling", handler_user, founded=True, evidence="录音核实", solution="退款"
    )
    assert stage_after(handled) == "awaiting_leadership_review"
    by_manager = step(api, ref, "leadership-review", manager, approved=True, comment="")
    assert by_manager.status_code == 403 and "公司领导" in by_manager.json()["detail"]
    sent_back = step(api, ref, "leadership-review", staff.leader, approved=False, comment="")
    assert sent_back.status_code == 422 and sent_back.json()["field"] == "comment"
    sent_back = step(
        api, ref, "leadership-review", staff.leader, approved=False, comment="补充证据"
    )
    assert stage_after(sent_back) == "awaiting_handling"
    again = step(api, ref, "handling", handler_user, founded=True, evidence="补证", solution="退款")
    assert stage_after(again) == "awaiting_leadership_review"
    approved = step(api, ref, "leadership-review", staff.leader, approved=True, comment="同意")
    assert stage_after(approved) == "awaiting_feedback"


def test_unfounded_complaint_is_confirmed_by_the_customer_or_handled_again(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    step(api, ref, "written-record", staff.owner, text="记录")
    step(api, ref, "assignment", staff.manager, handler="owner")
    handled = step(
        api, ref, "handling", staff.owner, founded=False, evidence="流水显示已到账", solution="解释"
    )
    assert stage_after(handled) == "awaiting_customer_confirmation"
    disputed = step(api, ref, "customer-confirmation", staff.owner, confirmed=False, note="")
    assert disputed.status_code == 422 and disputed.json()["field"] == "note"
    disputed = step(api, ref, "customer-confirmation", staff.owner, confirmed=False, note="不认可")
    assert stage_after(disputed) == "awaiting_handling"
    handled = step(
        api, ref, "handling", staff.owner, founded=False, evidence="银行回单", solution="再解释"
    )
    confirmed = step(api, ref, "customer-confirmation", staff.owner, confirmed=True, note="")
    assert stage_after(confirmed) == "awaiting_feedback"
    unhappy = step(api, ref, "feedback", staff.owner, satisfied=False, comment="仍不满意")
    assert stage_after(unhappy) == "awaiting_handling"
    assert api.get(f"/complaints/{ref}", staff.owner).json()["reopen_count"] == 1


def test_a_department_that_cannot_handle_it_transfers_it_with_a_reason_art_4_1(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    step(api, ref, "written-record", staff.owner, text="记录")
    both = step(
        api,
        ref,
        "assignment",
        staff.manager,
        handler="colleague",
        transfer_to_department="general_management",
    )
    assert both.status_code == 422 and "二选一" in both.json()["detail"]
    no_reason = step(
        api, ref, "assignment", staff.manager, transfer_to_department="general_management"
    )
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    moved = step(
        api,
        ref,
        "assignment",
        staff.manager,
        transfer_to_department="general_management",
        reason="涉及网站系统问题",
    )
    assert stage_after(moved) == "awaiting_assignment"
    assert api.get(f"/complaints/{ref}", staff.gm_manager).json()["department"] == (
        "general_management"
    )
    # The receiving department's manager assigns now; the first one is told it was transferred
    # (409: the step was taken, by the transfer), as is a second manager pressing at once.
    refused = step(api, ref, "assignment", staff.manager, handler="colleague")
    assert (
        refused.status_code == 409 and "已由本部门移交至「综合管理部」" in refused.json()["detail"]
    )
    assigned = step(api, ref, "assignment", staff.gm_manager, handler="gm_staff")
    assert stage_after(assigned) == "awaiting_handling"


def test_a_step_the_complaint_is_not_on_is_409_with_the_reason(api, staff, session) -> None:
    ref = api.new_complaint(staff.owner)
    early = step(api, ref, "assignment", staff.manager, handler="colleague")
    assert early.status_code == 409
    assert early.json()["code"] == "conflict"
    assert "待提交文字记录" in early.json()["detail"]
    assert step(api, ref, "written-record", staff.owner, text="记录").status_code == 200
    twice = step(api, ref, "written-record", staff.owner, text="再次记录")
    assert twice.status_code == 409
    session.commit()
    assert session.scalar(select(func.count()).select_from(WrittenRecord)) == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("major-decision", {"major": True, "reason": "理由"}),
        ("leadership-instruction", {"instruction": "处理意见"}),
        ("leadership-review", {"approved": True, "comment": ""}),
        ("handling", {"founded": True, "evidence": "e", "solution": "s"}),
        ("customer-confirmation", {"confirmed": True, "note": ""}),
        ("feedback", {"satisfied": True, "comment": ""}),
    ],
)
def test_every_step_is_refused_while_the_complaint_waits_for_another(
    api, staff, path, body
) -> None:
    ref = api.new_complaint(staff.owner)
    refused = api.post(f"/complaints/{ref}/{path}", staff.owner, body)
    assert refused.status_code == 409, refused.text
    assert "当前处于「待提交文字记录」" in refused.json()["detail"]


def test_wrong_role_or_person_is_403_with_the_reason_art_5_4(api, staff, session) -> None:
    ref = api.new_complaint(staff.owner)
    not_owner = step(api, ref, "written-record", staff.colleague, text="代写")
    assert not_owner.status_code == 403 and "首问负责人" in not_owner.json()["detail"]
    other_department = step(api, ref, "written-record", staff.gm_staff, text="代写")
    assert other_department.status_code == 403 and "无权查看" in other_department.json()["detail"]
    step(api, ref, "written-record", staff.owner, text="记录")
    by_staff = step(api, ref, "assignment", staff.colleague, handler="colleague")
    assert by_staff.status_code == 403 and "角色「员工」" in by_staff.json()["detail"]
    by_compliance = step(api, ref, "assignment", staff.compliance, handler="colleague")
    assert by_compliance.status_code == 403
    session.commit()
    events = session.scalars(select(ComplaintEvent.kind).order_by(ComplaintEvent.id)).all()
    assert events == ["received", "written_record_submitted"]  # nothing half-saved


def test_step_input_is_strict_and_capped(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    for body in (
        {},
        {"text": ""},
        {"text": "x" * 5001},
        {"text": 5},
        {"text": "ok", "extra": 1},
        {"text": "含\x00"},
    ):
        refused = step(api, ref, "written-record", staff.owner, **body)
        assert refused.status_code == 422, body
        assert refused.json()["errors"]
    blank = step(api, ref, "written-record", staff.owner, text="   ")
    assert blank.status_code == 422 and blank.json()["detail"] == "请填写文字记录"
    step(api, ref, "written-record", staff.owner, text="记录")
    step(api, ref, "assignment", staff.manager, handler="owner")
    for body in (
        {"founded": "true", "evidence": "e", "solution": "s"},
        {"founded": True, "evidence": "e", "solution": "s", "promised_reply_at": "明天"},
        {"founded": True, "evidence": "e", "solution": "s", "promised_reply_at": "2026-12-01"},
    ):
        assert step(api, ref, "handling", staff.owner, **body).status_code == 422, body
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    beyond_60_days = (datetime.now(UTC) + timedelta(days=61)).isoformat()
    for promised in (past, beyond_60_days):
        refused = step(
            api,
            ref,
            "handling",
            staff.owner,
            founded=True,
            evidence="e",
            solution="s",
            promised_reply_at=promised,
        )
        assert refused.status_code == 422 and refused.json()["field"] == "promised_reply_at"
    unknown = step(api, ref, "assignment", staff.manager, handler="nobody")
    assert unknown.status_code == 409  # it is no longer on the assignment step


def test_unknown_complaint_is_404_and_no_token_is_401(api, staff) -> None:
    missing = step(api, "TS-20200101-0001", "written-record", staff.owner, text="x")
    assert missing.status_code == 404
    assert "找不到" in missing.json()["detail"]
    anonymous = api.post("/complaints/TS-20200101-0001/written-record", None, {"text": "x"})
    assert anonymous.status_code == 401


def test_the_handling_form_downloads_for_those_who_handle_the_case(api, staff) -> None:
    ref = api.new_complaint(staff.owner)
    form = api.get(f"/complaints/{ref}/form.docx", staff.owner)
    assert form.status_code == 200
    assert form.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert form.content[:2] == b"PK"
    import io

    import docx

    text = "\n".join(
        cell.text
        for table in docx.Document(io.BytesIO(form.content)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert ref in "\n".join(p.text for p in docx.Document(io.BytesIO(form.content)).paragraphs)
    assert "13800001234" in text
    refused = api.get(f"/complaints/{ref}/form.docx", staff.colleague)
    assert refused.status_code == 403 and "个人信息" in refused.json()["detail"]
    assert api.get("/complaints/TS-20200101-0001/form.docx", staff.owner).status_code == 404


@pytest.mark.prefect
def test_saving_a_step_wakes_the_suspended_run_with_the_decision_only(
    api,
    staff,
    session,
    settings,
    prefect_up,
    mail,
    monkeypatch,
) -> None:
    import web.actions

    sent: list[dict] = []
    real_resume = web.actions.resume_for_step

    def spy(flow_run_id, *decisions):  # type: ignore[no-untyped-def]
        sent.append(decisions[0])
        return real_resume(flow_run_id, *decisions)

    monkeypatch.setattr(web.actions, "resume_for_step", spy)
    ref = api.new_complaint(staff.owner)
    session.commit()
    complaint = session.scalar(select(Complaint).where(Complaint.reference == ref))
    assert complaint.flow_run_id, "the background task started the run"
    state = execute(complaint_lifecycle, complaint.flow_run_id)
    assert state.name == "Suspended"  # waiting for the written record

    done = step(api, ref, "written-record", staff.owner, text="客户张三来电，已致歉并记录")
    assert done.status_code == 200
    assert done.json()["flow_resumed"] is True
    assert "流程已继续" in done.json()["message"]
    # The acting username; the text stays with us (the form's required field goes empty).
    assert sent == [{"operator": "owner", "text": ""}]
    with get_client(sync_client=True) as prefect:
        run = prefect.read_flow_run(complaint.flow_run_id)
    assert not run.state.is_paused()
    state = execute(complaint_lifecycle, complaint.flow_run_id)
    assert state.name == "Suspended"  # now waiting for the manager

    # Not suspended on this step any more (it waits for the assignment): saved, woken later.
    session.commit()
    detail = api.get(f"/complaints/{ref}", staff.owner).json()
    assert detail["stage"] == "awaiting_assignment"
