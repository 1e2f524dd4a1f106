"""Art. 2(4), process version 3: the promised reply time is met when the customer hears the
result — when the result notice is sent, or when a contact reaches them once the result is
ready — not when the result is recorded. A customer without email is to be called (a
contact-due item). Versions 1 and 2 keep meeting it when the stage changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models import Deadline
from models.contact_log import ContactDue
from policy.enums import DeadlineKind, DeadlineStatus
from services.contacts import record_contact
from services.delivery import deliver_notification
from services.notices import prepare_notification
from services.steps import assign, record_handling, submit_written_record
from tests.models.factories import NOW, make_complaint
from tests.support.cases import Cast
from tests.support.smtp import SmtpSink

HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mail(smtp_sink: SmtpSink, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> SmtpSink:
    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPLAINTS_SMTP_PORT", str(smtp_sink.port))
    get_settings.cache_clear()
    return smtp_sink


def _handled(session: Session, settings: Settings, cast: Cast, version: int, **intake):  # type: ignore[no-untyped-def]
    complaint = make_complaint(
        session, settings, owner=cast.owner, process_version=version, **intake
    )
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=NOW)
    record_handling(
        session,
        complaint=complaint,
        actor=cast.handler,
        founded=True,
        evidence="核实属实",
        solution="退还费用",
        now=NOW + HOUR,
    )
    session.commit()
    return complaint


def _reply(session: Session, complaint_id: int) -> Deadline:
    session.expire_all()
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint_id, Deadline.kind == DeadlineKind.reply
        )
    ).one()


def test_version_3_meets_the_reply_when_the_result_notice_is_sent(
    session: Session, settings: Settings, cast: Cast, mail: SmtpSink
) -> None:
    complaint = _handled(session, settings, cast, 3, customer_email="kh@example.test")
    assert _reply(session, complaint.id).status is DeadlineStatus.open  # recorded, not told
    notice = prepare_notification(
        session, complaint_id=complaint.id, kind="result", settings=get_settings()
    )
    session.commit()
    assert notice is not None
    assert asyncio.run(deliver_notification(notice.id, get_settings())) == "sent"
    reply = _reply(session, complaint.id)
    session.refresh(notice)
    assert reply.status is DeadlineStatus.met and reply.met_at == notice.sent_at


def test_version_3_without_email_the_customer_is_called_and_the_contact_meets_it(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = _handled(session, settings, cast, 3, customer_email=None)
    (due,) = session.scalars(select(ContactDue).where(ContactDue.reason == "result_ready"))
    assert due.cleared_at is None
    assert _reply(session, complaint.id).status is DeadlineStatus.open
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=False,
        summary="未接通",
        now=NOW + 2 * HOUR,
    )
    assert _reply(session, complaint.id).status is DeadlineStatus.open  # not reached
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=True,
        summary="已电话告知处理结果",
        now=NOW + 3 * HOUR,
    )
    session.commit()
    reply = _reply(session, complaint.id)
    assert reply.status is DeadlineStatus.met and reply.met_at == NOW + 3 * HOUR
    session.refresh(due)
    assert due.cleared_at == NOW + 3 * HOUR


def test_a_contact_before_the_result_is_ready_does_not_meet_the_reply(
    session: Session, settings: Settings, cast: Cast
) -> None:
    complaint = make_complaint(session, settings, owner=cast.owner)
    record_contact(
        session,
        complaint=complaint,
        actor=cast.manager,
        method="phone",
        reached=True,
        summary="告知正在核实",
        now=NOW + HOUR,
    )
    assert _reply(session, complaint.id).status is DeadlineStatus.open


def test_versions_1_and_2_meet_the_reply_when_the_result_is_recorded(
    session: Session, settings: Settings, cast: Cast
) -> None:
    for version in (1, 2):
        complaint = _handled(session, settings, cast, version)
        reply = _reply(session, complaint.id)
        assert reply.status is DeadlineStatus.met and reply.met_at == NOW + HOUR
