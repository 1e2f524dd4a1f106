"""Following up Art. 8 alerts (重点监控): each alert's owner, due date, founded share, and the
disposition the owner records; an alert left without one past its due date goes to leadership.

- ``open_follow_ups``: when the monitoring job stores an alert, it gets an owner — the manager
  of the department the unit belongs to (a department, a department × category, the department
  complained about; for a staff member, the manager of their department, or their superior when
  they are that manager), compliance for any other unit (a product, a member institution, a
  category, a channel, a customer) — and a due date ``disposition_days`` working days after the
  report date. Written once per alert.
- ``record_disposition``: the owner, compliance or leadership record what was found and done
  (explained / corrected / escalated, with a note), once.
- ``escalate_overdue``: each alert without a disposition after its due date is escalated to
  leadership once (a conditional UPDATE decides "once"; the mail goes through the outbox under
  one key per alert, in the same transaction).

Everything here happens in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.operations import AlertFollowUp, ConcentrationAlert
from models.people import User
from policy.concentration import (
    DEPARTMENT_UNIT_KINDS,
    STAFF_UNIT_KINDS,
    Disposition,
    UnitKind,
    disposition_overdue,
)
from policy.enums import Department, Role
from policy.text import is_blank
from policy.workdays import WorkdayCalendar
from services.directory import department_by_code, department_manager, user_by_username
from services.monitoring import MonitorWindows, unit_condition, unit_label
from services.outbox import (
    NotificationKind,
    addressees_for,
    enqueue_notification,
    report_key,
)
from services.rounds import latest_founded
from services.step_errors import StepConflict, StepForbidden, StepInputError, StepNotFound

# Who besides the owner may record a disposition.
OVERSIGHT = frozenset({Role.compliance, Role.leadership})
MAX_NOTE = 2000


def _first(session: Session, role: Role) -> User | None:
    return session.scalar(select(User).where(User.role == role, User.active).order_by(User.id))


def alert_owner(session: Session, kind: UnitKind | str, key: str) -> User | None:
    """Who answers for an alert on this unit (see the module docstring); None if nobody is set
    up (then compliance and leadership dispose of it)."""
    kind = UnitKind(kind)
    owner: User | None = None
    if kind in DEPARTMENT_UNIT_KINDS:
        code = key.partition(":")[0]
        if code in Department.__members__:
            owner = department_manager(session, department_by_code(session, Department(code)).id)
    elif kind in STAFF_UNIT_KINDS:
        person = user_by_username(session, key)
        if person is not None and person.department_id is not None:
            owner = department_manager(session, person.department_id)
            if owner is not None and owner.id == person.id:
                owner = person.superior if person.superior and person.superior.active else None
                owner = owner or _first(session, Role.leadership)
    return owner or _first(session, Role.compliance) or _first(session, Role.leadership)


def founded_count(session: Session, alert: ConcentrationAlert, windows: MonitorWindows) -> int:
    """Of the unit's complaints in the alert's window, those whose latest verification found
    them founded (属实)."""
    condition = unit_condition(session, alert.unit_kind, alert.unit_key)
    if condition is None:
        return 0
    start = windows.instant(alert.window_start)
    end = windows.instant(alert.window_end + timedelta(days=1))
    ids = list(
        session.scalars(
            select(Complaint.id).where(
                condition, Complaint.received_at >= start, Complaint.received_at < end
            )
        )
    )
    return sum(latest_founded(session, ids).values())


def open_follow_ups(
    session: Session,
    alerts: Sequence[ConcentrationAlert],
    *,
    windows: MonitorWindows,
    disposition_days: int,
) -> None:
    """The founded count, owner and due date of each stored alert that has none yet."""
    due_on = WorkdayCalendar.default().add_workdays(windows.report_date, disposition_days).date
    for alert in alerts:
        if alert.founded is None:
            alert.founded = founded_count(session, alert, windows)
        if alert.follow_up is None:
            owner = alert_owner(session, alert.unit_kind, alert.unit_key)
            alert.follow_up = AlertFollowUp(owner=owner, due_on=due_on)
    session.flush()


def record_disposition(
    session: Session,
    *,
    alert_id: int,
    actor: User,
    disposition: Disposition | str | None,
    note: str | None,
    now: datetime,
) -> AlertFollowUp:
    """The owner (or compliance, or leadership) records what was found and done, once:
    404 unknown alert, 403 anyone else, 409 already recorded, 422 bad input."""
    follow_up = session.get(AlertFollowUp, alert_id)
    if follow_up is None:
        raise StepNotFound(f"找不到监控提示 #{alert_id}，或该提示没有处置要求")
    if not actor.active or (actor.id != follow_up.owner_id and actor.role not in OVERSIGHT):
        raise StepForbidden("只有该监控提示的负责人、合规部门或公司领导可以记录处置结果（第八条）")
    if follow_up.disposition is not None:
        raise StepConflict(f"该监控提示已于 {follow_up.disposed_at:%Y-%m-%d} 记录处置结果")
    try:
        chosen = Disposition(disposition) if disposition else None
    except ValueError:
        chosen = None
    if chosen is None:
        raise StepInputError(
            "请选择处置结果：" + "、".join(d.label for d in Disposition), field="disposition"
        )
    text = (note or "").strip()
    if is_blank(text):
        raise StepInputError("请填写处置说明", field="note")
    if len(text) > MAX_NOTE:
        raise StepInputError(f"处置说明不能超过 {MAX_NOTE} 个字符", field="note")
    # "Once" is decided by the database: of two people recording at the same moment, the
    # second one's update finds the disposition already set and changes nothing.
    recorded = session.execute(
        update(AlertFollowUp)
        .where(AlertFollowUp.alert_id == alert_id, AlertFollowUp.disposition.is_(None))
        .values(disposition=chosen, note=text, disposed_by_id=actor.id, disposed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if recorded != 1:
        raise StepConflict("该监控提示已由他人记录处置结果，请刷新后查看")
    session.refresh(follow_up)
    return follow_up


def overdue_follow_ups(session: Session, *, today: date) -> list[AlertFollowUp]:
    """The alerts without a disposition past their due date, not yet escalated."""
    rows = session.scalars(
        select(AlertFollowUp).where(
            AlertFollowUp.disposition.is_(None),
            AlertFollowUp.escalated_at.is_(None),
            AlertFollowUp.due_on < today,
        )
    ).all()
    return [
        row
        for row in rows
        if disposition_overdue(due_on=row.due_on, today=today, disposed=row.disposition is not None)
    ]


def escalate_overdue(session: Session, *, today: date, now: datetime) -> list[int]:
    """Escalate each overdue alert to leadership once; the ids of the notices queued. With no
    one to tell, nothing is marked escalated: the next run tries again."""
    recipients = addressees_for(session, NotificationKind.concentration_overdue).emails
    if not recipients:
        return []
    queued: list[int] = []
    for follow_up in overdue_follow_ups(session, today=today):
        won = session.execute(
            update(AlertFollowUp)
            .where(
                AlertFollowUp.alert_id == follow_up.alert_id,
                AlertFollowUp.escalated_at.is_(None),
                AlertFollowUp.disposition.is_(None),
            )
            .values(escalated_at=now)
        )
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue
        alert = follow_up.alert
        owner = follow_up.owner
        row = enqueue_notification(
            session,
            key=report_key(NotificationKind.concentration_overdue, f"alert-{alert.id}"),
            kind=NotificationKind.concentration_overdue,
            recipients=recipients,
            context={
                "unit_kind": UnitKind(alert.unit_kind).label,
                "unit": unit_label(session, alert.unit_kind, alert.unit_key),
                "window_start": alert.window_start.isoformat(),
                "window_end": alert.window_end.isoformat(),
                "count": alert.count,
                "explanation": alert.explanation,
                "owner": owner.display_name if owner else "（未设负责人）",
                "due_on": follow_up.due_on.isoformat(),
            },
        )
        queued.append(row.id)
    session.flush()
    return queued


def follow_ups_for(session: Session, user: User, *, limit: int = 200) -> list[AlertFollowUp]:
    """The alerts ``user`` may dispose of: their own, or (compliance, leadership) every one;
    those awaiting a disposition first, by due date, then the latest disposed."""
    query = select(AlertFollowUp).join(AlertFollowUp.alert)
    if user.role not in OVERSIGHT:
        query = query.where(AlertFollowUp.owner_id == user.id)
    rows = session.scalars(
        query.order_by(
            AlertFollowUp.disposed_at.is_not(None),
            AlertFollowUp.due_on,
            ConcentrationAlert.id.desc(),
        ).limit(limit)
    ).all()
    return list(rows)


def may_dispose(follow_up: AlertFollowUp, user: User) -> bool:
    return (
        follow_up.disposition is None
        and user.active
        and (user.id == follow_up.owner_id or user.role in OVERSIGHT)
    )


def awaiting_disposition_by(session: Session, user: User) -> list[AlertFollowUp]:
    """The alerts whose owner is ``user`` and that still await a disposition, by due date."""
    return list(
        session.scalars(
            select(AlertFollowUp)
            .where(AlertFollowUp.owner_id == user.id, AlertFollowUp.disposition.is_(None))
            .order_by(AlertFollowUp.due_on, AlertFollowUp.alert_id)
        )
    )
