"""Contact with the customer and progress notices (Art. 2(4), 4(2)): the one place their rules live.

- **A contact** (电话、短信、邮件、面谈/走访、信函) is recorded with when, by whom, how, whether
  the customer was reached, and a summary (`record_contact`). The summary is personal: it stays
  in the app database, never in a flow run's parameters, results, logs or artifacts; the
  complaint log's event carries the method and whether the customer was reached, not the text.
- **A progress notice** (处理进展通报) goes to the customer at each milestone (assignment or
  transfer, the major decision), queued in the transaction that saves the step
  (`progress_milestone`), and at least every N working days while the complaint is open
  (`queue_periodic_progress`, run by reconciliation). Each under its outbox key, once.
- **A customer without email** cannot be mailed: the notice becomes a *contact due* item
  (待联系客户) on the responsible person's queue — the handler, or the department's manager
  before one is assigned — until a contact in which the customer was reached is recorded.

The tables are not ``complaint_contacts`` (the complainant's details taken at intake): these are
the contacts *made* with the customer afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models.complaint import Complaint, ComplaintEvent
from models.contact_log import ContactDue, CustomerContactAttempt
from models.db import utcnow
from models.operations import Notification
from models.people import User
from policy.contacts import (
    MAX_SUMMARY,
    ContactMethod,
    progress_due_on,
    progress_notice_due,
)
from policy.enums import NotificationStatus, Role, Stage
from policy.text import is_blank
from policy.wait_clocks import REPLY_MET_AT, REPLY_TOLD_FROM_VERSION
from policy.workdays import WorkdayCalendar
from services.audit import append_event
from services.deadlines import reply_told
from services.directory import department_manager
from services.notices import prepare_notification
from services.outbox import NotificationKind, addressees_for, notification_key
from services.step_errors import StepConflict, StepForbidden, StepInputError

# Recording a contact --------------------------------------------------------------------------

# Characters that cannot be stored (NUL on PostgreSQL) or shown: all controls but line breaks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def ensure_may_record_contact(complaint: Complaint, actor: User) -> None:
    """Who contacts the customer: the complaint's handler, a manager of its department, company
    leadership (Art. 2(4), 5(4)). Raises `StepForbidden` (403) with the reason."""
    if not actor.active:
        raise StepForbidden("该账号已停用")
    if actor.role is Role.leadership:
        return
    if complaint.handler_id is not None and actor.id == complaint.handler_id:
        return
    if actor.role is Role.manager and actor.department_id == complaint.department_id:
        return
    raise StepForbidden(
        "只有该投诉的跟进人员、受理部门的经理或公司领导可以登记与客户的联系（第五条第四项）"
    )


def record_contact(
    session: Session,
    *,
    complaint: Complaint,
    actor: User,
    method: str | ContactMethod | None,
    reached: bool | None,
    summary: str | None,
    now: datetime,
) -> CustomerContactAttempt:
    """Record a contact with the customer in the caller's transaction, with its event in the
    complaint log (method and reached only); a contact in which the customer was reached clears
    the complaint's contact-due items. Refusals (nothing written): `StepConflict` (409) on an
    archived complaint, `StepForbidden` (403), `StepInputError` (422)."""
    session.execute(select(Complaint.id).where(Complaint.id == complaint.id).with_for_update())
    session.refresh(complaint)
    if complaint.stage is Stage.archived:
        raise StepConflict(f"投诉 {complaint.reference} 已归档，不能再登记联系记录")
    ensure_may_record_contact(complaint, actor)
    try:
        how = ContactMethod(method) if method is not None else None
    except ValueError:
        how = None
    if how is None:
        allowed = "、".join(f"{m.value}（{m.label}）" for m in ContactMethod)
        raise StepInputError(f"请选择联系方式：{allowed}", field="method")
    if reached is None:
        raise StepInputError("请选择是否联系上客户", field="reached")
    text = (summary or "").strip()
    if is_blank(text):
        raise StepInputError("请填写联系情况摘要", field="summary")
    if len(text) > MAX_SUMMARY:
        raise StepInputError(f"联系情况摘要不能超过 {MAX_SUMMARY} 个字符", field="summary")
    if _CONTROL.search(text):
        raise StepInputError("联系情况摘要含有无法保存的控制字符，请删除后重试", field="summary")
    attempt = CustomerContactAttempt(
        complaint_id=complaint.id,
        method=how,
        reached=reached,
        summary=text,
        contacted_by_id=actor.id,
        contacted_at=now,
    )
    session.add(attempt)
    session.flush()
    cleared = 0
    if reached:
        for item in open_contact_due(session, complaint.id):
            item.cleared_at = now
            item.cleared_by_id = attempt.id
            cleared += 1
        if complaint.stage in REPLY_MET_AT:
            # Art. 2(4), version 3: the result is ready and the customer now heard it.
            reply_told(session, complaint.id, now)
    append_event(
        session,
        complaint=complaint,
        kind="customer_contacted",
        actor_id=actor.id,
        occurred_at=now,
        data={
            "contact_id": attempt.id,
            "method": how.value,
            "reached": reached,
            "contact_due_cleared": cleared,
        },
    )
    session.flush()
    return attempt


def contacts_of(session: Session, complaint_id: int) -> list[CustomerContactAttempt]:
    """A complaint's contacts with the customer, oldest first."""
    return list(
        session.scalars(
            select(CustomerContactAttempt)
            .where(CustomerContactAttempt.complaint_id == complaint_id)
            .order_by(CustomerContactAttempt.contacted_at, CustomerContactAttempt.id)
        )
    )


def open_contact_due(session: Session, complaint_id: int) -> list[ContactDue]:
    return list(
        session.scalars(
            select(ContactDue)
            .where(ContactDue.complaint_id == complaint_id, ContactDue.cleared_at.is_(None))
            .order_by(ContactDue.created_at, ContactDue.id)
        )
    )


# Progress notices -----------------------------------------------------------------------------

PROGRESS = "progress"
# Periodic notices are keyed by the local date they fell due (YYYYMMDD), far above any
# milestone's key (the sequence number of its event in the complaint log).
_PERIODIC = "periodic"


def _milestone_note(complaint: Complaint, event_kind: str) -> str:
    """What the customer is told at a milestone: departments are named, staff never are."""
    if event_kind == "transferred":
        return f"您的投诉已转至{complaint.department.name}办理。"
    if event_kind == "major_decided":
        if complaint.major:
            return "您的投诉已列为重大投诉，将报公司领导研究处理。"
        return "您的投诉已完成认定，正在核实处理。"
    if event_kind == "handler_assigned":
        return "您的投诉已安排专人跟进处理。"
    return "您的投诉正在办理中。"


def queue_progress_notice(
    session: Session,
    *,
    complaint: Complaint,
    sequence: int,
    reason: str,
    note: str | None,
    now: datetime,
    settings: Settings | None = None,
) -> Notification | ContactDue:
    """Queue the progress notice ``complaint:<id>:progress:<sequence>`` to the customer, once;
    without an email address, the contact-due item under the same key instead."""
    key = notification_key(complaint.id, PROGRESS, sequence)
    existing = session.scalar(select(ContactDue).where(ContactDue.key == key))
    if existing is not None:
        return existing
    notice = prepare_notification(
        session,
        complaint_id=complaint.id,
        kind=PROGRESS,
        settings=settings or get_settings(),
        sequence=sequence,
        note=note,
    )
    if notice is not None:
        return notice
    return _raise_contact_due(session, complaint, key=key, reason=reason, now=now)


RESULT_READY = "result_ready"


def result_contact_due(session: Session, complaint: Complaint, now: datetime) -> None:
    """Process version 3, Art. 2(4): the result is ready; a customer without email cannot be
    sent it, so someone must tell them (a contact-due item, once per round). The promised reply
    is met when a contact reaches them (``record_contact``)."""
    if complaint.process_version < REPLY_TOLD_FROM_VERSION:
        return
    if addressees_for(session, NotificationKind.result, complaint).emails:
        return
    key = notification_key(complaint.id, NotificationKind.result, complaint.handling_round)
    _raise_contact_due(session, complaint, key=key, reason=RESULT_READY, now=now)


def _raise_contact_due(
    session: Session, complaint: Complaint, *, key: str, reason: str, now: datetime
) -> ContactDue:
    """A contact-due item under ``key``, once."""
    # Two sweeps at once raise one item: the key is unique, the second insert does nothing.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(ContactDue)
        .values(complaint_id=complaint.id, key=key, reason=reason, created_at=now)
        .on_conflict_do_nothing(index_elements=[ContactDue.key])
    )
    return session.scalars(
        select(ContactDue).where(ContactDue.key == key).execution_options(populate_existing=True)
    ).one()


def progress_milestone(
    session: Session, complaint: Complaint, *, event_kind: str, now: datetime
) -> Notification | ContactDue:
    """Art. 2(4): the customer hears of a milestone (assignment, transfer, the major decision)
    in the transaction that saves it. Called right after the step's event is appended: that
    event's sequence number keys the notice, so each milestone is told once."""
    sequence = session.scalar(
        select(func.max(ComplaintEvent.seq)).where(
            ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == event_kind
        )
    )
    if sequence is None:
        raise ValueError(f"no {event_kind} event of complaint {complaint.id} to tell of")
    return queue_progress_notice(
        session,
        complaint=complaint,
        sequence=sequence,
        reason=event_kind,
        note=_milestone_note(complaint, event_kind),
        now=now,
    )


# Customer-facing notices that tell the customer where their complaint stands.
_TOLD_BY = ("acknowledgement", "progress", "result", "closure")
_OPEN = [stage for stage in Stage if stage not in (Stage.closed, Stage.archived)]


def last_told_at(session: Session, complaint: Complaint) -> datetime:
    """When the customer last heard of the complaint: its receipt, a notice queued to them,
    a contact-due item raised for them, or a contact in which they were reached."""
    moments = [
        complaint.received_at,
        session.scalar(
            select(func.max(Notification.created_at)).where(
                Notification.complaint_id == complaint.id,
                Notification.kind.in_(_TOLD_BY),
                Notification.status != NotificationStatus.failed,  # not told after all
            )
        ),
        session.scalar(
            select(func.max(ContactDue.created_at)).where(ContactDue.complaint_id == complaint.id)
        ),
        session.scalar(
            select(func.max(CustomerContactAttempt.contacted_at)).where(
                CustomerContactAttempt.complaint_id == complaint.id,
                CustomerContactAttempt.reached.is_(True),
            )
        ),
    ]
    return max(moment for moment in moments if moment is not None)


def queue_periodic_progress(
    session: Session, *, now: datetime | None = None, settings: Settings | None = None
) -> list[int]:
    """Art. 2(4) at least every N working days: for each open complaint whose customer has
    heard nothing for ``progress_every_workdays`` working days, queue a progress notice (or a
    contact-due item), keyed by the day it fell due, so a repeated sweep queues nothing more.
    Returns the ids of the notices queued for mailing."""
    settings = settings or get_settings()
    now = now or utcnow()
    every = settings.progress_every_workdays
    calendar = WorkdayCalendar.default()
    queued: list[int] = []
    for complaint in session.scalars(
        select(Complaint).where(Complaint.stage.in_(_OPEN)).order_by(Complaint.id)
    ):
        last = last_told_at(session, complaint)
        if not progress_notice_due(
            last, now, every_workdays=every, tz=settings.tz, calendar=calendar
        ):
            continue
        due = progress_due_on(last, every_workdays=every, tz=settings.tz, calendar=calendar)
        result = queue_progress_notice(
            session,
            complaint=complaint,
            sequence=int(f"{due:%Y%m%d}"),
            reason=_PERIODIC,
            note=None,
            now=now,
            settings=settings,
        )
        if isinstance(result, Notification) and result.status is NotificationStatus.pending:
            queued.append(result.id)
    return queued


# The contact-due queue (待联系客户) -----------------------------------------------------------


@dataclass(frozen=True)
class ContactDueRow:
    reference: str
    reason: str
    since: datetime
    stage: str
    department: str
    responsible: str
    attempts: int


_REASONS = {
    "handler_assigned": "已安排跟进，请告知客户",
    "transferred": "已移交部门，请告知客户",
    "major_decided": "已认定是否重大，请告知客户",
    "reply_extension_decided": "答复时间经批准延期，请告知客户延期及原因",
    _PERIODIC: "定期告知处理进展",
    RESULT_READY: "处理结果已形成，客户未留电子邮箱，请告知客户处理结果",
}


def contact_due_for(session: Session, user: User) -> list[ContactDueRow]:
    """The open contact-due items ``user`` answers for: as the handler, or — before a handler
    is assigned — as a manager of the complaint's department; leadership and compliance see
    all. Items of closed complaints are left out (the result and closure close them)."""
    query = (
        select(ContactDue, Complaint)
        .join(Complaint, Complaint.id == ContactDue.complaint_id)
        .where(ContactDue.cleared_at.is_(None), Complaint.stage.in_(_OPEN))
        .order_by(ContactDue.created_at, ContactDue.id)
    )
    if user.role not in (Role.leadership, Role.compliance):
        mine = [Complaint.handler_id == user.id]
        if user.role is Role.manager and user.department_id is not None:
            mine.append(
                (Complaint.handler_id.is_(None)) & (Complaint.department_id == user.department_id)
            )
        query = query.where(or_(*mine))
    rows = []
    for item, complaint in session.execute(query):
        if complaint.handler is not None:
            responsible = complaint.handler.display_name
        else:
            manager = department_manager(session, complaint.department_id)
            responsible = manager.display_name if manager else f"{complaint.department.name}经理"
        attempts = session.scalar(
            select(func.count(CustomerContactAttempt.id)).where(
                CustomerContactAttempt.complaint_id == complaint.id,
                CustomerContactAttempt.contacted_at >= item.created_at,
            )
        )
        rows.append(
            ContactDueRow(
                reference=complaint.reference,
                reason=_REASONS.get(item.reason, item.reason),
                since=item.created_at,
                stage=complaint.stage.label,
                department=complaint.department.name,
                responsible=responsible,
                attempts=int(attempts or 0),
            )
        )
    return rows
