"""Art. 7 at a deadline's warning time and due time: warn the responsible person before, and at
a breach tell the superior and record the breach against the responsible person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import append_event
from models.complaint import Complaint
from models.operations import Deadline
from policy.enums import DeadlineStatus


@dataclass(frozen=True)
class DeadlineCheck:
    """What a check did: ``action`` is none, warned or breached. Who hears of it is the outbox's
    rule (`models.outbox.recipients_for`): the responsible person, or their superior."""

    action: str
    deadline_id: int
    complaint_id: int
    kind: str


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


def check_deadline(
    session: Session, *, deadline_id: int, purpose: str, now: datetime
) -> DeadlineCheck:
    """``purpose`` is "warn" (before the due time) or "breach" (at it). Idempotent: a deadline
    met, cancelled, already warned or already breached is left as it is."""
    deadline = session.get_one(Deadline, deadline_id, with_for_update=True)
    result = DeadlineCheck("none", deadline.id, deadline.complaint_id, deadline.kind.value)
    if deadline.status is not DeadlineStatus.open:
        return result
    complaint = session.get_one(Complaint, deadline.complaint_id)
    if purpose == "warn":
        if deadline.warned_at is not None or now >= deadline.due_at:
            return result
        deadline.warned_at = now
        append_event(
            session,
            complaint=complaint,
            kind="deadline_warning",
            occurred_at=now,
            data={"deadline": deadline.kind.value, "responsible_id": deadline.responsible_user_id},
        )
        return DeadlineCheck("warned", deadline.id, complaint.id, deadline.kind.value)
    if now < deadline.due_at:
        return result
    deadline.status = DeadlineStatus.breached
    deadline.breached_at = now
    append_event(
        session,
        complaint=complaint,
        kind="deadline_breached",
        occurred_at=now,
        data={"deadline": deadline.kind.value, "responsible_id": deadline.responsible_user_id},
    )
    return DeadlineCheck("breached", deadline.id, complaint.id, deadline.kind.value)
