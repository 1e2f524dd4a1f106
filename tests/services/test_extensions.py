"""A later reply time with the superior's approval (Art. 2(4), Art. 7): who may ask (the handler
or the first-inquiry owner) and while the reply is owed, one request pending at a time, the
limits counted from receipt; who decides (the requester's superior, else the department's
manager, or leadership; never the requester); an approval moves the promise and the reply's
deadline and tells the customer once, a refusal changes nothing but the request."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import ComplaintEvent, Deadline, Notification
from models.contact_log import ContactDue
from models.extensions import ReplyExtension
from policy.enums import DeadlineKind, DeadlineStatus, Department, Role
from policy.extensions import ExtensionStatus
from services.contacts import record_contact
from services.extensions import decide_extension, extensions_of, pending_for, request_extension
from services.step_errors import StepConflict, StepForbidden, StepInputError, StepNotFound
from services.steps import assign, record_handling, submit_written_record
from tests.models.factories import NOW, make_complaint, make_user
from tests.support.cases import Cast

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The complaint was received on Friday 2026-11-27 (09:55 local); 15 working days after it end
# on 2026-12-18 18:00 local, 30 days on 2026-12-27, 60 days on 2027-01-26.
DEFAULT_LIMIT = datetime(2026, 12, 18, 18, 0, tzinfo=SHANGHAI)
COMPLEX_LIMIT = datetime(2026, 12, 27, 23, 0, tzinfo=SHANGHAI)
ASKED_AT = NOW + timedelta(days=3)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _assigned(session: Session, complaint, cast: Cast):  # type: ignore[no-untyped-def]
    submit_written_record(session, complaint=complaint, actor=cast.owner, text="记录", now=NOW)
    assign(session, complaint=complaint, actor=cast.manager, handler="chen_handler", now=NOW)
    session.commit()
    return complaint


def _ask(session: Session, complaint, actor, **overrides) -> ReplyExtension:  # type: ignore[no-untyped-def]
    values = {
        "new_reply_at": DEFAULT_LIMIT,
        "reason": "需向托管银行调取划付记录，预计需要五个工作日",
        "now": ASKED_AT,
    } | overrides
    return request_extension(session, complaint=complaint, actor=actor, **values)


def _reply_deadlines(session: Session, complaint_id: int) -> list[tuple[DeadlineStatus, datetime]]:
    return [
        (d.status, d.due_at)
        for d in session.scalars(
            select(Deadline)
            .where(Deadline.complaint_id == complaint_id, Deadline.kind == DeadlineKind.reply)
            .order_by(Deadline.sequence)
        )
    ]


def _progress(session: Session, complaint_id: int) -> list[Notification]:
    """The progress notices telling the customer of an extension (not the assignment's)."""
    return [
        notice
        for notice in session.scalars(
            select(Notification).where(
                Notification.complaint_id == complaint_id, Notification.kind == "progress"
            )
        )
        if "延期" in (notice.context.get("note") or "")
    ]


# Asking ---------------------------------------------------------------------------------------


def test_art2_4_the_handler_and_the_first_inquiry_owner_may_ask(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    asked = _ask(session, complaint, cast.owner)
    session.commit()
    assert (asked.status, asked.requested_by_id) == (ExtensionStatus.pending, cast.owner.id)
    assert asked.previous_reply_at == complaint.promised_reply_at
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.superior,
        approved=False,
        comment="请先按原时限办理",
        now=ASKED_AT,
    )
    _ask(session, complaint, cast.handler)
    session.commit()
    assert [e.requested_by_id for e in extensions_of(session, complaint.id)] == [
        cast.owner.id,
        cast.handler.id,
    ]


def test_art5_4_nobody_else_may_ask_and_nothing_is_saved(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    events = _count(session, ComplaintEvent)
    for actor in (cast.manager, cast.superior, cast.leader, cast.compliance, make_user(session)):
        with pytest.raises(StepForbidden, match="跟进人员或首问负责人"):
            _ask(session, complaint, actor)
        session.rollback()
    assert _count(session, ReplyExtension) == 0 and _count(session, ComplaintEvent) == events


def test_one_request_pending_at_a_time(session: Session, complaint, cast: Cast) -> None:
    _assigned(session, complaint, cast)
    _ask(session, complaint, cast.owner)
    session.commit()
    with pytest.raises(StepConflict, match="待上级审批"):
        _ask(session, complaint, cast.handler)
    session.rollback()
    assert _count(session, ReplyExtension) == 1


def test_art2_4_no_request_once_the_customer_heard_the_result(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    record_handling(
        session,
        complaint=complaint,
        actor=cast.handler,
        founded=True,
        evidence="属实",
        solution="补划款项",
        now=NOW + timedelta(days=1),
    )
    # Process version 3: the customer hears the result by its notice or a contact.
    record_contact(
        session,
        complaint=complaint,
        actor=cast.handler,
        method="phone",
        reached=True,
        summary="已告知处理结果",
        now=NOW + timedelta(days=1, hours=1),
    )
    session.commit()
    with pytest.raises(StepConflict, match="已告知客户"):
        _ask(session, complaint, cast.handler)


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"new_reply_at": DEFAULT_LIMIT + timedelta(minutes=1)}, "new_reply_at", "15 个工作日"),
        (
            {"new_reply_at": COMPLEX_LIMIT + timedelta(hours=1), "complex_case": True},
            "new_reply_at",
            "复杂投诉受理之日起 30 天",
        ),
        ({"new_reply_at": NOW + timedelta(days=10)}, "new_reply_at", "晚于现在承诺的回复时间"),
        ({"new_reply_at": None}, "new_reply_at", "请填写申请延至的回复时间"),
        ({"reason": "  "}, "reason", "请填写延期理由"),
        ({"reason": "长" * 1001}, "reason", "不能超过 1000 个字符"),
    ],
)
def test_art7_limits_counted_from_receipt_and_a_reason_or_refused_in_chinese(
    session: Session, complaint, cast: Cast, overrides, field, words
) -> None:
    _assigned(session, complaint, cast)
    events = _count(session, ComplaintEvent)
    with pytest.raises(StepInputError) as refused:
        _ask(session, complaint, cast.owner, **overrides)
    assert refused.value.field == field and words in refused.value.message
    if "受理之日起" in words or "个工作日" in words:
        assert "请及时向上级报告（第七条）" in refused.value.message
    session.rollback()
    assert _count(session, ReplyExtension) == 0 and _count(session, ComplaintEvent) == events


def test_a_complex_case_may_ask_for_up_to_30_days_after_receipt(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    asked = _ask(session, complaint, cast.owner, new_reply_at=COMPLEX_LIMIT, complex_case=True)
    assert asked.complex_case and asked.new_reply_at == COMPLEX_LIMIT


# Deciding -------------------------------------------------------------------------------------


def test_art7_an_approval_moves_the_promise_and_the_reply_deadline_and_tells_the_customer_once(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    promised = complaint.promised_reply_at
    asked = _ask(session, complaint, cast.owner)
    session.commit()
    assert complaint.promised_reply_at == promised  # nothing moves before the approval
    decided_at = ASKED_AT + timedelta(hours=2)
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.superior,  # the owner's superior
        approved=True,
        comment="同意",
        now=decided_at,
    )
    session.commit()
    assert complaint.promised_reply_at == DEFAULT_LIMIT
    assert _reply_deadlines(session, complaint.id) == [
        (DeadlineStatus.cancelled, promised),
        (DeadlineStatus.open, DEFAULT_LIMIT),
    ]
    (notice,) = _progress(session, complaint.id)
    assert "2026-12-18 18:00" in notice.context["note"]
    assert "需向托管银行调取划付记录" in notice.context["note"]
    assert (asked.status, asked.decided_by_id) == (ExtensionStatus.approved, cast.superior.id)
    # Decided once: a second decision is refused, and the customer is not told again.
    with pytest.raises(StepConflict, match="已批准"):
        decide_extension(
            session,
            complaint=complaint,
            extension_id=asked.id,
            actor=cast.leader,
            approved=True,
            comment="",
            now=decided_at,
        )
    session.rollback()
    assert len(_progress(session, complaint.id)) == 1
    kinds = list(
        session.scalars(
            select(ComplaintEvent.kind)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.seq)
        )
    )
    assert kinds[-2:] == ["reply_extension_requested", "reply_extension_decided"]


def test_art7_a_breached_reply_stays_breached_when_an_extension_is_approved(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    promised = complaint.promised_reply_at
    (deadline,) = session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id, Deadline.kind == DeadlineKind.reply
        )
    )
    deadline.status, deadline.breached_at = DeadlineStatus.breached, promised
    session.commit()
    late = promised + timedelta(hours=1)
    asked = _ask(session, complaint, cast.owner, now=late)
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.leader,
        approved=True,
        comment="",
        now=late,
    )
    session.commit()
    assert _reply_deadlines(session, complaint.id) == [
        (DeadlineStatus.breached, promised),
        (DeadlineStatus.open, DEFAULT_LIMIT),
    ]


def test_a_refusal_changes_nothing_but_the_request_and_needs_a_comment(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    promised, deadlines = complaint.promised_reply_at, _reply_deadlines(session, complaint.id)
    asked = _ask(session, complaint, cast.owner)
    session.commit()
    with pytest.raises(StepInputError, match="请填写审批意见"):
        decide_extension(
            session,
            complaint=complaint,
            extension_id=asked.id,
            actor=cast.superior,
            approved=False,
            comment=" ",
            now=ASKED_AT,
        )
    session.rollback()
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.superior,
        approved=False,
        comment="理由不充分，请按原时限答复",
        now=ASKED_AT,
    )
    session.commit()
    assert (asked.status, asked.comment) == (ExtensionStatus.refused, "理由不充分，请按原时限答复")
    assert complaint.promised_reply_at == promised
    assert _reply_deadlines(session, complaint.id) == deadlines
    assert _progress(session, complaint.id) == []


def test_art7_who_decides_the_superior_else_the_department_manager_or_leadership(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    asked = _ask(session, complaint, cast.owner)
    session.commit()
    # The owner has a superior: not the department's manager, not the owner, nobody else.
    for actor in (cast.owner, cast.manager, cast.handler, cast.compliance):
        with pytest.raises(StepForbidden, match="申请人的上级"):
            decide_extension(
                session,
                complaint=complaint,
                extension_id=asked.id,
                actor=actor,
                approved=True,
                comment="",
                now=ASKED_AT,
            )
        session.rollback()
    assert [r.id for r in pending_for(session, cast.superior)] == [asked.id]
    assert [r.id for r in pending_for(session, cast.leader)] == [asked.id]
    assert pending_for(session, cast.manager) == []
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.superior,
        approved=False,
        comment="不同意",
        now=ASKED_AT,
    )
    # The handler has no superior: the department's manager decides.
    by_handler = _ask(session, complaint, cast.handler)
    session.commit()
    assert [r.id for r in pending_for(session, cast.manager)] == [by_handler.id]
    assert pending_for(session, cast.superior) == []
    decide_extension(
        session,
        complaint=complaint,
        extension_id=by_handler.id,
        actor=cast.manager,
        approved=True,
        comment="",
        now=ASKED_AT,
    )
    assert by_handler.status is ExtensionStatus.approved


def test_an_unknown_request_is_not_found(session: Session, complaint, cast: Cast) -> None:
    _assigned(session, complaint, cast)
    with pytest.raises(StepNotFound, match="没有编号为 999 的延期申请"):
        decide_extension(
            session,
            complaint=complaint,
            extension_id=999,
            actor=cast.leader,
            approved=True,
            comment="",
            now=ASKED_AT,
        )


def test_art2_4_a_customer_without_email_becomes_a_contact_due_item(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session, settings, owner=cast.owner, department=Department.wealth_center
    )
    session.commit()
    _assigned(session, complaint, cast)
    before = _count(session, ContactDue)
    asked = _ask(session, complaint, cast.owner)
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.superior,
        approved=True,
        comment="",
        now=ASKED_AT,
    )
    session.commit()
    items = list(session.scalars(select(ContactDue).where(ContactDue.complaint_id == complaint.id)))
    assert _count(session, ContactDue) == before + 1
    assert items[-1].reason == "reply_extension_decided"
    assert _progress(session, complaint.id) == []


def test_a_request_pending_when_the_customer_hears_the_result_lapses(
    session: Session, complaint, cast: Cast
) -> None:
    _assigned(session, complaint, cast)
    asked = _ask(session, complaint, cast.owner)
    record_handling(
        session,
        complaint=complaint,
        actor=cast.handler,
        founded=True,
        evidence="属实",
        solution="补划款项",
        now=ASKED_AT,
    )
    session.commit()
    assert asked.status is ExtensionStatus.lapsed
    assert pending_for(session, cast.superior) == []


def test_leadership_decides_whoever_asked(session: Session, complaint, cast: Cast) -> None:
    _assigned(session, complaint, cast)
    assert cast.leader.role is Role.leadership
    asked = _ask(session, complaint, cast.handler)
    decide_extension(
        session,
        complaint=complaint,
        extension_id=asked.id,
        actor=cast.leader,
        approved=True,
        comment="同意",
        now=ASKED_AT,
    )
    assert complaint.promised_reply_at == DEFAULT_LIMIT


def test_art7_nobody_approves_their_own_request_not_even_leadership(
    session: Session, settings, cast: Cast
) -> None:
    complaint = make_complaint(
        session, settings, owner=cast.leader, customer_email="zhangsan@example.test"
    )
    asked = _ask(session, complaint, cast.leader)  # the reply is owed from intake on
    session.commit()
    with pytest.raises(StepForbidden, match="不能审批自己的申请"):
        decide_extension(
            session,
            complaint=complaint,
            extension_id=asked.id,
            actor=cast.leader,
            approved=True,
            comment="",
            now=ASKED_AT,
        )
    session.rollback()
    assert pending_for(session, cast.leader) == []
    other_leader = make_user(session, role=Role.leadership)
    assert [r.id for r in pending_for(session, other_leader)] == [asked.id]


def test_of_two_requests_at_once_exactly_one_is_saved(
    database_url: str, session: Session, complaint, cast: Cast
) -> None:
    from models import Complaint, User
    from tests.support.races import race_twice

    _assigned(session, complaint, cast)

    def first(s: Session) -> None:
        _ask(s, s.get_one(Complaint, complaint.id), s.get_one(User, cast.owner.id))

    def second(s: Session) -> None:
        _ask(s, s.get_one(Complaint, complaint.id), s.get_one(User, cast.handler.id))

    refused = race_twice(database_url, session, first, second)
    assert isinstance(refused, StepConflict) and "待上级审批" in refused.message, repr(refused)
    session.expire_all()
    assert _count(session, ReplyExtension) == 1
