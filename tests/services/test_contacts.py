"""Contact with the customer and progress notices (Art. 2(4), 4(2)): who may record a contact,
what it needs, that nothing half-saved remains of a refusal; a progress notice queued once per
milestone with the step, and every N working days while the complaint is open; a customer
without email becomes a contact-due item on the responsible person's queue until reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ComplaintEvent, Notification
from models.db import utcnow
from policy.enums import Channel, Department, Role, Stage
from services.contacts import (
    ContactDue,
    CustomerContactAttempt,
    contact_due_for,
    contacts_of,
    progress_milestone,
    queue_periodic_progress,
    record_contact,
)
from services.outbox import notification_key
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.steps import assign, decide_major, submit_written_record
from tests.models.factories import make_complaint, make_user
from tests.support.cases import Cast


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _assigned(session: Session, complaint, cast: Cast):  # type: ignore[no-untyped-def]
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=utcnow())
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=utcnow())
    session.commit()
    return complaint


def _progress(session: Session, complaint_id: int) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.complaint_id == complaint_id, Notification.kind == "progress")
            .order_by(Notification.id)
        )
    )


# Recording a contact -------------------------------------------------------------------------


def test_art2_4_the_handler_a_department_manager_and_leadership_record_contacts(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    for actor in (cast.handler, cast.manager, cast.leader):
        record_contact(
            session,
            complaint=complaint,
            actor=actor,
            method="phone",
            reached=True,
            summary="电话告知客户正在核查划付记录",
            now=utcnow(),
        )
    session.commit()
    contacts = contacts_of(session, complaint.id)
    assert [(c.contacted_by_id, c.method.value, c.reached) for c in contacts] == [
        (cast.handler.id, "phone", True),
        (cast.manager.id, "phone", True),
        (cast.leader.id, "phone", True),
    ]


def test_art5_4_others_may_not_record_a_contact_and_nothing_is_saved(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    other_manager = make_user(session, role=Role.manager, department=Department.general_management)
    admin = make_user(session, role=Role.admin)
    events = _count(session, ComplaintEvent)
    # The first-inquiry owner, a colleague, another department's manager, compliance, admin.
    for actor in (cast.owner, make_user(session), other_manager, cast.compliance, admin):
        with pytest.raises(StepForbidden) as refused:
            record_contact(
                session,
                complaint=complaint,
                actor=actor,
                method="phone",
                reached=True,
                summary="电话",
                now=utcnow(),
            )
        assert refused.value.status_code == 403 and "跟进人员" in refused.value.message
        session.rollback()
    assert _count(session, CustomerContactAttempt) == 0
    assert _count(session, ComplaintEvent) == events


@pytest.mark.parametrize(
    ("method", "reached", "summary", "field", "message"),
    [
        ("fax", True, "传真", "method", "请选择联系方式"),
        (None, True, "电话", "method", "请选择联系方式"),
        ("phone", None, "电话", "reached", "是否联系上客户"),
        ("phone", True, "  \n ", "summary", "请填写联系情况摘要"),
        ("phone", True, "长" * 2001, "summary", "不能超过 2000 个字符"),
    ],
)
def test_a_contact_needs_a_method_of_the_list_whether_reached_and_a_short_summary(
    session: Session, complaint, cast: Cast, method, reached, summary, field, message
) -> None:
    _assigned(session, complaint, cast)
    with pytest.raises(StepInputError) as refused:
        record_contact(
            session,
            complaint=complaint,
            actor=cast.handler,
            method=method,
            reached=reached,
            summary=summary,
            now=utcnow(),
        )
    assert refused.value.status_code == 422
    assert refused.value.field == field and message in refused.value.message
    session.rollback()
    assert _count(session, CustomerContactAttempt) == 0


def test_no_contact_is_recorded_on_an_archived_complaint(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    complaint.stage = Stage.archived
    session.commit()
    with pytest.raises(StepConflict) as refused:
        record_contact(
            session,
            complaint=complaint,
            actor=cast.handler,
            method="sms",
            reached=False,
            summary="短信未回复",
            now=utcnow(),
        )
    assert refused.value.status_code == 409 and "已归档" in refused.value.message
    session.rollback()
    assert _count(session, CustomerContactAttempt) == 0


def test_art2_5_the_complaint_log_tells_of_a_contact_without_its_summary(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="visit",
        reached=False,
        summary="上门未见到张三本人，邻居称其出差",
        now=utcnow(),
    )
    session.commit()
    event = session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.kind == "customer_contacted")
    ).one()
    assert event.actor_id == cast.handler.id
    assert event.data["method"] == "visit" and event.data["reached"] is False
    assert "张三" not in str(event.data) and "邻居" not in str(event.data)


# Progress at each milestone ------------------------------------------------------------------


def test_art2_4_assignment_queues_one_progress_notice_to_the_customer_with_the_step(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    (notice,) = _progress(session, complaint.id)
    seq = session.scalar(
        select(ComplaintEvent.seq).where(
            ComplaintEvent.complaint_id == complaint.id,
            ComplaintEvent.kind == "handler_assigned",
        )
    )
    assert notice.idempotency_key == notification_key(complaint.id, "progress", seq)
    assert notice.recipients == ["zhangsan@example.test"]
    assert notice.context["note"] == "您的投诉已安排专人跟进处理。"
    assert "陈处理" not in str(notice.context)  # the customer hears of departments, not staff
    # Told once: the milestone asked again returns the same notice.
    assert progress_milestone(session, complaint, event_kind="handler_assigned", now=utcnow()) == (
        notice
    )
    assert len(_progress(session, complaint.id)) == 1


def test_art2_4_a_refused_step_queues_no_notice(session: Session, complaint, cast: Cast) -> None:
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=utcnow())
    session.commit()
    with pytest.raises(StepInputError):
        assign(session, complaint=complaint, actor=cast.manager, handler="nobody", now=utcnow())
    session.rollback()
    assert _progress(session, complaint.id) == []


def test_art2_4_a_transfer_and_the_major_decision_each_tell_the_customer(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        channel=Channel.regulator_transfer,
        customer_email="zhangsan@example.test",
        department=Department.wealth_center,
    )
    gm = make_user(session, role=Role.manager, department=Department.general_management)
    gm_staff = make_user(session, department=Department.general_management)
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=utcnow())
    assign(
        session,
        complaint=complaint,
        actor=cast.manager,
        transfer_to_department=Department.general_management,
        reason="属综合管理部职责",
        now=utcnow(),
    )
    assign(session, complaint=complaint, actor=gm, handler=gm_staff.username, now=utcnow())
    assert complaint.stage is Stage.awaiting_major_decision
    decide_major(
        session, complaint=complaint, actor=gm, major=True, reason="监管转办", now=utcnow()
    )
    session.commit()
    notes = [notice.context["note"] for notice in _progress(session, complaint.id)]
    assert notes == [
        "您的投诉已转至综合管理部办理。",
        "您的投诉已安排专人跟进处理。",
        "您的投诉已列为重大投诉，将报公司领导研究处理。",
    ]
    assert len({n.idempotency_key for n in _progress(session, complaint.id)}) == 3


# A customer without email: the contact-due queue ---------------------------------------------


def test_art2_4_without_email_a_milestone_is_a_contact_due_item_until_the_customer_is_reached(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_email=None,
        department=Department.wealth_center,
    )
    session.commit()
    _assigned(session, complaint, cast)
    assert _progress(session, complaint.id) == []
    (item,) = contact_due_for(session, cast.handler)
    assert item.reference == complaint.reference and item.responsible == "陈处理"
    assert contact_due_for(session, cast.owner) == []
    # An attempt that did not reach the customer leaves the item open, counted.
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=False,
        summary="无人接听",
        now=utcnow(),
    )
    session.commit()
    assert [row.attempts for row in contact_due_for(session, cast.handler)] == [1]
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=True,
        summary="已告知客户正在核查",
        now=utcnow(),
    )
    session.commit()
    assert contact_due_for(session, cast.handler) == []
    assert session.scalars(select(ContactDue)).one().cleared_at is not None


def test_art2_4_before_assignment_the_department_manager_answers_for_the_contact(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_email=None,
        department=Department.wealth_center,
    )
    session.commit()
    queue_periodic_progress(session, now=complaint.received_at + timedelta(days=14))
    session.commit()
    assert [row.reference for row in contact_due_for(session, cast.manager)] == [
        complaint.reference
    ]
    assert contact_due_for(session, cast.manager)[0].responsible == "王经理"
    assert contact_due_for(session, cast.handler) == []
    assert len(contact_due_for(session, cast.leader)) == 1


# Progress every N working days ---------------------------------------------------------------


def test_art2_4_periodic_notice_after_n_working_days_not_before_and_once(
    session: Session, complaint, cast: Cast, manual_clock
) -> None:
    # Received Friday 2026-11-27 (Shanghai); five working days later is Friday 2026-12-04.
    manual_clock.set(datetime(2026, 12, 3, 15, 59, tzinfo=UTC))  # Thursday 23:59 local
    assert queue_periodic_progress(session) == []
    manual_clock.set(datetime(2026, 12, 3, 16, 0, tzinfo=UTC))  # Friday 00:00 local
    (queued,) = queue_periodic_progress(session)
    session.commit()
    assert queue_periodic_progress(session) == []  # told today: nothing more
    notice = session.get_one(Notification, queued)
    assert notice.idempotency_key == notification_key(complaint.id, "progress", 20261204)
    assert notice.context["stage"] == complaint.stage.label
    # The next one is counted from this one.
    manual_clock.set(datetime(2026, 12, 10, 16, 0, tzinfo=UTC))  # Friday 12-11 local
    assert len(queue_periodic_progress(session)) == 1


def test_art2_4_a_reached_contact_or_a_milestone_notice_restarts_the_count(
    session: Session, complaint, cast: Cast, manual_clock
) -> None:
    manual_clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # Tuesday
    _assigned(session, complaint, cast)  # a milestone notice on Tuesday
    manual_clock.set(datetime(2026, 12, 7, 2, 0, tzinfo=UTC))  # Monday: 4 working days later
    assert queue_periodic_progress(session) == []
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=True,
        summary="告知进展",
        now=manual_clock.now(),
    )
    session.commit()
    manual_clock.set(datetime(2026, 12, 11, 2, 0, tzinfo=UTC))  # Friday: 4 after the call
    assert queue_periodic_progress(session) == []
    manual_clock.set(datetime(2026, 12, 14, 2, 0, tzinfo=UTC))  # Monday: 5 after the call
    assert len(queue_periodic_progress(session)) == 1


def test_art2_4_no_periodic_notice_once_the_complaint_is_closed(
    session: Session, complaint, manual_clock
) -> None:
    complaint.stage = Stage.closed
    session.commit()
    manual_clock.set(datetime(2026, 12, 31, 2, 0, tzinfo=UTC))
    assert queue_periodic_progress(session) == []


def test_art2_4_without_email_the_periodic_notice_is_one_contact_due_item(
    session: Session, settings, cast: Cast, manual_clock
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=cast.owner,
        customer_email=None,
        department=Department.wealth_center,
    )
    session.commit()
    manual_clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    assert queue_periodic_progress(session) == []  # nothing to mail
    session.commit()
    assert queue_periodic_progress(session) == []
    session.commit()
    (item,) = session.scalars(select(ContactDue)).all()
    assert item.key == notification_key(complaint.id, "progress", 20261204)
    assert item.reason == "periodic"
    assert _progress(session, complaint.id) == []


# The handling form ---------------------------------------------------------------------------


def test_art4_2_the_handling_form_lists_the_contacts_with_the_customer(
    session: Session, complaint, cast: Cast
) -> None:
    import io

    import docx

    from services.handling_form import handling_form_data, render_handling_form

    _assigned(session, complaint, cast)
    assert handling_form_data(session, complaint.id).customer_contacts == ""
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=False,
        summary="无人接听",
        now=datetime(2026, 11, 30, 1, 0, tzinfo=UTC),
    )
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="sms",
        reached=True,
        summary="客户回复已知悉核查进度",
        now=datetime(2026, 11, 30, 6, 30, tzinfo=UTC),
    )
    session.commit()
    data = handling_form_data(session, complaint.id)
    assert data.customer_contacts.splitlines() == [
        "2026年11月30日 09:00 电话，未联系上：无人接听（陈处理）",
        "2026年11月30日 14:30 短信，已联系上：客户回复已知悉核查进度（陈处理）",
    ]
    document = docx.Document(io.BytesIO(render_handling_form(data)))
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    at = cells.index("联系客户记录")
    assert "客户回复已知悉核查进度" in cells[at + 1]


def test_art2_4_a_notice_that_failed_for_good_is_not_counted_as_telling_the_customer(
    session: Session, complaint, manual_clock
) -> None:
    from policy.enums import NotificationStatus
    from services.contacts import last_told_at

    manual_clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    (queued,) = queue_periodic_progress(session)
    session.commit()
    assert last_told_at(session, complaint) == manual_clock.now()
    session.get_one(Notification, queued).status = NotificationStatus.failed
    session.commit()
    assert last_told_at(session, complaint) == complaint.received_at
    # Its key is taken: the admins re-send it from the outbox; the sweep does not repeat it.
    assert queue_periodic_progress(session) == []
