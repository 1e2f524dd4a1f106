"""Email notifications (Art. 2(1), 2(2), 2(4), 4, 7, 8): what each notice says, to whom, and
how delivery behaves against real SMTP servers — accepting, STARTTLS, refusing and down."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import pickle
from datetime import date, timedelta
from pathlib import Path

import pytest
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.logging.handlers import APILogHandler
from sqlalchemy import select
from sqlalchemy.orm import Session

from complaints.settings import Settings
from models import Assignment, ComplaintEvent, ConcentrationAlert, Deadline, Document, Notification
from models.complaint import Complaint
from models.delivery import DeliveryError, deliver_notification
from models.directory import department_by_code
from models.handling_form import write_handling_form
from models.notices import (
    TEMPLATE_DIR,
    prepare_concentration_report,
    prepare_notification,
    render_email,
)
from models.outbox import NotificationKind, OutboxError, mark_for_resend
from policy.enums import DeadlineKind, Department, NotificationStatus, Role
from tasks.mail import send_notification
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast, carry_through, make_staff
from tests.support.postgres import free_port
from tests.tasks.conftest import SmtpServer, point_mail_at

STAFF_NAMES = ("王经理", "赵主任", "李首问", "陈处理", "刘总", "孙合规", "wang_manager", "li_owner")
PERSONAL = ("zhangsan@example.test", "张三", "13800001234", "赎回款")


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
    if kind not in (NotificationKind.concentration_report, NotificationKind.run_failure)
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


# Delivery against real servers --------------------------------------------------------------


def test_acknowledgement_reaches_the_customer_as_text_and_html(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, smtp_server.port)
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    assert send_notification.fn(row.id) == "sent"

    (received,) = smtp_server.messages
    assert received.rcpt_tos == ["zhangsan@example.test"]
    assert received.mail_from == settings.mail_from
    message = received.message
    assert message["Subject"] == row.subject
    assert message["To"] == "zhangsan@example.test"
    assert message["From"].addresses[0].display_name == "四川金融资产交易所"
    assert message.get_content_type() == "multipart/alternative"
    assert complaint.reference in message.get_body(("plain",)).get_content()
    assert "<html" in message.get_body(("html",)).get_content()
    stored = _reload(session, row)
    assert stored.status is NotificationStatus.sent and stored.attempts == 1
    assert stored.smtp_message_id == message["Message-ID"] and stored.sent_at is not None
    event = session.scalars(
        select(ComplaintEvent).order_by(ComplaintEvent.seq.desc()).limit(1)
    ).one()
    assert (event.kind, event.data["notification_id"]) == ("notification_sent", row.id)


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


def test_art4_1_new_complaint_notice_carries_the_handling_form(
    session: Session,
    settings: Settings,
    cast: Cast,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, smtp_server.port)
    document = write_handling_form(session, complaint_id=complaint.id, data_dir=settings.data_dir)
    row = _queue(session, settings, complaint, NotificationKind.new_complaint)
    assert row.context["attach_document_id"] == document.id

    assert _deliver(row.id, settings) == "sent"

    (received,) = smtp_server.messages
    assert received.rcpt_tos == [cast.manager.email]
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"客户投诉处理表-{complaint.reference}.docx"
    assert attachment.get_content_type().endswith("wordprocessingml.document")
    content = attachment.get_content()
    assert content == Path(document.path).read_bytes()
    assert hashlib.sha256(content).hexdigest() == document.sha256


def test_sent_notification_is_never_sent_again_even_when_the_task_runs_twice(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, smtp_server.port)
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    outcomes = [send_notification.fn(row.id), send_notification.fn(row.id)]

    assert outcomes == ["sent", "already-sent"]
    assert len(smtp_server.messages) == 1
    assert _reload(session, row).attempts == 1


def test_a_recipient_refused_among_others_is_noted_and_the_rest_are_served(
    session: Session,
    settings: Settings,
    cast: Cast,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, smtp_server.port)
    smtp_server.handler.unknown_mailboxes.add("gone@example.test")
    row = _queue(session, settings, complaint, NotificationKind.major_case)
    row.recipients = [cast.leader.email, "gone@example.test"]
    row.subject = ""  # left to delivery, which renders and stores it
    session.commit()

    assert _deliver(row.id, settings) == "sent"

    (received,) = smtp_server.messages
    assert received.rcpt_tos == [cast.leader.email]
    stored = _reload(session, row)
    assert stored.status is NotificationStatus.sent
    assert "gone@example.test" in stored.last_error and "1 recipient" in stored.last_error
    assert stored.subject == received.message["Subject"] and complaint.reference in stored.subject


def test_starttls_path_encrypts_the_session_and_validates_the_certificate(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    starttls_smtp_server: SmtpServer,
    tls_certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, starttls_smtp_server.port, smtp_starttls="true")
    # The client trusts the self-signed certificate as its CA bundle; validation stays on.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate[0]))
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    assert _deliver(row.id, settings) == "sent"

    (received,) = starttls_smtp_server.messages
    assert received.encrypted
    assert received.rcpt_tos == ["zhangsan@example.test"]


def test_starttls_with_an_untrusted_certificate_is_not_sent_in_clear(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    starttls_smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, starttls_smtp_server.port, smtp_starttls="true")
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    assert send_notification.fn(row.id) == "failed"

    assert starttls_smtp_server.messages == []
    stored = _reload(session, row)
    assert stored.status is NotificationStatus.failed and stored.last_error.startswith("tls")


def test_server_refusing_the_message_marks_it_failed_after_one_attempt(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    refusing_smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = point_mail_at(monkeypatch, refusing_smtp_server.port)
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    with pytest.raises(DeliveryError) as refused:
        _deliver(row.id, settings)
    assert (refused.value.code, refused.value.smtp_code, refused.value.permanent) == (
        "refused",
        550,
        True,
    )
    assert "@" not in str(refused.value) and refused.value.__cause__ is None
    # The task does not retry a permanent refusal: it marks the row failed and returns.
    assert send_notification.fn(row.id) == "failed"

    assert refusing_smtp_server.handler.data_commands == 2
    stored = _reload(session, row)
    assert (stored.status, stored.attempts) == (NotificationStatus.failed, 2)
    assert "550" in stored.last_error and stored.sent_at is None
    # A failed row waits for a person: delivery does not try it again on its own.
    assert _deliver(row.id, settings) == "failed"
    assert refusing_smtp_server.handler.data_commands == 2


def test_failed_notification_is_sent_after_mark_for_resend(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    point_mail_at(monkeypatch, free_port())  # nothing listens there
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)
    assert send_notification.fn(row.id) == "failed"
    assert _reload(session, row).last_error.startswith("unreachable")

    mark_for_resend(session, row.id)
    session.commit()
    point_mail_at(monkeypatch, smtp_server.port)
    assert send_notification.fn(row.id) == "sent"

    stored = _reload(session, row)
    assert (stored.status, stored.attempts) == (NotificationStatus.sent, 2)
    assert len(smtp_server.messages) == 1


def test_delivery_error_names_only_the_notification_and_survives_pickling() -> None:
    error = DeliveryError(12, "acknowledgement", "refused", 550)
    assert str(error) == "notification 12 (acknowledgement) not delivered: refused (SMTP 550)"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.notification_id, copy.code, copy.smtp_code, copy.permanent) == (
        12,
        "refused",
        550,
        True,
    )
    assert not DeliveryError(12, "acknowledgement", "unreachable").permanent


def test_send_task_takes_only_an_id_and_carries_no_tags() -> None:
    # Tags would cost a tag-concurrency round trip per task run (see tasks/__init__.py).
    assert not send_notification.tags
    assert list(inspect.signature(send_notification.fn).parameters) == ["notification_id"]


# Through Prefect: retries, and what Prefect gets to see ------------------------------------


@flow
def notify(notification_id: int) -> str:
    return send_notification.with_options(retries=2, retry_delay_seconds=0)(notification_id)


@pytest.mark.prefect
def test_smtp_outage_is_retried_then_marked_failed_without_failing_the_flow(
    prefect_server: None,
    session: Session,
    settings: Settings,
    complaint: Complaint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    point_mail_at(monkeypatch, free_port())  # nothing listens there
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)

    state = notify(row.id, return_state=True)

    assert state.is_completed() and state.result() == "failed"
    stored = _reload(session, row)
    assert (stored.status, stored.attempts) == (NotificationStatus.failed, 3)
    assert stored.last_error.startswith("unreachable")


@pytest.mark.prefect
def test_art2_5_prefect_sees_ids_and_status_words_never_addresses_or_names(
    prefect_server: None,
    session: Session,
    settings: Settings,
    complaint: Complaint,
    smtp_server: SmtpServer,
    refusing_smtp_server: SmtpServer,
    deferring_smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows, states = [], []
    for sequence, server in enumerate((smtp_server, refusing_smtp_server, deferring_smtp_server)):
        rows.append(_queue(session, settings, complaint, "progress", sequence=sequence + 1))
        point_mail_at(monkeypatch, server.port)
        states.append(notify(rows[-1].id, return_state=True))
    assert [state.result() for state in states] == ["sent", "failed", "failed"]
    assert deferring_smtp_server.handler.data_commands == 3  # a temporary error is retried
    APILogHandler().flush()  # send the batched logs before reading them back

    seen: list[str] = []
    with get_client(sync_client=True) as client:
        for state in states:
            run_id = state.state_details.flow_run_id
            run = client.read_flow_run(run_id)
            seen += [run.name, json.dumps(run.parameters, ensure_ascii=False)]
            seen += [
                log.message
                for log in client.read_logs(
                    log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))
                )
            ]
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
            )
            for task_run in task_runs:
                seen += [task_run.name, json.dumps(task_run.task_inputs, default=str)]
                seen += [s.message or "" for s in client.read_task_run_states(task_run.id)]
    assert any("Retry 1/2" in text and "deferred" in text for text in seen)
    assert any("marked failed: refused" in text for text in seen)
    secrets = (*PERSONAL, *(row.subject for row in rows), "someone@example.test")
    leaked = [secret for secret in secrets if any(secret in text for text in seen)]
    assert leaked == []
