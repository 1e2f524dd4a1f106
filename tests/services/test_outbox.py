"""The email outbox: one row per notice, enqueued idempotently, re-sent only when failed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import ComplaintEvent, Notification
from models.db import get_engine
from policy.enums import Department, NotificationStatus, Role
from services.outbox import (
    NotificationKind,
    OutboxError,
    enqueue_notification,
    failed_notifications,
    mark_for_resend,
    notification_key,
    recipients_for,
    report_key,
    unsent_notification_ids,
)
from tests.models.factories import make_complaint, make_user


def _enqueue(session: Session, key: str = "complaint:1:acknowledgement:1", **overrides):
    values = {
        "key": key,
        "kind": NotificationKind.acknowledgement,
        "recipients": ["zhangsan@example.test"],
        "context": {"reference": "TS-20261127-0001"},
    }
    return enqueue_notification(session, **(values | overrides))


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Notification))


def test_notification_key_names_the_complaint_the_kind_and_the_sequence() -> None:
    assert notification_key(7, "progress", 2) == "complaint:7:progress:2"
    assert notification_key(7, NotificationKind.acknowledgement) == "complaint:7:acknowledgement:1"
    assert report_key("concentration_report", "2026-11-30") == (
        "report:concentration_report:2026-11-30"
    )
    with pytest.raises(ValueError):
        notification_key(7, "telegram")


def test_every_kind_has_a_chinese_label_and_a_clause() -> None:
    for kind in NotificationKind:
        assert kind.label and kind.clause
    customer = {kind for kind in NotificationKind if kind.customer_facing}
    assert customer == {"acknowledgement", "progress", "result", "closure"}


def test_enqueueing_one_key_twice_keeps_the_first_row(database_url: str, session: Session) -> None:
    first = _enqueue(session, context={"reference": "first"})
    session.commit()
    again = _enqueue(session, context={"reference": "second"}, recipients=["other@example.test"])
    session.commit()
    assert again.id == first.id
    assert again.context == {"reference": "first"}
    assert again.recipients == ["zhangsan@example.test"]
    assert again.status is NotificationStatus.pending and again.attempts == 0
    assert _count(session) == 1


def test_two_transactions_enqueueing_one_key_at_once_leave_one_row(database_url: str) -> None:
    factory = sessionmaker(bind=get_engine(database_url), expire_on_commit=False)
    ids: dict[str, int] = {}
    inserted = threading.Event()

    def first() -> None:
        with factory.begin() as session:
            ids["first"] = _enqueue(session).id
            inserted.set()
            time.sleep(0.3)  # hold the uncommitted row while the second transaction tries

    def second() -> None:
        inserted.wait(5)
        with factory.begin() as session:
            ids["second"] = _enqueue(session).id

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert ids["first"] == ids["second"]
    with factory() as session:
        assert _count(session) == 1


def test_a_notice_without_recipients_is_refused(database_url: str, session: Session) -> None:
    with pytest.raises(OutboxError, match="no recipient"):
        _enqueue(session, recipients=["", "  "])


def test_a_key_cannot_be_reused_for_another_kind(database_url: str, session: Session) -> None:
    _enqueue(session)
    with pytest.raises(OutboxError, match="already used"):
        _enqueue(session, kind=NotificationKind.closure)


def test_failed_notification_goes_back_to_pending_with_its_attempts_kept(
    session: Session, settings
) -> None:
    complaint = make_complaint(session, settings)
    row = _enqueue(
        session, key=notification_key(complaint.id, "acknowledgement"), complaint_id=complaint.id
    )
    row.status, row.attempts, row.last_error = NotificationStatus.failed, 5, "unreachable"
    session.commit()

    again = mark_for_resend(session, row.id)
    session.commit()

    assert (again.status, again.attempts) == (NotificationStatus.pending, 5)
    assert unsent_notification_ids(session) == [row.id]
    assert failed_notifications(session) == []
    event = session.scalars(
        select(ComplaintEvent).order_by(ComplaintEvent.seq.desc()).limit(1)
    ).one()
    assert event.kind == "notification_resend"
    assert event.data == {
        "notification_id": row.id,
        "notification": "acknowledgement",
        "attempts": 5,
    }


def test_a_sent_notification_cannot_be_marked_for_resend(database_url: str, session: Session):
    row = _enqueue(session)
    row.status = NotificationStatus.sent
    session.commit()
    with pytest.raises(OutboxError, match="already sent"):
        mark_for_resend(session, row.id)


def test_art2_4_customer_notices_go_to_the_customer_only_when_an_email_was_given(
    session: Session, settings
) -> None:
    with_email = make_complaint(session, settings, customer_email="zhangsan@example.test")
    without = make_complaint(session, settings, customer_phone="13900000001")
    for kind in (NotificationKind.acknowledgement, NotificationKind.result):
        assert recipients_for(session, with_email, kind) == ["zhangsan@example.test"]
        assert recipients_for(session, without, kind) == []


def test_art4_art7_staff_notices_go_to_manager_owner_superior_and_leadership(
    session: Session, settings
) -> None:
    manager = make_user(session, role=Role.manager, username="outbox_manager")
    superior = make_user(session, role=Role.manager, username="outbox_superior")
    owner = make_user(session, username="outbox_owner", superior="outbox_superior")
    orphan = make_user(session, username="outbox_orphan")
    leader = make_user(session, role=Role.leadership, username="outbox_leader")
    compliance = make_user(session, role=Role.compliance, username="outbox_compliance")
    complaint = make_complaint(session, settings, owner=owner, department=Department.wealth_center)
    unsupervised = make_complaint(
        session,
        settings,
        owner=orphan,
        customer_phone="13900000002",
        department=Department.wealth_center,
    )

    def to(kind: NotificationKind, about=complaint) -> list[str]:
        return recipients_for(session, about, kind)

    assert to(NotificationKind.new_complaint) == [manager.email]
    assert to(NotificationKind.record_warning) == [owner.email]
    assert to(NotificationKind.record_breach) == [superior.email]
    # Without a superior, the breach goes to the department manager (Art. 7 "报告上级").
    assert to(NotificationKind.record_breach, unsupervised) == [manager.email]
    assert to(NotificationKind.major_case) == [leader.email]
    assert set(to(NotificationKind.concentration_report)) == {leader.email, compliance.email}
