"""Art. 7 at a deadline's warning time and due time: warn the responsible person before, and at
a breach tell the superior and record the breach against the responsible person; and the
deadline rows themselves (`open_deadline`, `owed_reply_deadline`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from models.complaint import Complaint
from models.operations import Deadline
from models.people import User
from policy.deadlines import CheckAction, deadline_check_decision, warning_time
from policy.enums import DeadlineKind, DeadlineStatus
from policy.wait_clocks import REPLY_TOLD_FROM_VERSION
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


def open_deadline(
    session: Session,
    complaint: Complaint,
    *,
    kind: DeadlineKind,
    due_at: datetime,
    responsible: User,
    now: datetime,
    warning_fraction: float = 0.75,
) -> Deadline:
    """A new deadline row; an open one of the same kind is replaced (cancelled). A breached
    one stays breached on record (Art. 7)."""
    sequence = 1 + (
        session.scalar(
            select(func.max(Deadline.sequence)).where(
                Deadline.complaint_id == complaint.id, Deadline.kind == kind
            )
        )
        or 0
    )
    for previous in session.scalars(
        select(Deadline).where(
            Deadline.complaint_id == complaint.id,
            Deadline.kind == kind,
            Deadline.status == DeadlineStatus.open,
        )
    ):
        previous.status = DeadlineStatus.cancelled
    deadline = Deadline(
        complaint_id=complaint.id,
        kind=kind,
        sequence=sequence,
        due_at=due_at,
        warn_at=warning_time(now, due_at, warning_fraction) if due_at > now else None,
        responsible_user_id=responsible.id,
    )
    session.add(deadline)
    return deadline


def owed_reply_deadline(session: Session, complaint_id: int) -> Deadline | None:
    """Art. 2(4): the promised reply time still owed (open, or breached and not yet met): the
    customer has not heard the result. None once they have."""
    return session.scalar(
        select(Deadline)
        .where(
            Deadline.complaint_id == complaint_id,
            Deadline.kind == DeadlineKind.reply,
            Deadline.status.in_([DeadlineStatus.open, DeadlineStatus.breached]),
            Deadline.met_at.is_(None),
        )
        .order_by(Deadline.sequence.desc())
        .limit(1)
    )


def reply_told(session: Session, complaint_id: int, at: datetime) -> bool:
    """Art. 2(4), process version 3 (``policy.wait_clocks.REPLY_TOLD_FROM_VERSION``): the
    customer heard the result at ``at`` — the result notice was sent, or a contact reached them
    once the result was ready: the promised reply still owed is met then (a breached one stays
    breached, noting when). True if it was owed."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or complaint.process_version < REPLY_TOLD_FROM_VERSION:
        return False
    owed = owed_reply_deadline(session, complaint_id)
    if owed is None:
        return False
    if owed.status is DeadlineStatus.open:
        owed.status = DeadlineStatus.met
    owed.met_at = at
    session.flush()
    return True


@dataclass(frozen=True)
class DueCheck:
    """A check the sweep owes: ``purpose`` "warn" or "breach" of deadline ``deadline_id``."""

    deadline_id: int
    purpose: str


def due_deadline_checks(session: Session, *, now: datetime) -> list[DueCheck]:
    """Art. 7 / Art. 2(1), what a deadline sweep at ``now`` has to look at: each open deadline
    past its due time (a breach not yet recorded), and each open one past its warning time,
    not yet due and not yet warned; earliest first. The database holds the limits, so a sweep
    after downtime finds everything it missed; the checks themselves decide once
    (`check_deadline`), so two sweeps at once record nothing twice."""
    breaches = session.scalars(
        select(Deadline.id)
        .where(Deadline.status == DeadlineStatus.open, Deadline.due_at < now)
        .order_by(Deadline.due_at, Deadline.id)
    )
    warnings = session.scalars(
        select(Deadline.id)
        .where(
            Deadline.status == DeadlineStatus.open,
            Deadline.warned_at.is_(None),
            Deadline.warn_at.is_not(None),
            Deadline.warn_at <= now,
            Deadline.due_at >= now,
        )
        .order_by(Deadline.warn_at, Deadline.id)
    )
    return [DueCheck(id_, "breach") for id_ in breaches] + [
        DueCheck(id_, "warn") for id_ in warnings
    ]


@dataclass(frozen=True)
class UpcomingDeadline:
    """A limit still open, as ops see it: no customer data."""

    reference: str
    kind: DeadlineKind
    due_at: datetime
    responsible: str


def upcoming_deadlines(session: Session, *, now: datetime, limit: int) -> list[UpcomingDeadline]:
    """The next ``limit`` open deadlines not yet due, soonest first."""
    rows = session.execute(
        select(Complaint.reference, Deadline.kind, Deadline.due_at, User.username)
        .join(Complaint, Complaint.id == Deadline.complaint_id)
        .join(User, User.id == Deadline.responsible_user_id)
        .where(Deadline.status == DeadlineStatus.open, Deadline.due_at >= now)
        .order_by(Deadline.due_at, Deadline.id)
        .limit(limit)
    )
    return [UpcomingDeadline(*row) for row in rows]


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
