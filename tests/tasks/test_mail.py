"""Email delivery (Art. 2(1), 2(4)) against real SMTP servers — accepting, STARTTLS, refusing
and down — through the outbox's delivery service and the Prefect tasks that queue and send."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import pickle
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

from config.settings import Settings
from models import ComplaintEvent, Notification
from models.complaint import Complaint
from policy.enums import NotificationStatus
from services.delivery import DeliveryError, deliver_notification
from services.handling_form import write_handling_form
from services.notices import (
    prepare_notification,
)
from services.outbox import NotificationKind, mark_for_resend
from tasks.mail import queue_notification, send_notification
from tests.support.cases import Cast
from tests.support.postgres import free_port
from tests.tasks.conftest import SmtpServer, point_mail_at

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


def test_a_customer_without_email_is_an_expected_situation_told_at_info_with_the_reference(
    session: Session, settings: Settings, cast: Cast, caplog: pytest.LogCaptureFixture
) -> None:
    """No acknowledgement is queued for a customer without an email address (Art. 2(4) is met
    by a contact instead): the log says so at INFO, with the complaint's reference, not as a
    warning on every resume."""
    from tests.models.factories import make_complaint

    complaint = make_complaint(session, settings, owner=cast.owner, customer_email=None)
    session.commit()
    with caplog.at_level("DEBUG"):
        assert queue_notification.fn(complaint.id, "acknowledgement") is None
    (told,) = [record for record in caplog.records if "acknowledgement" in record.getMessage()]
    assert told.levelname == "INFO" and complaint.reference in told.getMessage()


def test_a_sent_notice_is_logged_by_its_reference_and_name_without_recipients(
    session: Session,
    settings: Settings,
    complaint: Complaint,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = point_mail_at(monkeypatch, smtp_server.port)
    row = _queue(session, settings, complaint, NotificationKind.acknowledgement)
    with caplog.at_level("INFO"):
        assert send_notification.fn(row.id) == "sent"
    (told,) = [r.getMessage() for r in caplog.records if r.getMessage().endswith(": sent")]
    assert told == f"{complaint.reference} 受理回执（通知 {row.id}）: sent"
    assert "zhangsan" not in told  # Art. 2(5)
