"""What each notice says and to whom (Art. 2(1), 2(2), 2(4), 4, 7, 8): the outbox rows that
``services.notices`` prepares, rendered from their templates."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings
from models import Assignment, ConcentrationAlert, Deadline, Document, Notification
from models.complaint import Complaint
from policy.enums import DeadlineKind, Department, Role
from services.delivery import deliver_notification
from services.directory import department_by_code
from services.handling_form import write_handling_form
from services.notices import (
    TEMPLATE_DIR,
    prepare_concentration_report,
    prepare_notification,
    render_email,
)
from services.outbox import NotificationKind, OutboxError
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast, carry_through, make_staff

STAFF_NAMES = ("王经理", "赵主任", "李首问", "陈处理", "刘总", "孙合规", "wang_manager", "li_owner")


def _queue(session: Session, settings: Settings, complaint: Complaint, kind: str, **options):
    row = prepare_notification(
        session, complaint_id=complaint.id, kind=kind, settings=settings, **options
    )
    session.commit()
    return row


def _reload(session: Session, row: Notification) -> Notification:
    session.expire_all()
    return session.get(Notification, row.id)


def _deliver(notification_id: int, settings: Settings) -> str:
    return asyncio.run(deliver_notification(notification_id, settings))


# What each notice says ----------------------------------------------------------------------


def test_every_kind_has_a_subject_a_text_and_an_html_template() -> None:
    for kind in NotificationKind:
        for part in ("subject.j2", "txt.j2", "html.j2"):
            assert (TEMPLATE_DIR / f"{kind.value}.{part}").is_file(), f"{kind}.{part}"


COMPLAINT_KINDS = [
    kind
    for kind in NotificationKind
    if kind
    not in (
        NotificationKind.concentration_report,
        NotificationKind.monthly_report,
        NotificationKind.concentration_overdue,
        NotificationKind.run_failure,
    )
]


@pytest.mark.parametrize("kind", COMPLAINT_KINDS, ids=str)
def test_each_notice_names_the_reference_and_the_department_hotline(
    kind: NotificationKind, session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast)
    receiving = make_staff(
        session, "zhou_receiving", "周经理", Role.manager, Department.general_management
    )
    session.add(
        Assignment(
            complaint_id=complaint.id,
            from_department_id=complaint.department_id,
            to_department_id=department_by_code(session, Department.general_management).id,
            reason="涉及网站系统问题",
            assigned_by_id=cast.manager.id,
            assigned_at=NOW + timedelta(hours=1),
        )
    )
    reply = session.scalar(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.reply
        )
    )
    # The flow writes the handling form before the notice that carries it.
    write_handling_form(session, complaint_id=complaint.id, data_dir=settings.data_dir)
    session.commit()
    options = {"deadline_id": reply.id} if kind.value.startswith("deadline_") else {}

    row = _queue(session, settings, complaint, kind, **options)

    expected_recipient = {
        "acknowledgement": "zhangsan@example.test",
        "progress": "zhangsan@example.test",
        "result": "zhangsan@example.test",
        "closure": "zhangsan@example.test",
        "new_complaint": cast.manager.email,
        "transfer": receiving.email,
        "record_warning": cast.owner.email,
        "deadline_warning": cast.owner.email,
        "record_breach": cast.superior.email,
        "deadline_breach": cast.superior.email,
        "major_case": cast.leader.email,
    }[kind.value]
    assert row.recipients == [expected_recipient]
    rendered = render_email(row.kind, row.context)
    assert row.subject == rendered.subject and complaint.reference in rendered.subject
    for part in (rendered.text, rendered.html):
        assert complaint.reference in part
        assert "028-85323543" in part  # the Wealth Center's hotline, from its Department row
    if kind.customer_facing:
        everything = (
            rendered.subject
            + rendered.text
            + rendered.html
            + json.dumps(row.context, ensure_ascii=False)
        )
        assert not [name for name in STAFF_NAMES if name in everything]


def test_art2_4_acknowledgement_gives_the_customer_the_promised_reply_time(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)
    text = render_email(row.kind, row.context).text
    assert "2026年12月12日 10:00前给予您明确答复" in text  # NOW + 15 days, Asia/Shanghai
    assert "正式受理" in text and "财富中心" in text


def test_art2_2_result_tells_the_customer_whether_the_complaint_was_founded(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast)
    row = _queue(session, settings, complaint, NotificationKind.result)
    text = render_email(row.kind, row.context).text
    assert "您反映的情况属实" in text and "已补划赎回款" in text


def test_art4_3_major_case_reports_the_reasons_to_leadership(
    session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    carry_through(session, complaint, cast)
    row = _queue(session, settings, complaint, NotificationKind.major_case)
    text = render_email(row.kind, row.context).text
    assert "重大客户投诉事件" in text and "可能引起媒体关注" in text and "陈处理" in text


@pytest.mark.parametrize("version", [1, 2])
def test_art4_3_major_case_asks_leadership_for_their_instruction_from_version_2(
    version: int, session: Session, settings: Settings, cast: Cast, complaint: Complaint
) -> None:
    complaint.process_version = version
    carry_through(session, complaint, cast)
    row = _queue(session, settings, complaint, NotificationKind.major_case)
    rendered = render_email(row.kind, row.context)
    for part in (rendered.text, rendered.html):
        assert ("给出研究处理意见" in part) is (version == 2)


def test_acknowledgement_is_not_queued_when_the_customer_gave_no_email(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = make_complaint(session, settings, owner=cast.owner)
    assert _queue(session, settings, complaint, NotificationKind.acknowledgement) is None
    assert session.scalar(select(Notification)) is None


def test_queueing_a_notice_again_returns_the_first_row(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    first = _queue(session, settings, complaint, NotificationKind.progress, note="正在核查")
    again = _queue(session, settings, complaint, NotificationKind.progress, note="不同的说明")
    second = _queue(session, settings, complaint, NotificationKind.progress, sequence=2)
    assert again.id == first.id and again.context["note"] == "正在核查"
    assert second.id != first.id


def test_html_part_is_autoescaped_and_the_text_part_is_not(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    row = _queue(
        session, settings, complaint, NotificationKind.progress, note="<b>已核查</b> & 补偿"
    )
    rendered = render_email(row.kind, row.context)
    assert "&lt;b&gt;已核查&lt;/b&gt; &amp; 补偿" in rendered.html and "<b>" not in rendered.html
    assert "<b>已核查</b> & 补偿" in rendered.text


def test_art8_concentration_report_goes_to_compliance_and_leadership(
    session: Session, settings: Settings, cast: Cast
) -> None:
    session.add(
        ConcentrationAlert(
            unit_kind="department",
            unit_key="wealth_center",
            window_start=date(2026, 11, 1),
            window_end=date(2026, 11, 30),
            count=12,
            expected=3.2,
            p_value=0.0001,
            severity="high",
            trend="rising",
            explanation="财富中心本期投诉 12 件，显著高于历史水平。",
        )
    )
    session.commit()
    row = prepare_concentration_report(session, window_end=date(2026, 11, 30), settings=settings)
    session.commit()
    assert set(row.recipients) == {cast.leader.email, cast.compliance.email}
    assert row.idempotency_key == "report:concentration_report:2026-11-30"
    text = render_email(row.kind, row.context).text
    assert "财富中心" in text and "高" in text and "上升" in text and "第八条" in text


def test_a_new_complaint_notice_attaches_the_written_form_and_writes_none_itself(
    session: Session, settings: Settings, complaint: Complaint
) -> None:
    with pytest.raises(OutboxError, match="handling form"):
        _queue(session, settings, complaint, NotificationKind.new_complaint)
    session.rollback()
    assert (
        session.scalars(select(Document).where(Document.complaint_id == complaint.id)).all() == []
    )

    document = write_handling_form(session, complaint_id=complaint.id, data_dir=settings.data_dir)
    row = _queue(session, settings, complaint, NotificationKind.new_complaint)
    assert row.context["attach_document_id"] == document.id


def test_art4_a_manager_complained_about_is_not_sent_the_handling_form(
    session: Session, settings: Settings, cast: Cast
) -> None:
    """The form holds the customer's details and words (Art. 2(5)); the person complained
    about never receives it (Art. 4 回避), even as the manager told of the new complaint."""
    complaint = make_complaint(
        session, settings, owner=cast.owner, subject_staff=cast.manager.username
    )
    write_handling_form(session, complaint_id=complaint.id, data_dir=settings.data_dir)
    row = _queue(session, settings, complaint, NotificationKind.new_complaint)

    assert cast.manager.email in row.recipients
    assert "attach_document_id" not in row.context and not row.context.get("attachment")
    message = render_email(row.kind, row.context).text
    assert "附件" not in message and "被投诉人员" in message
