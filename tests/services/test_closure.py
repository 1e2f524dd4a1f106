"""Closing a complaint before a satisfied customer's feedback (process version 3): who may
close and for which reason, the unreachable rule (failed attempts on enough different days),
a withdrawal with how the customer said it, leadership's decision after the reopened rounds
allowed; a closure settles every limit and clears contact-due items; a refusal writes
nothing; complaints pinned to versions 1 and 2 are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ComplaintEvent, Deadline
from models.closure import ComplaintClosure, LeadershipDecision
from models.contact_log import ContactDue
from policy.contacts import ContactMethod
from policy.enums import DeadlineKind, DeadlineStatus, Stage
from services.case_file import read_case_file
from services.closure import close_complaint
from services.contacts import record_contact
from services.handling_form.fields import handling_form_data
from services.progress import progress_snapshot, step_outcomes
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.steps import (
    assign,
    decide_after_rejections,
    record_feedback,
    record_handling,
    submit_written_record,
)
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast

DAY = timedelta(days=1)
FOUNDED = {"founded": True, "evidence": "核实属实", "solution": "退还费用"}


def _assigned(session: Session, settings, cast: Cast, **intake):  # type: ignore[no-untyped-def]
    complaint = make_complaint(session, settings, owner=cast.owner, **intake)
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=NOW)
    session.commit()
    return complaint


def _failed_calls(session: Session, complaint, cast: Cast, days: int, per_day: int = 1) -> None:  # type: ignore[no-untyped-def]
    for day in range(days):
        for call in range(per_day):
            record_contact(
                session,
                complaint=complaint,
                actor=cast.handler,
                method="phone",
                reached=False,
                summary="电话无人接听",
                now=NOW + (day + 1) * DAY + call * timedelta(hours=1),
            )
    session.commit()


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _open_deadlines(session: Session, complaint_id: int) -> list[DeadlineKind]:
    return list(
        session.scalars(
            select(Deadline.kind).where(
                Deadline.complaint_id == complaint_id, Deadline.status == DeadlineStatus.open
            )
        )
    )


# Unreachable ----------------------------------------------------------------------------------


def test_manager_closes_an_unreachable_case_after_three_failed_attempts_on_three_days(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    assert _open_deadlines(session, complaint.id)  # the handling runs against the reply time
    _failed_calls(session, complaint, cast, days=3)
    closure = close_complaint(
        session,
        complaint=complaint,
        actor=cast.manager,
        reason="unreachable",
        note="三次电话均无人接听，已寄送信函",
        now=NOW + 5 * DAY,
    )
    session.commit()
    assert complaint.stage is Stage.closed
    assert complaint.closed_at == NOW + 5 * DAY
    assert closure.stage_before == Stage.awaiting_handling.value
    # No limit stays open on a closed complaint.
    assert _open_deadlines(session, complaint.id) == []
    event = session.scalars(
        select(ComplaintEvent)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.seq.desc())
    ).first()
    assert event is not None and event.kind == "closed_early"
    assert event.data["reason"] == "unreachable"
    assert "信函" not in str(event.data)  # the note stays out of the log's data
    # The flow sees it: in the snapshot it starts from.
    assert progress_snapshot(session, complaint.id)["closure"] == {"reason": "unreachable"}


def test_unreachable_needs_failed_attempts_on_three_different_days_art_2_4(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    _failed_calls(session, complaint, cast, days=2, per_day=3)  # six calls, two days
    with pytest.raises(StepInputError, match=r"3 个不同的日期.*只有 2 个日期") as refused:
        close_complaint(
            session,
            complaint=complaint,
            actor=cast.manager,
            reason="unreachable",
            note="无法联系",
            now=NOW + 5 * DAY,
        )
    assert refused.value.status_code == 422
    session.rollback()
    assert complaint.stage is Stage.awaiting_handling
    assert _count(session, ComplaintClosure) == 0


def test_unreachable_attempts_are_a_setting(session: Session, settings, cast: Cast) -> None:
    complaint = _assigned(session, settings, cast)
    _failed_calls(session, complaint, cast, days=2)
    close_complaint(
        session,
        complaint=complaint,
        actor=cast.manager,
        reason="unreachable",
        note="两次未接通",
        now=NOW + 5 * DAY,
        settings=settings.model_copy(update={"unreachable_attempts": 2}),
    )
    assert complaint.stage is Stage.closed


def test_only_the_departments_manager_or_leadership_close_as_unreachable_art_5_4(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    _failed_calls(session, complaint, cast, days=3)
    for actor in (cast.handler, cast.owner, cast.compliance):
        with pytest.raises(StepForbidden, match="受理部门的经理或公司领导"):
            close_complaint(
                session,
                complaint=complaint,
                actor=actor,
                reason="unreachable",
                note="无法联系",
                now=NOW + 5 * DAY,
            )
        session.rollback()
    close_complaint(
        session,
        complaint=complaint,
        actor=cast.leader,
        reason="unreachable",
        note="无法联系",
        now=NOW + 5 * DAY,
    )
    assert complaint.stage is Stage.closed


# Withdrawn ------------------------------------------------------------------------------------


def test_the_handler_records_a_withdrawal_with_how_the_customer_said_it(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    # A contact-due item waits for someone to call the customer: the closure clears it.
    session.add(ContactDue(complaint_id=complaint.id, key="k", reason="periodic", created_at=NOW))
    session.commit()
    closure = close_complaint(
        session,
        complaint=complaint,
        actor=cast.handler,
        reason="withdrawn",
        note="客户来电表示问题已自行解决，撤回投诉",
        withdrawal_method="phone",
        withdrawn_at=NOW + DAY,
        now=NOW + 2 * DAY,
    )
    session.commit()
    assert closure.withdrawal_method is ContactMethod.phone
    assert closure.withdrawn_at == NOW + DAY
    assert complaint.stage is Stage.closed
    assert session.scalar(select(ContactDue.cleared_at)) == NOW + 2 * DAY


def test_the_case_file_and_the_handling_form_show_the_closure(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    close_complaint(
        session,
        complaint=complaint,
        actor=cast.handler,
        reason="withdrawn",
        note="客户来信撤回投诉",
        withdrawal_method="letter",
        withdrawn_at=NOW + DAY,
        now=NOW + 2 * DAY,
    )
    session.commit()
    (record,) = [
        r for r in read_case_file(session, complaint.id).step_records() if "提前办结" in r.title
    ]
    assert record.title == "提前办结：客户撤回投诉" and record.text == "客户来信撤回投诉"
    assert record.lines == ("客户撤回方式：信函",)
    form = handling_form_data(session, complaint.id, tz=settings.tz)
    assert "客户撤回投诉：客户来信撤回投诉" in form.closure
    assert "以信函方式撤回" in form.closure and "陈处理" in form.closure


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"withdrawal_method": None}, "withdrawal_method", "请选择客户撤回投诉的方式"),
        ({"withdrawal_method": "fax"}, "withdrawal_method", "请选择客户撤回投诉的方式"),
        ({"note": "  "}, "note", "请填写办结说明"),
        ({"withdrawn_at": NOW + 9 * DAY}, "withdrawn_at", "不能晚于现在"),
        ({"reason": "bored"}, "reason", "请选择办结原因"),
    ],
)
def test_an_incomplete_withdrawal_is_refused_and_nothing_saved(
    session: Session, settings, cast: Cast, values, field, message
) -> None:
    complaint = _assigned(session, settings, cast)
    given = {
        "reason": "withdrawn",
        "note": "客户撤回",
        "withdrawal_method": "sms",
        "withdrawn_at": None,
    } | values
    with pytest.raises(StepInputError, match=message) as refused:
        close_complaint(session, complaint=complaint, actor=cast.handler, now=NOW + DAY, **given)
    assert refused.value.field == field
    session.rollback()
    assert complaint.stage is Stage.awaiting_handling
    assert _count(session, ComplaintClosure) == 0


def test_a_colleague_who_is_not_the_handler_cannot_record_a_withdrawal(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    with pytest.raises(StepForbidden, match="跟进人员、受理部门的经理或公司领导"):
        close_complaint(
            session,
            complaint=complaint,
            actor=cast.owner,
            reason="withdrawn",
            note="客户撤回",
            withdrawal_method="visit",
            now=NOW + DAY,
        )


# Conflicts ------------------------------------------------------------------------------------


def test_a_closed_complaint_or_one_pinned_to_an_older_version_is_not_closed_again(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    withdraw = {
        "reason": "withdrawn",
        "note": "客户撤回",
        "withdrawal_method": "letter",
        "now": NOW + DAY,
    }
    close_complaint(session, complaint=complaint, actor=cast.manager, **withdraw)
    session.commit()
    with pytest.raises(StepConflict, match="已办结"):
        close_complaint(session, complaint=complaint, actor=cast.manager, **withdraw)
    session.rollback()
    for version in (1, 2):
        older = make_complaint(session, settings, owner=cast.owner, process_version=version)
        session.commit()
        with pytest.raises(StepConflict, match=f"第 {version} 版流程"):
            close_complaint(session, complaint=older, actor=cast.manager, **withdraw)
        session.rollback()
        assert older.stage is Stage.awaiting_written_record
    assert _count(session, ComplaintClosure) == 1


def test_leadership_decision_is_refused_unless_the_case_waits_for_it(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    with pytest.raises(StepConflict, match="不在待公司领导决定环节"):
        close_complaint(
            session,
            complaint=complaint,
            actor=cast.leader,
            reason="leadership_decision",
            note="办结",
            now=NOW + DAY,
        )


# After the reopened rounds allowed: leadership decide ----------------------------------------


def _rejected_rounds(session: Session, complaint, cast: Cast, rounds: int) -> None:  # type: ignore[no-untyped-def]
    at = NOW + 2 * DAY * (complaint.handling_round - 1)
    for _ in range(rounds):
        at += DAY
        record_handling(session, complaint=complaint, actor=cast.handler, now=at, **FOUNDED)
        at += DAY
        record_feedback(
            session,
            complaint=complaint,
            actor=cast.handler,
            satisfied=False,
            comment="仍不满意",
            now=at,
        )
    session.commit()


def test_the_third_rejection_goes_to_leadership_with_its_own_limit(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    _rejected_rounds(session, complaint, cast, 2)
    assert complaint.stage is Stage.awaiting_handling  # two reopened rounds are tried
    assert "to_leadership" not in step_outcomes(session, complaint.id)["feedback-2"]
    _rejected_rounds(session, complaint, cast, 1)
    assert complaint.stage is Stage.awaiting_leadership_decision
    assert step_outcomes(session, complaint.id)["feedback-3"] == {
        "satisfied": False,
        "to_leadership": True,
    }
    limit = session.scalar(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id,
            Deadline.kind == DeadlineKind.leadership_decision,
        )
    )
    assert limit is not None and limit.status is DeadlineStatus.open
    assert limit.responsible_user_id == cast.leader.id
    referral = session.scalar(select(LeadershipDecision))
    assert referral is not None and referral.round == 3 and referral.another_round is None
    assert limit.due_at == referral.referred_at + timedelta(days=2)


def test_leadership_give_another_round_or_close_with_the_customers_routes(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    _rejected_rounds(session, complaint, cast, 3)
    with pytest.raises(StepForbidden):
        decide_after_rejections(
            session,
            complaint=complaint,
            actor=cast.manager,
            another_round=True,
            note="",
            now=NOW + 9 * DAY,
        )
    session.rollback()
    decide_after_rejections(
        session,
        complaint=complaint,
        actor=cast.leader,
        another_round=True,
        note="再组织一次核实",
        now=NOW + 9 * DAY,
    )
    session.commit()
    assert complaint.stage is Stage.awaiting_handling
    assert complaint.handling_round == 4
    assert step_outcomes(session, complaint.id)["leadership_decision-3"] == {"another_round": True}
    # The fourth rejection goes to leadership again; this time they close.
    _rejected_rounds(session, complaint, cast, 1)
    assert complaint.stage is Stage.awaiting_leadership_decision
    with pytest.raises(StepInputError, match="请填写领导意见"):
        decide_after_rejections(
            session,
            complaint=complaint,
            actor=cast.leader,
            another_round=False,
            note=" ",
            now=NOW + 20 * DAY,
        )
    session.rollback()
    decide_after_rejections(
        session,
        complaint=complaint,
        actor=cast.leader,
        another_round=False,
        note="已多轮核实，处理方案合理，依规办结",
        now=NOW + 20 * DAY,
    )
    session.commit()
    assert complaint.stage is Stage.closed
    closure = session.scalar(select(ComplaintClosure))
    assert closure is not None and closure.reason.value == "leadership_decision"
    decisions = session.scalars(select(LeadershipDecision).order_by(LeadershipDecision.round))
    assert [(d.round, d.another_round) for d in decisions] == [(3, True), (4, False)]
    assert _open_deadlines(session, complaint.id) == []
    assert step_outcomes(session, complaint.id)["leadership_decision-4"] == {"another_round": False}
    form = handling_form_data(session, complaint.id, tz=settings.tz)
    assert "再次处理：再组织一次核实（刘总）" in form.leadership_opinion
    assert "办结：已多轮核实，处理方案合理，依规办结（刘总）" in form.leadership_opinion
    assert "公司领导决定办结" in form.closure


def test_the_rounds_before_leadership_are_a_setting(
    session: Session, settings, cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("COMPLAINTS_REOPENED_ROUNDS_BEFORE_LEADERSHIP", "0")
    get_settings.cache_clear()
    complaint = _assigned(session, settings, cast)
    _rejected_rounds(session, complaint, cast, 1)
    assert complaint.stage is Stage.awaiting_leadership_decision


def test_an_older_versions_rejections_never_go_to_leadership(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(session, settings, owner=cast.owner, process_version=2)
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=NOW)
    _rejected_rounds(session, complaint, cast, 4)
    assert complaint.stage is Stage.awaiting_handling
    assert _count(session, LeadershipDecision) == 0


def test_leadership_close_through_the_closure_door_while_the_case_waits_for_them(
    session: Session, settings, cast: Cast
) -> None:
    complaint = _assigned(session, settings, cast)
    _rejected_rounds(session, complaint, cast, 3)
    with pytest.raises(StepForbidden, match="公司领导"):
        close_complaint(
            session,
            complaint=complaint,
            actor=cast.manager,
            reason="leadership_decision",
            note="办结",
            now=NOW + 9 * DAY,
        )
    session.rollback()
    close_complaint(
        session,
        complaint=complaint,
        actor=cast.leader,
        reason="leadership_decision",
        note="三轮核实结论一致，依规办结",
        now=NOW + 9 * DAY,
    )
    session.commit()
    assert complaint.stage is Stage.closed
    # The step's outcome as the run reads it: leadership closed the case.
    assert step_outcomes(session, complaint.id)["leadership_decision-3"] == {"another_round": False}
    assert _open_deadlines(session, complaint.id) == []
