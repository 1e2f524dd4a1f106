"""Intake (Art. 2(4), Art. 4): a complaint is saved whole with its owner, deadlines and log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Complaint, ComplaintEvent, Contact, Customer, Deadline
from policy.enums import Category, DeadlineKind, Department, Stage
from services.intake import IntakeError
from tests.models.factories import NOW, make_complaint, make_user


def test_references_count_up_per_local_day(session: Session, settings) -> None:
    first = make_complaint(session, settings)
    second = make_complaint(session, settings, customer_phone="13900000000")
    # 02:00 UTC is 10:00 on 27 November in Asia/Shanghai.
    assert (first.reference, second.reference) == ("TS-20261127-0001", "TS-20261127-0002")


def test_personal_data_lives_in_the_contact_table_only(session: Session, settings) -> None:
    complaint = make_complaint(session, settings)
    session.commit()
    contact = session.get(Contact, complaint.id)
    assert (contact.name, contact.phone) == ("张三", "13800001234")
    assert session.get(Customer, complaint.customer_id).phone == "13800001234"
    event = session.scalar(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
    )
    assert "张三" not in str(event.data) and "13800001234" not in str(event.data)


def test_art4_written_record_due_24_hours_after_receipt_owned_by_first_inquiry_owner(
    session: Session, settings
) -> None:
    owner = make_user(session)
    complaint = make_complaint(session, settings, owner=owner)
    deadlines = {d.kind: d for d in session.scalars(select(Deadline))}
    record = deadlines[DeadlineKind.written_record]
    assert record.due_at == complaint.received_at + timedelta(hours=24)
    assert record.responsible_user_id == owner.id == complaint.first_inquiry_owner_id
    assert record.warn_at < record.due_at
    assert deadlines[DeadlineKind.reply].due_at == complaint.promised_reply_at
    assert complaint.stage is Stage.awaiting_written_record


def test_art2_4_unresolved_complaint_without_promised_reply_time_is_refused(
    session: Session, settings
) -> None:
    owner = make_user(session)
    session.commit()
    with pytest.raises(IntakeError) as refused:
        make_complaint(session, settings, owner=owner, promised_reply_at=None)
    assert refused.value.field == "promised_reply_at"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_art4_2_resolved_on_the_spot_still_needs_its_written_record(
    session: Session, settings
) -> None:
    complaint = make_complaint(
        session,
        settings,
        resolved_on_the_spot=True,
        resolution="当场致歉并办理",
        promised_reply_at=None,
    )
    kinds = set(session.scalars(select(Deadline.kind)))
    assert kinds == {DeadlineKind.written_record}
    assert complaint.promised_reply_at is None


def test_staff_override_of_the_suggestion_is_kept_in_the_log(session: Session, settings) -> None:
    complaint = make_complaint(
        session,
        settings,
        category=Category.service_attitude,
        department=Department.general_management,
    )
    assert complaint.suggested_category is Category.efficiency
    assert complaint.category is Category.service_attitude
    event = session.scalar(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
    )
    assert event.data["overrides"]["category"] == {
        "suggested": "efficiency",
        "confirmed": "service_attitude",
    }
    assert event.data["overrides"]["department"]["confirmed"] == "general_management"


def test_art2_4_second_complaint_by_the_same_customer_is_linked_as_repeat(
    session: Session, settings
) -> None:
    first = make_complaint(session, settings)
    second = make_complaint(session, settings, received_at=NOW - timedelta(minutes=1))
    other = make_complaint(session, settings, customer_phone="13700000000")
    assert second.repeat_of_id == first.id
    assert other.repeat_of_id is None
    assert first.customer_id == second.customer_id


def test_received_time_in_the_future_is_refused(session: Session, settings) -> None:
    with pytest.raises(IntakeError, match="受理时间"):
        make_complaint(session, settings, received_at=NOW + timedelta(hours=1))
