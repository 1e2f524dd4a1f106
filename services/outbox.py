"""The email outbox (通知发件箱): one row per message, written before anything is sent.

A flow never sends mail itself: it *enqueues* a notification under an idempotency key and then
runs the task that delivers it (``tasks/mail.py``). The key makes enqueueing idempotent — a
resumed flow that enqueues the same notice again gets the existing row back — and delivery
sends a row at most once, so nothing is sent twice however often the flow re-executes.

Who is told what follows the regulation:

- the customer: acknowledgement with the reference and the promised reply time, progress and
  result, closure (Art. 2(2), 2(4));
- the department manager: a new complaint with its handling form (Art. 4(1)); a transfer goes
  to the receiving department (Art. 4(1) "请公司协调相关部门");
- the responsible person before a time limit and the superior after it (Art. 2(1), Art. 7);
- company leadership: a major case (Art. 4(3));
- compliance and leadership: the concentration report (Art. 8), and the monthly statistics
  report with its .docx and .xlsx attached, once per month.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.complaint import Assignment, Complaint
from models.db import utcnow
from models.operations import Deadline, Notification
from models.people import DepartmentRow, User
from policy.enums import NotificationStatus, Role
from services.audit import append_event
from services.directory import department_manager


class NotificationKind(StrEnum):
    """Every notice the system sends; each has a template ``templates/email/<kind>.*.j2``."""

    acknowledgement = "acknowledgement"
    new_complaint = "new_complaint"
    record_warning = "record_warning"
    record_breach = "record_breach"
    deadline_warning = "deadline_warning"
    deadline_breach = "deadline_breach"
    major_case = "major_case"
    transfer = "transfer"
    progress = "progress"
    result = "result"
    closure = "closure"
    concentration_report = "concentration_report"
    monthly_report = "monthly_report"
    concentration_overdue = "concentration_overdue"
    run_failure = "run_failure"

    @property
    def label(self) -> str:
        return {
            "acknowledgement": "受理回执",
            "new_complaint": "新投诉待安排",
            "record_warning": "文字记录即将超时提醒",
            "record_breach": "文字记录超时报告",
            "deadline_warning": "时限即将届满提醒",
            "deadline_breach": "超时报告",
            "major_case": "重大投诉报告",
            "transfer": "投诉转办",
            "progress": "处理进展通报",
            "result": "处理结果告知",
            "closure": "办结通知",
            "concentration_report": "投诉集中监控报告",
            "monthly_report": "投诉统计月报",
            "concentration_overdue": "投诉集中监控提示逾期未处置",
            "run_failure": "流程运行异常",
        }[self.value]

    @property
    def customer_facing(self) -> bool:
        """Sent to the complainant: such templates name departments, never staff (Art. 2(5))."""
        return self in _CUSTOMER_FACING

    @property
    def clause(self) -> str:
        """The clause that asks for this notice, as used in tags (``clause:<clause>``)."""
        return _CLAUSES[self]


_CUSTOMER_FACING = frozenset(
    {
        NotificationKind.acknowledgement,
        NotificationKind.progress,
        NotificationKind.result,
        NotificationKind.closure,
    }
)
_CLAUSES = {
    NotificationKind.acknowledgement: "2.4",
    NotificationKind.new_complaint: "4.1",
    NotificationKind.record_warning: "2.1",
    NotificationKind.record_breach: "7",
    NotificationKind.deadline_warning: "2.1",
    NotificationKind.deadline_breach: "7",
    NotificationKind.major_case: "4.3",
    NotificationKind.transfer: "4.1",
    NotificationKind.progress: "2.4",
    NotificationKind.result: "2.2",
    NotificationKind.closure: "2.4",
    NotificationKind.concentration_report: "8",
    NotificationKind.monthly_report: "8",
    NotificationKind.concentration_overdue: "8",
    NotificationKind.run_failure: "1",
}


class OutboxError(ValueError):
    """A request on the outbox that cannot be carried out; the message says what to do."""


def notification_key(complaint_id: int, kind: str, sequence: int = 1) -> str:
    """The idempotency key of a notice about one complaint: ``complaint:<id>:<kind>:<seq>``.

    ``sequence`` tells apart notices of one kind that are meant to be sent more than once
    (the second progress report, the result of a reopened case, a second transfer).
    """
    return f"complaint:{complaint_id}:{NotificationKind(kind).value}:{sequence}"


def report_key(kind: str, period: str) -> str:
    """The idempotency key of a notice about no one complaint: ``report:<kind>:<period>``."""
    return f"report:{NotificationKind(kind).value}:{period}"


def enqueue_notification(
    session: Session,
    *,
    key: str,
    kind: str,
    recipients: Iterable[str],
    context: dict[str, Any],
    complaint_id: int | None = None,
    subject: str | None = None,
) -> Notification:
    """Add a pending notification, or return the one already stored under ``key``.

    The insert is ``ON CONFLICT DO NOTHING`` on the unique key (SQLite and PostgreSQL), so two
    flows enqueueing the same notice at once still leave one row, and neither fails. The
    existing row is returned unchanged: what was queued first is what will be sent.
    ``subject`` may be left for delivery to render from the template (it is stored then).
    """
    kind = NotificationKind(kind)
    addresses = sorted({address.strip() for address in recipients if address and address.strip()})
    if not addresses:
        raise OutboxError(f"notification {key!r} has no recipient; give at least one address")
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(Notification)
        .values(
            idempotency_key=key,
            complaint_id=complaint_id,
            kind=kind.value,
            recipients=addresses,
            subject=subject or "",
            context=context,
            status=NotificationStatus.pending,
            attempts=0,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[Notification.idempotency_key])
    )
    row = session.scalars(
        select(Notification)
        .where(Notification.idempotency_key == key)
        .execution_options(populate_existing=True)
    ).one()
    if row.kind != kind.value:
        raise OutboxError(f"key {key!r} is already used by a {row.kind} notification")
    return row


def mark_for_resend(
    session: Session, notification_id: int, *, actor_id: int | None = None
) -> Notification:
    """Put a failed notification back in the queue (failed → pending); its attempts are kept.

    A pending row is returned as it is; a sent row is refused, since it reached the server.
    """
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None:
        raise OutboxError(f"notification {notification_id} does not exist")
    if row.status is NotificationStatus.sent:
        raise OutboxError(f"notification {notification_id} was already sent; it is not resent")
    if row.status is NotificationStatus.failed:
        row.status = NotificationStatus.pending
        record_notification_event(session, row, "notification_resend", actor_id=actor_id)
    session.flush()
    return row


def record_notification_event(
    session: Session, row: Notification, kind: str, *, actor_id: int | None = None
) -> None:
    """Note a notification's fate in its complaint's log: ids and kind only, no addresses."""
    if row.complaint_id is None:
        return
    complaint = session.get(Complaint, row.complaint_id)
    if complaint is None:
        return
    append_event(
        session,
        complaint=complaint,
        kind=kind,
        actor_id=actor_id,
        data={"notification_id": row.id, "notification": row.kind, "attempts": row.attempts},
    )


def unsent_notification_ids(session: Session, *, complaint_id: int | None = None) -> list[int]:
    """Pending notifications, oldest first: what a reconciler hands to the sending task."""
    query = select(Notification.id).where(Notification.status == NotificationStatus.pending)
    if complaint_id is not None:
        query = query.where(Notification.complaint_id == complaint_id)
    return list(session.scalars(query.order_by(Notification.id)))


def notice_name(session: Session, notification_id: int) -> str:
    """How logs name a notice for ops: the complaint's reference and the notice's Chinese name
    with the outbox row's number ("TS-20261204-0007 受理回执（通知 10）"); no recipients."""
    row = session.get(Notification, notification_id)
    if row is None:
        return f"通知 {notification_id}"
    kind = (
        NotificationKind(row.kind).label if row.kind in NotificationKind.__members__ else row.kind
    )
    complaint = session.get(Complaint, row.complaint_id) if row.complaint_id else None
    prefix = f"{complaint.reference} " if complaint is not None else ""
    return f"{prefix}{kind}（通知 {notification_id}）"


def failed_notifications(session: Session) -> list[Notification]:
    """Notifications that exhausted their attempts, newest first: for the app's outbox page."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.status == NotificationStatus.failed)
            .order_by(Notification.id.desc())
        )
    )


# Who is told (recipients) -------------------------------------------------------------------


def _emails(users: Iterable[User | None]) -> list[str]:
    return [user.email for user in users if user is not None and user.active and user.email]


def department_recipients(session: Session, department: DepartmentRow) -> list[str]:
    """A department's manager (Art. 4(1) "交部门经理"), and its shared mailbox if it has one."""
    addresses = _emails([department_manager(session, department.id)])
    if department.email:
        addresses.append(department.email)
    return addresses


def users_with_role(session: Session, *roles: Role) -> list[User]:
    return list(
        session.scalars(select(User).where(User.role.in_(roles), User.active).order_by(User.id))
    )


def latest_transfer(session: Session, complaint_id: int) -> Assignment | None:
    """The most recent transfer to another department (Art. 4(1) coordination)."""
    return session.scalar(
        select(Assignment)
        .where(Assignment.complaint_id == complaint_id, Assignment.to_department_id.is_not(None))
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Addressees:
    """Who a notice goes to: their addresses, and how the notice greets them."""

    emails: list[str]
    name: str


def addressees_for(
    session: Session,
    kind: NotificationKind,
    complaint: Complaint | None = None,
    *,
    deadline: Deadline | None = None,
) -> Addressees:
    """Who is told of ``kind`` (about ``complaint``, if it concerns one), and by what name.

    The one place the addressee rules live. Time-limit notices go to the deadline's
    responsible person (warning) and to that person's superior, or the department manager
    when no superior is set (breach, Art. 7). A notice about a department (a new complaint,
    a transfer) greets its manager, or "<department>负责人" when none is set.
    """
    if kind in (NotificationKind.concentration_report, NotificationKind.monthly_report):
        return Addressees(
            _emails(users_with_role(session, Role.compliance, Role.leadership)), "合规与公司领导"
        )
    if kind is NotificationKind.concentration_overdue:
        return Addressees(_emails(users_with_role(session, Role.leadership)), "公司领导")
    if kind is NotificationKind.run_failure:
        admins = session.scalars(select(User).where(User.role == Role.admin, User.active)).all()
        return Addressees(sorted({user.email for user in admins if user.email}), "系统管理员")
    if complaint is None:
        raise OutboxError(f"{kind.value} is about a complaint; name it")
    if kind.customer_facing:
        customer = complaint.contact
        return Addressees([customer.email] if customer.email else [], customer.name or "客户")
    department = complaint.department
    department_head = f"{department.name}负责人"
    if kind in (NotificationKind.new_complaint, NotificationKind.transfer):
        if kind is NotificationKind.transfer:
            transfer = latest_transfer(session, complaint.id)
            if transfer is not None and transfer.to_department_id is not None:
                department = session.get_one(DepartmentRow, transfer.to_department_id)
        manager = department_manager(session, department.id)
        name = manager.display_name if manager else f"{department.name}负责人"
        return Addressees(department_recipients(session, department), name)
    if kind is NotificationKind.major_case:
        return Addressees(_emails(users_with_role(session, Role.leadership)), "公司领导")
    responsible = deadline.responsible_user if deadline else complaint.first_inquiry_owner
    if kind in (NotificationKind.record_warning, NotificationKind.deadline_warning):
        return Addressees(_emails([responsible]), department_head)
    if kind in (NotificationKind.record_breach, NotificationKind.deadline_breach):
        superior = responsible.superior
        emails = _emails([superior]) or department_recipients(session, complaint.department)
        return Addressees(emails, superior.display_name if superior else department_head)
    raise OutboxError(f"no recipient rule for {kind.value}")


def recipients_for(
    session: Session,
    complaint: Complaint,
    kind: NotificationKind,
    *,
    deadline: Deadline | None = None,
) -> list[str]:
    """The addresses a notice of ``kind`` about ``complaint`` goes to; empty when none is known
    (``addressees_for`` holds the rules)."""
    return addressees_for(session, kind, complaint, deadline=deadline).emails
