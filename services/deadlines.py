"""Art. 7 at a deadline's warning time and due time: warn the responsible person before, and at
a breach tell the superior and record the breach against the responsible person."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.operations import Deadline
from policy.deadlines import CheckAction, deadline_check_decision
from policy.enums import DeadlineStatus
from services.audit import append_event


@dataclass(frozen=True)
class DeadlineCheck:
    """What a check did: ``action`` is none, waiting, warned or breached. ``check_again_at`` is
    when a check that ran before its time should look again. Who hears of a warning or breach
    is the outbox's rule (`services.outbox.recipients_for`): the responsible person, or the
    superior."""

    action: str
    deadline_id: int
    complaint_id: int
    kind: str
    status: str
    check_again_at: datetime | None = None


def open_deadlines_without_checks(session: Session, complaint_id: int) -> list[Deadline]:
    return list(
        session.scalars(
            select(Deadline).where(
                Deadline.complaint_id == complaint_id,
                Deadline.status == DeadlineStatus.open,
                Deadline.check_flow_run_id.is_(None),
            )
        )
    )


def overdue_deadline_ids(session: Session, *, now: datetime) -> list[int]:
    """Open deadlines whose due time has passed: each is a breach not yet recorded."""
    return list(
        session.scalars(
            select(Deadline.id)
            .where(Deadline.status == DeadlineStatus.open, Deadline.due_at < now)
            .order_by(Deadline.due_at)
        )
    )


def check_deadline(
    session: Session, *, deadline_id: int, purpose: str, now: datetime
) -> DeadlineCheck:
    """``purpose`` is "warn" (before the due time) or "breach" (after it); the clock decides
    (`policy.deadlines.deadline_check_decision`), so a check that runs early waits and a late
    one records the breach at the due time it missed. Exactly once, however many checks run at
    once: the row changes only under a conditional UPDATE that one transaction alone wins
    (SQLite takes no row lock on SELECT … FOR UPDATE)."""
    deadline = session.get_one(Deadline, deadline_id, populate_existing=True)
    decision = deadline_check_decision(
        purpose=purpose,
        status=deadline.status,
        due=deadline.due_at,
        warn_at=deadline.warn_at,
        warned_at=deadline.warned_at,
        now=now,
    )
    result = DeadlineCheck(
        "none", deadline.id, deadline.complaint_id, deadline.kind.value, deadline.status.value
    )
    if decision.action is CheckAction.none:
        return result
    if decision.action is CheckAction.wait:
        return replace(result, action="waiting", check_again_at=decision.at)
    if decision.action is CheckAction.warn:
        won = _claim(session, deadline, Deadline.warned_at.is_(None), warned_at=now)
        kind, action = "deadline_warning", "warned"
    else:
        won = _claim(
            session, deadline, None, status=DeadlineStatus.breached, breached_at=decision.at
        )
        kind, action = "deadline_breached", "breached"
    if not won:
        return replace(result, status=deadline.status.value)
    append_event(
        session,
        complaint=session.get_one(Complaint, deadline.complaint_id),
        kind=kind,
        occurred_at=now,
        data={
            "deadline": deadline.kind.value,
            "responsible_id": deadline.responsible_user_id,
            "due_at": deadline.due_at.isoformat(),
        },
    )
    return replace(result, action=action, status=deadline.status.value)


def _claim(
    session: Session, deadline: Deadline, condition: ColumnElement[bool] | None, **values: object
) -> bool:
    """Change the open deadline as one conditional UPDATE; False when another check won."""
    where = [Deadline.id == deadline.id, Deadline.status == DeadlineStatus.open]
    if condition is not None:
        where.append(condition)
    changed = session.execute(
        update(Deadline).where(*where).values(**values).execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(deadline)
    return True
