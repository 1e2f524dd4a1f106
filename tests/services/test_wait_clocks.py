"""Art. 7: every wait has a clock. Whatever path a complaint takes, while it is not closed a time
limit runs against the person who answers for the awaited step; the step meets it; a breach
stays on record after the step is done late."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models import Deadline
from models.complaint import Complaint
from policy.enums import Channel, DeadlineKind, DeadlineStatus, Department, Role, Stage
from policy.wait_clocks import clock_for
from services.channels import record_regulator_reply
from services.closure import close_complaint
from services.contacts import record_contact
from services.steps import (
    assign,
    decide_after_rejections,
    decide_major,
    give_leadership_instruction,
    record_customer_confirmation,
    record_feedback,
    record_handling,
    review_handling,
    submit_written_record,
)
from tests.models.factories import NOW, make_complaint, make_user

HOUR = timedelta(hours=1)


@pytest.fixture
def people(session: Session) -> dict[str, Any]:
    return {
        "manager": make_user(session, role=Role.manager, username="mgr"),
        "owner": make_user(session, username="owner", superior="mgr"),
        "handler": make_user(session, username="handler", superior="mgr"),
        "gm_manager": make_user(
            session, role=Role.manager, department=Department.general_management, username="gm"
        ),
        "gm_handler": make_user(
            session, department=Department.general_management, username="gm_staff"
        ),
        "leader": make_user(session, role=Role.leadership, username="leader"),
    }


Action = Callable[[Session, Complaint, dict[str, Any], Any], object]


def _record(session, complaint, people, now):  # type: ignore[no-untyped-def]
    return submit_written_record(
        session, complaint=complaint, actor=people["owner"], text="记录", now=now
    )


def _assign(session, complaint, people, now):  # type: ignore[no-untyped-def]
    gm = complaint.department.code is Department.general_management
    return assign(
        session,
        complaint=complaint,
        actor=people["gm_manager" if gm else "manager"],
        handler="gm_staff" if gm else "handler",
        now=now,
    )


def _transfer(session, complaint, people, now):  # type: ignore[no-untyped-def]
    return assign(
        session,
        complaint=complaint,
        actor=people["manager"],
        transfer_to_department=Department.general_management,
        reason="属综合管理部职责",
        now=now,
    )


def _major(session, complaint, people, now):  # type: ignore[no-untyped-def]
    return decide_major(
        session,
        complaint=complaint,
        actor=people["manager"],
        major=True,
        reason="监管转办",
        now=now,
    )


def _instruct(session, complaint, people, now):  # type: ignore[no-untyped-def]
    return give_leadership_instruction(
        session,
        complaint=complaint,
        actor=people["leader"],
        instruction="由财富中心核查资金划付，三日内答复",
        handler="handler",
        due_at=now + 3 * 24 * HOUR,
        now=now,
    )


def _handle(founded: bool) -> Action:
    def handle(session, complaint, people, now):  # type: ignore[no-untyped-def]
        return record_handling(
            session,
            complaint=complaint,
            actor=complaint.handler,
            founded=founded,
            evidence="核实情况",
            solution="处理方案",
            now=now,
        )

    return handle


def _review(approved: bool) -> Action:
    def review(session, complaint, people, now):  # type: ignore[no-untyped-def]
        return review_handling(
            session,
            complaint=complaint,
            actor=people["leader"],
            approved=approved,
            comment="意见",
            now=now,
        )

    return review


def _confirm(confirmed: bool) -> Action:
    def confirm(session, complaint, people, now):  # type: ignore[no-untyped-def]
        return record_customer_confirmation(
            session,
            complaint=complaint,
            actor=complaint.handler,
            confirmed=confirmed,
            note="客户意见",
            now=now,
        )

    return confirm


def _feedback(satisfied: bool) -> Action:
    def feedback(session, complaint, people, now):  # type: ignore[no-untyped-def]
        return record_feedback(
            session,
            complaint=complaint,
            actor=complaint.handler,
            satisfied=satisfied,
            comment="客户反馈",
            now=now,
        )

    return feedback


def _leadership(another_round: bool) -> Action:
    def decide(session, complaint, people, now):  # type: ignore[no-untyped-def]
        return decide_after_rejections(
            session,
            complaint=complaint,
            actor=people["leader"],
            another_round=another_round,
            note="领导意见",
            now=now,
        )

    return decide


def _reply_regulator(session, complaint, people, now):  # type: ignore[no-untyped-def]
    """Art. 3: the reply to the regulator, recorded beside the steps (no wait of its own)."""
    return record_regulator_reply(
        session,
        complaint=complaint,
        actor=people["owner"],
        method="书面函件",
        note="已函复",
        now=now,
    )


def _withdraw(session, complaint, people, now):  # type: ignore[no-untyped-def]
    return close_complaint(
        session,
        complaint=complaint,
        actor=people["manager"],
        reason="withdrawn",
        note="客户撤回",
        withdrawal_method="letter",
        now=now,
    )


PATHS: dict[str, tuple[dict[str, Any], list[Action]]] = {
    "plain": ({}, [_record, _assign, _handle(True), _feedback(True)]),
    "transfer": ({}, [_record, _transfer, _assign, _handle(True), _feedback(True)]),
    "major, sent back once": (
        {"channel": Channel.regulator_transfer},
        [
            _record,
            _assign,
            _major,
            _instruct,
            _handle(True),
            _review(False),
            _handle(True),
            _review(True),
            _reply_regulator,
            _feedback(True),
        ],
    ),
    "unfounded, disputed, dissatisfied": (
        {},
        [
            _record,
            _assign,
            _handle(False),
            _confirm(False),
            _handle(False),
            _confirm(True),
            _feedback(False),
            _handle(True),
            _feedback(True),
        ],
    ),
    # Process version 3: after two reopened rounds leadership decide; a closure ends it all.
    "rejected thrice, another round, leadership close": (
        {},
        [
            _record,
            _assign,
            *[_handle(True), _feedback(False)] * 3,
            _leadership(True),
            _handle(True),
            _feedback(False),
            _leadership(False),
        ],
    ),
    "withdrawn while handled": ({}, [_record, _assign, _withdraw]),
}


def _pending(session: Session, complaint: Complaint) -> list[Deadline]:
    """The limits still running: open, or breached while the step is still awaited."""
    return list(
        session.scalars(
            select(Deadline).where(
                Deadline.complaint_id == complaint.id,
                Deadline.status.in_([DeadlineStatus.open, DeadlineStatus.breached]),
                Deadline.met_at.is_(None),
            )
        )
    )


def _reply_pending(session: Session, complaint: Complaint) -> bool:
    return any(d.kind is DeadlineKind.reply for d in _pending(session, complaint))


@pytest.mark.parametrize("path", list(PATHS))
def test_art7_a_complaint_that_is_not_closed_always_has_the_limit_of_its_wait_running(
    session: Session, settings: Settings, people: dict[str, Any], path: str
) -> None:
    overrides, steps = PATHS[path]
    complaint = make_complaint(session, settings, owner=people["owner"], **overrides)
    now = NOW
    for step in [None, *steps]:
        if step is not None:
            now += HOUR
            step(session, complaint, people, now)
            session.flush()
        if complaint.stage is Stage.closed:
            break
        clock = clock_for(complaint.stage, reply_pending=_reply_pending(session, complaint))
        assert clock is not None, f"no clock for {complaint.stage}"
        running = {d.kind for d in _pending(session, complaint)}
        assert clock.kind in running, f"{path}: {complaint.stage} waits without its limit"
    assert complaint.stage is Stage.closed
    assert _pending(session, complaint) == []


def _only(session: Session, complaint: Complaint, kind: DeadlineKind) -> Deadline:
    (deadline,) = [d for d in _pending(session, complaint) if d.kind is kind]
    return deadline


def test_art7_each_wait_is_answered_for_by_its_person_for_its_configured_time(
    session: Session, settings: Settings, people: dict[str, Any]
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.regulator_transfer
    )
    _record(session, complaint, people, NOW)
    assignment = _only(session, complaint, DeadlineKind.assignment)
    assert assignment.responsible_user_id == people["manager"].id
    assert assignment.due_at == NOW + settings.assignment_deadline
    assert assignment.warn_at is not None and NOW < assignment.warn_at < assignment.due_at

    _transfer(session, complaint, people, NOW + HOUR)
    moved = _only(session, complaint, DeadlineKind.assignment)
    assert moved.responsible_user_id == people["gm_manager"].id
    assert session.get_one(Deadline, assignment.id).status is DeadlineStatus.met

    _assign(session, complaint, people, NOW + 2 * HOUR)
    decision = _only(session, complaint, DeadlineKind.major_decision)
    assert decision.responsible_user_id == people["gm_manager"].id
    assert decision.due_at == NOW + 2 * HOUR + settings.major_decision_deadline


def test_art7_a_reopened_round_runs_against_the_handler_once_the_reply_was_given(
    session: Session, settings: Settings, people: dict[str, Any]
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    for hour, step in enumerate([_record, _assign, _handle(True)], start=1):
        step(session, complaint, people, NOW + hour * HOUR)
    feedback = _only(session, complaint, DeadlineKind.feedback)
    assert feedback.responsible_user_id == people["handler"].id
    # Process version 3: the result is ready; the promise is kept once the customer hears it.
    assert _reply_pending(session, complaint)
    record_contact(
        session,
        complaint=complaint,
        actor=people["handler"],
        method="phone",
        reached=True,
        summary="已告知处理结果",
        now=NOW + 4 * HOUR,
    )
    assert not _reply_pending(session, complaint)  # the customer heard the result

    _feedback(False)(session, complaint, people, NOW + 5 * HOUR)
    reopened = _only(session, complaint, DeadlineKind.reopened_handling)
    assert reopened.responsible_user_id == people["handler"].id
    assert reopened.due_at == NOW + 5 * HOUR + settings.reopened_handling_deadline


def test_art4_3_the_time_leadership_gave_for_the_handling_is_a_limit_of_its_own(
    session: Session, settings: Settings, people: dict[str, Any]
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.regulator_transfer
    )
    for hour, step in enumerate([_record, _assign, _major], start=1):
        step(session, complaint, people, NOW + hour * HOUR)
    waiting = _only(session, complaint, DeadlineKind.leadership_instruction)
    assert waiting.responsible_user_id == people["leader"].id
    assert waiting.due_at == NOW + 3 * HOUR + settings.leadership_instruction_deadline

    _instruct(session, complaint, people, NOW + 4 * HOUR)
    instructed = _only(session, complaint, DeadlineKind.instructed_handling)
    assert instructed.due_at == NOW + 4 * HOUR + 3 * 24 * HOUR
    assert instructed.responsible_user_id == people["handler"].id
    assert session.get_one(Deadline, waiting.id).status is DeadlineStatus.met

    _handle(True)(session, complaint, people, NOW + 5 * HOUR)
    assert session.get_one(Deadline, instructed.id).status is DeadlineStatus.met
    assert complaint.stage is Stage.awaiting_leadership_review


def test_art7_a_breach_stays_on_record_when_the_step_is_done_late(
    session: Session, settings: Settings, people: dict[str, Any]
) -> None:
    complaint = make_complaint(session, settings, owner=people["owner"])
    _record(session, complaint, people, NOW)
    assignment = _only(session, complaint, DeadlineKind.assignment)
    assignment.status = DeadlineStatus.breached
    assignment.breached_at = assignment.due_at
    session.flush()

    _assign(session, complaint, people, assignment.due_at + 3 * HOUR)

    late = session.get_one(Deadline, assignment.id)
    assert late.status is DeadlineStatus.breached
    assert late.met_at == assignment.due_at + 3 * HOUR
    assert complaint.stage is Stage.awaiting_handling
    assert {d.kind for d in _pending(session, complaint)} == {DeadlineKind.reply}
