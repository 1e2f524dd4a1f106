"""What each channel records beside the complaint (Art. 3): a regulator transfer's body,
document number and deadline (which caps the reply time), and the reply to the regulator
before closure; the on-site reception; the sales manager; the internal transfer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Complaint, ComplaintEvent, Deadline
from models.channels import ChannelDetails
from models.db import utcnow
from policy.enums import Channel, DeadlineKind, DeadlineStatus, Role, Stage
from services.channels import (
    ChannelDetailsInput,
    channel_details_lines,
    record_regulator_reply,
    update_channel_details,
)
from services.closure import close_complaint
from services.extensions import request_extension
from services.intake import IntakeError
from services.step_errors import StepConflict, StepForbidden, StepInputError
from services.steps import (
    assign,
    decide_major,
    record_feedback,
    record_handling,
    submit_written_record,
)
from tests.models.factories import NOW, make_complaint, make_user

REGULATOR = ChannelDetailsInput(
    transferring_body="四川证监局",
    document_number="川证监函〔2026〕88号",
    regulator_reply_due=NOW + timedelta(days=5),
)


@pytest.fixture
def people(session: Session) -> dict:
    manager = make_user(session, role=Role.manager, username="mgr")
    return {
        "manager": manager,
        "owner": make_user(session, username="owner", superior="mgr"),
        "handler": make_user(session, username="handler", superior="mgr"),
        "colleague": make_user(session, username="colleague", superior="mgr"),
        "leader": make_user(session, role=Role.leadership, username="leader"),
    }


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _reply_deadline(session: Session, complaint: Complaint) -> Deadline:
    return session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id,
            Deadline.kind == DeadlineKind.reply,
            Deadline.status == DeadlineStatus.open,
        )
    ).one()


def test_art3_an_earlier_regulator_deadline_caps_the_promised_reply_time_at_intake(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.regulator_transfer,
        promised_reply_at=NOW + timedelta(days=15),
        channel_details=REGULATOR,
    )
    assert complaint.promised_reply_at == NOW + timedelta(days=5)
    assert _reply_deadline(session, complaint).due_at == NOW + timedelta(days=5)
    row = session.get_one(ChannelDetails, complaint.id)
    assert (row.transferring_body, row.document_number) == ("四川证监局", "川证监函〔2026〕88号")
    event = session.scalar(
        select(ComplaintEvent).where(ComplaintEvent.kind == "channel_details_recorded")
    )
    assert event.data["reply_capped"] is True
    assert event.data["regulator_reply_due"] == (NOW + timedelta(days=5)).isoformat()


def test_art3_a_later_regulator_deadline_leaves_the_promised_reply_time(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.regulator_transfer,
        promised_reply_at=NOW + timedelta(days=3),
        channel_details=REGULATOR,
    )
    assert complaint.promised_reply_at == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("channel", "details", "field"),
    [
        (
            Channel.regulator_transfer,
            ChannelDetailsInput(regulator_reply_due=NOW + timedelta(days=5)),
            "transferring_body",
        ),
        (
            Channel.regulator_transfer,
            ChannelDetailsInput(transferring_body="12386 热线"),
            "regulator_reply_due",
        ),
        (
            Channel.regulator_transfer,
            ChannelDetailsInput(
                transferring_body="金融监管局", regulator_reply_due=NOW - timedelta(hours=1)
            ),
            "regulator_reply_due",
        ),
        (Channel.internal_transfer, ChannelDetailsInput(), "transferred_by"),
        (Channel.phone, ChannelDetailsInput(transferring_body="四川证监局"), "transferring_body"),
        (Channel.onsite, ChannelDetailsInput(received_by="nobody"), "received_by"),
        (
            Channel.sales_manager,
            ChannelDetailsInput(sales_manager="colleague", sales_manager_name="李经理"),
            "sales_manager_name",
        ),
        (Channel.onsite, ChannelDetailsInput(reception_place="室" * 101), "reception_place"),
    ],
)
def test_bad_channel_details_are_refused_naming_the_field_and_nothing_is_saved(
    session: Session, settings, people, channel: Channel, details: ChannelDetailsInput, field: str
) -> None:
    with pytest.raises(IntakeError) as refused:
        make_complaint(
            session, settings, owner=people["owner"], channel=channel, channel_details=details
        )
    assert refused.value.field == field
    assert _count(session, Complaint) == 0
    assert _count(session, ChannelDetails) == 0


def test_onsite_reception_and_sales_manager_default_to_the_person_entering_it(
    session: Session, settings, people
) -> None:
    onsite = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.onsite,
        channel_details=ChannelDetailsInput(reception_place="客户接待室"),
    )
    row = session.get_one(ChannelDetails, onsite.id)
    assert row.received_by_id == people["owner"].id
    assert row.reception_at == onsite.received_at
    assert row.reception_place == "客户接待室"
    by_user = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.sales_manager,
        channel_details=ChannelDetailsInput(sales_manager="colleague"),
    )
    assert session.get_one(ChannelDetails, by_user.id).sales_manager_id == people["colleague"].id
    by_name = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.sales_manager,
        channel_details=ChannelDetailsInput(sales_manager_name="李经理"),
    )
    named = session.get_one(ChannelDetails, by_name.id)
    assert (named.sales_manager_id, named.sales_manager_name) == (None, "李经理")
    default = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.sales_manager
    )
    assert session.get_one(ChannelDetails, default.id).sales_manager_id == people["owner"].id
    internal = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.internal_transfer,
        channel_details=ChannelDetailsInput(transferred_by="分管副总经理"),
    )
    assert channel_details_lines(session, internal, settings) == [
        "投诉渠道：公司领导或其他部门转办",
        "转办领导或部门：分管副总经理",
    ]
    phone = make_complaint(session, settings, owner=people["owner"])
    assert session.get(ChannelDetails, phone.id) is None


def _to_feedback(session: Session, people: dict, complaint: Complaint) -> None:
    now = utcnow()
    submit_written_record(session, complaint=complaint, actor=people["owner"], text="记录", now=now)
    assign(session, complaint=complaint, actor=people["manager"], handler="handler", now=now)
    if complaint.stage is Stage.awaiting_major_decision:
        decide_major(
            session,
            complaint=complaint,
            actor=people["manager"],
            major=False,
            reason="一般",
            now=now,
        )
    record_handling(
        session,
        complaint=complaint,
        actor=people["handler"],
        founded=True,
        evidence="属实",
        solution="致歉",
        now=now,
    )
    assert complaint.stage is Stage.awaiting_feedback


def test_art3_a_regulator_transfer_closes_only_after_the_reply_to_the_regulator(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.regulator_transfer
    )
    _to_feedback(session, people, complaint)
    session.commit()
    events = _count(session, ComplaintEvent)
    with pytest.raises(StepConflict, match="须先登记对监管部门的回复"):
        record_feedback(
            session,
            complaint=complaint,
            actor=people["owner"],
            satisfied=True,
            comment="",
            now=utcnow(),
        )
    session.rollback()
    assert complaint.stage is Stage.awaiting_feedback
    assert _count(session, ComplaintEvent) == events
    # Only those who answer for the case record the reply; its input is checked.
    with pytest.raises(StepForbidden):
        record_regulator_reply(
            session,
            complaint=complaint,
            actor=people["colleague"],
            method="书面函件",
            note="已函复",
            now=utcnow(),
        )
    with pytest.raises(StepInputError) as refused:
        record_regulator_reply(
            session,
            complaint=complaint,
            actor=people["handler"],
            method="书面函件",
            note=" ",
            now=utcnow(),
        )
    assert refused.value.field == "regulator_reply_note"
    record_regulator_reply(
        session,
        complaint=complaint,
        actor=people["handler"],
        method="监管系统报送",
        note="川证监回〔2026〕12号",
        replied_by="mgr",
        now=utcnow(),
    )
    session.commit()
    record_feedback(
        session,
        complaint=complaint,
        actor=people["owner"],
        satisfied=True,
        comment="",
        now=utcnow(),
    )
    assert complaint.stage is Stage.closed
    lines = channel_details_lines(session, complaint, settings)
    assert lines[1:3] == ["转办单位：四川证监局", "转办文号：川证监函〔2026〕1号"]
    assert lines[4].startswith("回复监管：") and "监管系统报送" in lines[4] and "mgr" in lines[4]
    # Closed: the details and the reply stay as they are.
    with pytest.raises(StepConflict):
        update_channel_details(
            session, complaint=complaint, actor=people["owner"], given=REGULATOR, now=utcnow()
        )


def test_art3_an_early_closure_of_a_regulator_transfer_waits_for_the_reply_too(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.regulator_transfer
    )
    session.commit()
    with pytest.raises(StepConflict, match="须先登记对监管部门的回复"):
        close_complaint(
            session,
            complaint=complaint,
            actor=people["manager"],
            reason="withdrawn",
            withdrawal_method="phone",
            note="客户来电撤回",
            now=utcnow(),
        )
    session.rollback()
    record_regulator_reply(
        session,
        complaint=complaint,
        actor=people["owner"],
        method="电话",
        note="客户已撤回，电话告知",
        now=utcnow(),
    )
    close_complaint(
        session,
        complaint=complaint,
        actor=people["manager"],
        reason="withdrawn",
        withdrawal_method="phone",
        note="客户来电撤回",
        now=utcnow(),
    )
    assert complaint.stage is Stage.closed


def test_a_complaint_pinned_to_version_2_closes_by_its_own_steps_as_before(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session,
        settings,
        owner=people["owner"],
        channel=Channel.regulator_transfer,
        process_version=2,
    )
    _to_feedback(session, people, complaint)
    record_feedback(
        session,
        complaint=complaint,
        actor=people["owner"],
        satisfied=True,
        comment="",
        now=utcnow(),
    )
    assert complaint.stage is Stage.closed


def test_art3_a_corrected_earlier_regulator_deadline_moves_the_reply_limit(
    session: Session, settings, people
) -> None:
    complaint = make_complaint(
        session, settings, owner=people["owner"], channel=Channel.regulator_transfer
    )
    assert complaint.promised_reply_at == NOW + timedelta(days=15)
    earlier = NOW + timedelta(days=10)
    given = ChannelDetailsInput(transferring_body="金融监管局", regulator_reply_due=earlier)
    with pytest.raises(StepForbidden):
        update_channel_details(
            session, complaint=complaint, actor=people["colleague"], given=given, now=utcnow()
        )
    update_channel_details(
        session, complaint=complaint, actor=people["manager"], given=given, now=utcnow()
    )
    assert complaint.promised_reply_at == earlier
    assert _reply_deadline(session, complaint).due_at == earlier
    row = session.get_one(ChannelDetails, complaint.id)
    assert (row.transferring_body, row.document_number) == ("金融监管局", None)
    # A later reply time asked for may not pass the regulator's deadline.
    with pytest.raises(StepInputError, match="不能晚于监管回复期限") as refused:
        request_extension(
            session,
            complaint=complaint,
            actor=people["owner"],
            new_reply_at=earlier + timedelta(days=1),
            reason="需调取录音",
            now=utcnow(),
        )
    assert refused.value.field == "new_reply_at"
